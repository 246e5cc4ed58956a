package server

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/pipeline/vad"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeCall is a bridge.Call whose far end is the test.
type fakeCall struct {
	info        bridge.Info
	done        chan struct{}
	once        sync.Once
	transferErr error // returned by Transfer when set

	mu        sync.Mutex
	err       error
	hangups   []string
	transfers []string
	digits    []string
	flushes   int
}

func newFakeCall(id string) *fakeCall {
	return &fakeCall{done: make(chan struct{}), info: bridge.Info{ID: id, Channel: bridge.ChannelSIP,
		Direction: bridge.Inbound, From: "sip:alice@example.com", To: "sip:parley@example.com", Codec: "PCMU/8000",
		Remote: "127.0.0.1:5062", Params: map[string]string{"sip_call_id": "abc@example.com"}}}
}

func (f *fakeCall) Info() bridge.Info { return f.info }

func (f *fakeCall) end(err error) {
	f.once.Do(func() {
		f.mu.Lock()
		f.err = err
		f.mu.Unlock()
		close(f.done)
	})
}

// Hangup records the reason and ends the call.
func (f *fakeCall) Hangup(ctx context.Context, reason string) error {
	f.mu.Lock()
	f.hangups = append(f.hangups, reason)
	f.mu.Unlock()
	f.end(nil)
	return nil
}

// Transfer records the target and ends the call, or fails.
func (f *fakeCall) Transfer(ctx context.Context, target string) error {
	f.mu.Lock()
	f.transfers = append(f.transfers, target)
	f.mu.Unlock()
	if f.transferErr != nil {
		return f.transferErr
	}
	f.end(nil)
	return nil
}

func (f *fakeCall) SendDTMF(digits string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.digits = append(f.digits, digits)
	return nil
}

func (f *fakeCall) Flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushes++
}

func (f *fakeCall) Done() <-chan struct{} { return f.done }

func (f *fakeCall) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *fakeCall) state() (hangups, transfers, digits []string, flushes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.hangups...), append([]string(nil), f.transfers...),
		append([]string(nil), f.digits...), f.flushes
}

func (f *fakeCall) ended() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// scriptAgent answers each turn with reply(req); a factory of them.
type scriptAgent struct {
	reply func(req pipeline.AgentRequest) []pipeline.Response
}

func (a scriptAgent) Respond(ctx context.Context, req pipeline.AgentRequest, w pipeline.ResponseWriter) error {
	for _, r := range a.reply(req) {
		if err := w.WriteResponse(r); err != nil {
			return err
		}
	}
	return nil
}

func agents(reply func(req pipeline.AgentRequest) []pipeline.Response) agentic.Factory {
	return agentic.FactoryFunc(func(agentic.Call) (agentic.Agent, error) { return scriptAgent{reply: reply}, nil })
}

// testConfig is a server configuration for tests: loopback port 0, records
// and recordings in a temporary folder, no demo service.
func testConfig(t *testing.T) Config {
	t.Helper()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Records.Path = filepath.Join(dir, "calls.db")
	cfg.Recordings.Dir = filepath.Join(dir, "recordings")
	cfg.Shutdown.Grace = 5 * time.Second
	cfg.Transports = TransportsConfig{}
	return cfg
}

// fakeEngines are the options that replace every engine with a fake:
// energy VAD, the given recognizer and agents, a tone synthesizer.
func fakeEngines(recog pipeline.Recognizer, synth pipeline.Synthesizer, f agentic.Factory) []Option {
	return []Option{
		WithRecognizer(recog), WithSynthesizer(synth), WithAgents(f),
		WithDetectors(func() (vad.Detector, error) { return &pipelinetest.EnergyDetector{}, nil }),
	}
}

// newServer builds a server and closes it at the end of the test.
func newServer(t *testing.T, cfg Config, opts ...Option) *Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := New(cfg, append([]Option{WithLogger(log)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// phone is the far end of a call on a fake clock: each step moves the
// clock 20 ms, pushes one caller frame, waits until the session has
// processed it, and pulls one bot frame.
type phone struct {
	t     *testing.T
	clock *pipelinetest.Clock
	sess  *pipeline.Session
	bot   []int16
	buf   []int16
	sent  uint64
}

func newPhone(t *testing.T, clock *pipelinetest.Clock, ep bridge.Endpoint) *phone {
	t.Helper()
	sess, ok := ep.(*pipeline.Session)
	if !ok {
		t.Fatalf("the endpoint is a %T, not a session", ep)
	}
	return &phone{t: t, clock: clock, sess: sess, buf: make([]int16, 320)}
}

var tone20ms = func() []int16 {
	s := make([]int16, 320)
	for i := range s {
		s[i] = int16(4000 * math.Sin(2*math.Pi*300*float64(i)/16000))
	}
	return s
}()

// step sends one frame (silence when speak is false).
func (p *phone) step(speak bool) {
	p.t.Helper()
	p.clock.Advance(audio.FrameDuration)
	f := make([]int16, 320)
	if speak {
		copy(f, tone20ms)
	}
	if err := p.sess.PushAudio(audio.Frame{Rate: audio.PipelineRate, Samples: f}); err != nil {
		return // the session ended; the caller's steps are moot
	}
	p.sent++
	pipelinetest.Eventually(p.t, func() bool {
		st := p.sess.Stats()
		return st.FramesProcessed+st.FramesDropped >= p.sent || p.sess.Err() != nil
	}, "the session did not process frame %d", p.sent)
	p.sess.NextFrame(p.buf)
	p.bot = append(p.bot, p.buf...)
}

// speak sends d of caller speech (a tone).
func (p *phone) speak(d time.Duration) {
	p.t.Helper()
	for range int(d / audio.FrameDuration) {
		p.step(true)
	}
}

// until sends silence until cond holds, failing after limit of call time.
// Between frames it lets the engines' goroutines run (the agent and the
// synthesizer work on the real clock).
func (p *phone) until(limit time.Duration, what string, cond func() bool) {
	p.t.Helper()
	for range int(limit / audio.FrameDuration) {
		if cond() {
			return
		}
		pipelinetest.Poll(time.Millisecond, cond)
		p.step(false)
	}
	if !cond() {
		p.t.Fatalf("after %v of call time: %s", limit, what)
	}
}

// watch subscribes to the live events of one call.
type watch struct {
	c *eventClient
	h *hub

	mu     sync.Mutex
	seen   []liveEvent
	stop   chan struct{}
	closed chan struct{}
}

func watchCall(t *testing.T, s *Server, callID string) *watch {
	t.Helper()
	c, ok := s.hub.subscribe(callID, 4096)
	if !ok {
		t.Fatal("hub closed")
	}
	w := &watch{c: c, h: s.hub, stop: make(chan struct{}), closed: make(chan struct{})}
	go func() {
		defer close(w.closed)
		for {
			select {
			case e := <-c.ch:
				w.mu.Lock()
				w.seen = append(w.seen, e)
				w.mu.Unlock()
			case <-c.gone:
				return
			case <-w.stop:
				return
			}
		}
	}()
	t.Cleanup(w.close)
	return w
}

func (w *watch) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.closed
	w.h.unsubscribe(w.c)
}

// count returns how many events of kind arrived.
func (w *watch) count(kind string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.seen {
		if e.kind == kind {
			n++
		}
	}
	return n
}

// events returns the events of kind that arrived.
func (w *watch) events(kind string) []liveEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []liveEvent
	for _, e := range w.seen {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}
