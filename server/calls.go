package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/vad"
	"github.com/parley-voice/parley/server/recording"
	"github.com/parley-voice/parley/server/records"
)

// callEventBuffer is each call's subscription to its own session: events
// are small and the call's goroutine only updates memory, so this absorbs
// any burst.
const callEventBuffer = 1024

// manager runs the calls: it is the bridge.Handler the transports call.
type manager struct {
	cfg       Config
	log       *slog.Logger
	clock     pipeline.Clock
	detectors func() (vad.Detector, error)
	recog     pipeline.Recognizer
	synth     pipeline.Synthesizer
	agents    agentic.Factory
	handoffs  Handoffs
	store     *records.Store
	hub       *hub
	metrics   *metrics

	ctx    context.Context // the sessions' and control calls' context; ends at Close
	cancel context.CancelFunc

	mu       sync.Mutex
	calls    map[string]*call // nil value: reserved while Accept builds it
	draining bool
	wg       sync.WaitGroup // one per call, from Accept until its record is queued
	drained  chan struct{}  // closed once draining and every call has finished
	hangAll  chan struct{}  // closed when the shutdown grace has passed
	hangOnce sync.Once
}

// Accept answers a call: it builds the call's session (detector, the shared
// recognizer and synthesizer, a new agent, the recording) and starts the
// goroutine that keeps its record and carries out its actions. It refuses
// calls with bridge.ErrBusy at max_calls and while shutting down.
func (m *manager) Accept(ctx context.Context, bc bridge.Call) (bridge.Endpoint, error) {
	info := bc.Info()
	if !validCallID(info.ID) {
		m.metrics.calls.WithLabelValues(info.Channel, "rejected").Inc()
		return nil, fmt.Errorf("server: the transport gave call id %q, which is not URL- and file-safe (use bridge.NewID)", info.ID)
	}
	if err := m.reserve(info); err != nil {
		return nil, err
	}
	c, err := m.newCall(bc, info)
	if err != nil {
		m.release(info.ID)
		m.metrics.calls.WithLabelValues(info.Channel, EndError).Inc()
		m.metrics.errors.WithLabelValues("accept").Inc()
		m.log.Error("call refused: its session could not be built", "call_id", info.ID, "err", err)
		return nil, err
	}
	m.mu.Lock()
	m.calls[info.ID] = c
	m.mu.Unlock()
	go c.run()
	return c.sess, nil
}

// reserve takes a call slot, or refuses the call.
func (m *manager) reserve(info bridge.Info) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.draining:
		m.metrics.calls.WithLabelValues(info.Channel, "busy").Inc()
		return fmt.Errorf("%w: the server is shutting down", bridge.ErrBusy)
	case len(m.calls) >= m.cfg.Call.MaxCalls:
		m.metrics.calls.WithLabelValues(info.Channel, "busy").Inc()
		m.log.Warn("call refused: at max_calls", "call_id", info.ID, "max_calls", m.cfg.Call.MaxCalls)
		return fmt.Errorf("%w: %d calls in progress (call.max_calls)", bridge.ErrBusy, m.cfg.Call.MaxCalls)
	}
	if _, dup := m.calls[info.ID]; dup {
		return fmt.Errorf("server: a call with id %s is already in progress", info.ID)
	}
	m.calls[info.ID] = nil
	m.wg.Add(1)
	return nil
}

// release frees a call's slot.
func (m *manager) release(id string) {
	m.mu.Lock()
	delete(m.calls, id)
	m.mu.Unlock()
	m.wg.Done()
}

// newCall builds a call's engines and session; on failure it releases
// what it built.
func (m *manager) newCall(bc bridge.Call, info bridge.Info) (*call, error) {
	started := info.Started
	if started.IsZero() {
		started = m.clock.Now()
	}
	lang := m.cfg.Call.Language
	if lang == "" {
		lang = m.cfg.Language
	}
	log := m.log.With("call_id", info.ID, "channel", info.Channel)
	det, err := m.detectors()
	if err != nil {
		return nil, fmt.Errorf("server: voice activity detector: %w", err)
	}
	agent, err := m.agents.NewAgent(agentic.Call{ID: info.ID, Language: lang, Channel: info.Channel, From: info.From, To: info.To})
	if err != nil {
		det.Close()
		return nil, fmt.Errorf("server: start the agent: %w", err)
	}
	c := &call{m: m, bc: bc, info: info, log: log, agent: agent, started: started,
		b: newRecordBuilder(info, lang, started), handoffDone: make(chan handoffOutcome, 1)}
	var icpt []pipeline.Interceptor
	if m.cfg.Recordings.Enabled {
		path := m.cfg.Recordings.Path(info.ID)
		c.rec, err = recording.New(path, m.cfg.Recordings, recording.WithLogger(log), recording.WithClock(m.clock))
		if err != nil {
			det.Close()
			closeAgent(agent)
			return nil, err
		}
		icpt = append(icpt, c.rec)
	}
	pc := m.cfg.Call.Config
	pc.Language = lang
	opts := []pipeline.Option{pipeline.WithCallID(info.ID), pipeline.WithLogger(m.log), pipeline.WithClock(m.clock),
		pipeline.WithDetector(det), pipeline.WithRecognizer(m.recog), pipeline.WithSynthesizer(m.synth),
		pipeline.WithAgent(agent), pipeline.WithFlusher(pipeline.FlusherFunc(bc.Flush)),
		pipeline.WithMetrics(m.metrics.observeTurn), pipeline.WithInterceptors(icpt...)}
	if r, ok := bc.(bridge.AudioReadier); ok {
		opts = append(opts, pipeline.WithAudioReady(r.AudioReady))
	}
	c.sess, err = pipeline.NewSession(m.ctx, pc, opts...)
	if err != nil {
		det.Close()
		closeAgent(agent)
		if c.rec != nil {
			c.rec.Close()
		}
		return nil, fmt.Errorf("server: start the call's session: %w", err)
	}
	c.sub = c.sess.Subscribe(callEventBuffer)
	if m.cfg.Call.Greeting {
		if err := c.sess.Reply(); err != nil {
			log.Warn("greeting not started", "err", err)
		}
	}
	log.Info("call answered", "direction", info.Direction, "from", info.From, "to", info.To,
		"codec", info.Codec, "remote", info.Remote)
	return c, nil
}

// closeAgent closes an agent that holds resources.
func closeAgent(a agentic.Agent) {
	if cl, ok := a.(io.Closer); ok {
		cl.Close()
	}
}

// active returns the number of calls in progress.
func (m *manager) active() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.calls)
}

// snapshot returns the live record of a call in progress.
func (m *manager) snapshot(id string) (records.Record, bool) {
	m.mu.Lock()
	c := m.calls[id]
	m.mu.Unlock()
	if c == nil {
		return records.Record{}, false
	}
	return c.snapshot(), true
}

// drain refuses new calls from now on, and closes m.drained once the
// calls in progress have finished. It is idempotent.
func (m *manager) drain() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.draining {
		return
	}
	m.draining = true
	go func() { m.wg.Wait(); close(m.drained) }() // no call can start any more: Add is over
}

// isDraining reports whether a shutdown started.
func (m *manager) isDraining() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.draining
}

// wait waits, once draining, until every call has finished and queued its
// record, or ctx is done.
func (m *manager) wait(ctx context.Context) error {
	select {
	case <-m.drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hangUpAll hangs up every call in progress (reason shutdown).
func (m *manager) hangUpAll() { m.hangOnce.Do(func() { close(m.hangAll) }) }

// shutdown refuses new calls, lets the live ones go on for grace, hangs
// up those still live, and waits (up to hangupWait more) for their
// records.
func (m *manager) shutdown(grace, hangupWait time.Duration) error {
	m.drain()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	err := m.wait(ctx)
	cancel()
	if err == nil {
		return nil
	}
	if n := m.active(); n > 0 {
		m.log.Warn("shutdown grace over; hanging up the calls still in progress", "calls", n)
	}
	m.hangUpAll()
	ctx, cancel = context.WithTimeout(context.Background(), hangupWait)
	defer cancel()
	if err := m.wait(ctx); err != nil {
		return errors.New("server: calls still running after the shutdown grace and hang-up; their records are incomplete")
	}
	return nil
}
