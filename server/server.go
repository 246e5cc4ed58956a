package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
	"github.com/parley-voice/parley/server/records"
)

// Shutdown timings beyond the configured grace.
const (
	// hangupWait bounds the wait for calls to end after they were hung up.
	hangupWait = 15 * time.Second
	// stopWait bounds stopping the transports and the HTTP server.
	stopWait = 5 * time.Second
	// heartbeatEvery is how often live calls are noted alive in the
	// records, for crash recovery.
	heartbeatEvery = time.Minute
)

// Server is `parley serve`: it answers calls on the configured transports,
// runs each through a pipeline.Session with the shared engines and a new
// agent, stores call records and recordings, and serves the HTTP API, the
// live events, the metrics and the web UI.
//
// Build it with New, run it with Run (once), and Close it if Run was never
// called. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	o       *options
	log     *slog.Logger
	clock   pipeline.Clock
	started time.Time

	brain      *Brain
	pacer      *audio.Pacer
	store      *records.Store
	hub        *hub
	metrics    *metrics
	calls      *manager
	transports []transport
	closers    closers // in the order of construction; closed in reverse

	httpLn  net.Listener
	httpSrv *http.Server
	streams sync.WaitGroup // /api/events handlers

	ran       atomic.Bool
	closeOnce sync.Once
}

// New builds a server from cfg: the brain (NLU, knowledge, tools, agents),
// the speech engines, the voice activity detector factory, the records
// database, the transports and the HTTP listener (bound now, so Addr is
// known before Run). Options replace parts for tests and embedding.
func New(cfg Config, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := &options{}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, o: o, clock: o.clock, started: time.Now(), hub: newHub()}
	if s.clock == nil {
		s.clock = pipeline.SystemClock()
	}
	s.log = o.logger
	if s.log == nil {
		l, err := cfg.Log.NewLogger(os.Stderr)
		if err != nil {
			return nil, err
		}
		s.log = l
	}
	s.metrics = newMetrics(s.hub)
	ok := false
	defer func() {
		if !ok {
			s.release()
		}
	}()
	if err := s.build(); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// build makes the server's parts in order, registering what to close.
func (s *Server) build() error {
	steps := []func() error{s.buildBrain, s.buildCalls, s.buildStore, s.buildPacer, s.buildTransports, s.buildHTTP}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// buildBrain starts the demo services and builds the agents.
func (s *Server) buildBrain() error {
	if s.o.agents != nil {
		return nil
	}
	stopDemo, err := StartDemo(s.cfg.Demo, s.log)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, func() error { stopDemo(); return nil })
	s.brain, err = NewBrain(context.Background(), s.cfg, s.log)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, s.brain.Close)
	s.o.agents = s.brain.Agents
	return nil
}

// buildCalls builds the shared engines and the call manager.
func (s *Server) buildCalls() error {
	m := &manager{cfg: s.cfg, log: s.log, clock: s.clock, agents: s.o.agents, hub: s.hub, metrics: s.metrics,
		calls: map[string]*call{}, drained: make(chan struct{}), hangAll: make(chan struct{}),
		recog: s.o.recognizer, synth: s.o.synth, detectors: s.o.detectors, handoffs: s.o.handoffs}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	s.closers = append(s.closers, func() error { m.cancel(); return nil })
	s.calls = m
	if m.handoffs == nil {
		m.handoffs = transferHandoffs{cfg: s.cfg.Handoff}
	}
	if m.recog == nil {
		r, closeFn, err := NewRecognizer(s.cfg.STT, s.log)
		if err != nil {
			return err
		}
		m.recog = r
		s.closers = append(s.closers, func() error { closeFn(); return nil })
	}
	if m.synth == nil {
		syn, closeFn, err := NewSynthesizer(s.cfg.TTS, s.log)
		if err != nil {
			return err
		}
		m.synth = syn
		s.closers = append(s.closers, func() error { closeFn(); return nil })
	}
	if m.detectors == nil {
		f, err := vad.NewFactory(s.cfg.VAD, vad.WithLogger(s.log))
		if err != nil {
			return fmt.Errorf("%w: vad: %w", ErrConfig, err)
		}
		s.closers = append(s.closers, f.Close)
		m.detectors = f.New
		if f.Fallback() != nil {
			s.log.Warn("calls use the energy voice activity detector (run make deps to install the Silero model)",
				"reason", f.Fallback())
		}
	}
	return nil
}

// buildStore opens the call records.
func (s *Server) buildStore() error {
	st, err := records.Open(context.Background(), s.cfg.Records, records.WithLogger(s.log),
		records.WithObserver(s.metrics.observeRecordWrite))
	if err != nil {
		return err
	}
	s.store, s.calls.store = st, st
	s.closers = append(s.closers, st.Close)
	return nil
}

// buildPacer makes the pacer the transports share.
func (s *Server) buildPacer() error {
	if s.o.pacer != nil {
		s.pacer = s.o.pacer
		return nil
	}
	// A transport's send includes its socket write (about 10 µs for RTP),
	// so one worker per CPU keeps a thousand calls on time.
	p, err := audio.NewPacer(audio.WithPacerLogger(s.log), audio.WithPacerWorkers(min(max(runtime.GOMAXPROCS(0), 1), 256)))
	if err != nil {
		return err
	}
	s.pacer = p
	s.closers = append(s.closers, p.Close)
	return nil
}

// buildHTTP binds the HTTP listener.
func (s *Server) buildHTTP() error {
	ln, err := net.Listen("tcp", s.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("%w: http.listen %s: %w", ErrListen, s.cfg.HTTP.Listen, err)
	}
	s.httpLn = ln
	s.closers = append(s.closers, func() error { ln.Close(); return nil })
	s.httpSrv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: s.cfg.HTTP.ReadHeaderTimeout,
		IdleTimeout: s.cfg.HTTP.IdleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	return nil
}

// Addr returns the HTTP listener's address (host:port), useful with port 0.
func (s *Server) Addr() string { return s.httpLn.Addr().String() }

// Handler returns the server's call handler: what transports call for each
// new call. In-process transports and tests give it their calls.
func (s *Server) Handler() bridge.Handler { return s.calls }

// Pacer returns the pacer the transports send bot audio on.
func (s *Server) Pacer() *audio.Pacer { return s.pacer }

// Brain returns the brain built from the configuration, or nil when
// WithAgents replaced it.
func (s *Server) Brain() *Brain { return s.brain }

// extraRoutes returns the transports' and the options' HTTP handlers.
func (s *Server) extraRoutes() []route {
	var rs []route
	for _, t := range s.transports {
		rs = append(rs, t.routes()...)
	}
	return append(rs, s.o.routes...)
}

// Run serves until ctx is done, then shuts down gracefully: it refuses new
// calls (transports answer busy, /healthz says 503), lets live calls go on
// for shutdown.grace, hangs up those still live, flushes their records and
// recordings, and closes everything. It returns nil after a clean shutdown,
// or the error that stopped the server (a listener that failed). Run can
// be called once.
func (s *Server) Run(ctx context.Context) error {
	if !s.ran.CompareAndSwap(false, true) {
		return ErrClosed
	}
	defer s.release()
	failed := make(chan error, 1+len(s.transports))
	var serving sync.WaitGroup
	serve := func(name string, fn func() error) {
		serving.Add(1)
		go func() {
			defer serving.Done()
			if err := fn(); err != nil {
				failed <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	serve("http", func() error {
		if err := s.httpSrv.Serve(s.httpLn); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	s.log.Info("listening", "http", s.Addr())
	tctx, stopTransports := context.WithCancel(context.Background())
	defer stopTransports()
	for _, t := range s.transports {
		serve(t.name(), func() error { return t.serve(tctx) })
		if a := t.addr(); a != "" {
			s.log.Info("listening", t.name(), a)
		}
	}
	stopBeat := s.heartbeat()
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-failed:
		s.log.Error("a listener failed; shutting down", "err", runErr)
	}
	s.shutdown(stopTransports)
	stopBeat()
	serving.Wait()
	return runErr
}

// heartbeat notes the live calls alive in the records every minute, until
// the returned function is called.
func (s *Server) heartbeat() (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := s.clock.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C():
				if err := s.store.Heartbeat(context.Background()); err != nil {
					s.log.Warn("records heartbeat not queued", "err", err)
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// shutdown drains the calls, then stops the transports and the HTTP
// server.
func (s *Server) shutdown(stopTransports context.CancelFunc) {
	n := s.calls.active()
	s.calls.drain()
	s.log.Info("shutting down: refusing new calls", "live_calls", n, "grace", s.cfg.Shutdown.Grace.String())
	if err := s.calls.shutdown(s.cfg.Shutdown.Grace, hangupWait); err != nil {
		s.log.Error("shutdown", "err", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopWait)
	defer cancel()
	for _, t := range s.transports {
		if err := t.shutdown(ctx); err != nil {
			s.log.Warn("stopping a transport", "transport", t.name(), "err", err)
		}
	}
	stopTransports()
	s.hub.close()
	if err := s.httpSrv.Shutdown(ctx); err != nil {
		s.log.Warn("stopping the HTTP server", "err", err)
		s.httpSrv.Close()
	}
	streams := make(chan struct{})
	go func() { s.streams.Wait(); close(streams) }()
	select {
	case <-streams:
	case <-ctx.Done():
		s.log.Warn("event streams still open at exit")
	}
}

// Close releases everything New built, for a server whose Run was never
// called (Run releases it itself): calls given to Handler meanwhile are
// hung up at once and their records completed. It is idempotent.
func (s *Server) Close() error {
	if s.ran.CompareAndSwap(false, true) {
		if err := s.calls.shutdown(0, hangupWait); err != nil {
			s.log.Error("close", "err", err)
		}
		s.hub.close()
		s.release()
	}
	return nil
}

// release closes the server's parts, the last built first.
func (s *Server) release() {
	s.closeOnce.Do(func() {
		for i := len(s.transports) - 1; i >= 0; i-- {
			if err := s.transports[i].close(); err != nil {
				s.log.Warn("closing a transport", "transport", s.transports[i].name(), "err", err)
			}
		}
		if m := s.calls; m != nil {
			// Calls that outlived the shutdown: end their sessions, and give
			// them a moment to complete their records before the store
			// closes.
			m.drain()
			m.cancel()
			ctx, cancel := context.WithTimeout(context.Background(), stopWait)
			if err := m.wait(ctx); err != nil {
				s.log.Error("calls still running at exit; their records are completed at the next start", "calls", m.active())
			}
			cancel()
		}
		s.closers.close()
	})
}
