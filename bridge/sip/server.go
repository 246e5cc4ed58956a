package sip

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Server is a SIP user agent for Parley's calls: it answers inbound calls
// (UAS), places outbound ones (Dial), and hands each call to a
// bridge.Handler with its media on an rtp.Session.
//
// NewServer binds the listening sockets, so Addr is known at once; Serve
// handles traffic on them. A Server is safe for concurrent use. Close (or
// Shutdown) stops it and waits for the goroutines it started.
type Server struct {
	cfg   Config
	media rtp.Config
	h     bridge.Handler
	o     *options
	log   *slog.Logger
	ports *rtp.Ports
	pacer *audio.Pacer
	auth  *authenticator

	ownPacer bool
	hostIP   string // default Contact host for wildcard listeners

	ua     *sipgo.UserAgent
	sip    *sipgo.Server
	client *sipgo.Client

	listeners []*listener

	mu       sync.Mutex
	calls    map[string]*call // established and ringing calls by dialog ID
	active   int              // calls counted against MaxCalls
	draining bool
	closed   bool
	serving  bool
	changed  chan struct{} // signalled when active drops

	wg        sync.WaitGroup // call goroutines
	readers   sync.WaitGroup // sipgo read loops started by Serve
	closeOnce sync.Once
	closing   chan struct{}
}

// listener is one bound transport.
type listener struct {
	network string // "udp", "tcp" or "tls"
	pc      *guardedConn
	l       net.Listener
	addr    net.Addr
}

// NewServer builds a server for cfg and binds its listeners; media
// configures the RTP sessions of its calls and h answers them. It fails
// with ErrInvalidConfig (or rtp.ErrInvalidConfig) on an invalid
// configuration and with the bind error when an address is taken.
func NewServer(cfg Config, media rtp.Config, h bridge.Handler, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := media.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("%w: nil bridge.Handler", ErrInvalidConfig)
	}
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, media: media, h: h, o: o, log: o.log, ports: o.ports, pacer: o.pacer,
		calls: map[string]*call{}, changed: make(chan struct{}, 1), closing: make(chan struct{}),
		hostIP: hostIPv4(),
	}
	if s.cfg.UserAgent == "" {
		s.cfg.UserAgent = DefaultUserAgent
	}
	s.auth = newAuthenticator(cfg.Auth, o.clock)
	if err := s.build(); err != nil {
		s.teardown()
		return nil, err
	}
	return s, nil
}

// build creates the media resources, the sipgo stack and the listeners.
func (s *Server) build() error {
	if s.ports == nil {
		d := rtp.DefaultConfig()
		lo, hi := s.media.PortMin, s.media.PortMax
		if lo == 0 {
			lo = d.PortMin
		}
		if hi == 0 {
			hi = d.PortMax
		}
		p, err := rtp.NewPorts(lo, hi)
		if err != nil {
			return err
		}
		s.ports = p
	}
	if s.pacer == nil {
		p, err := audio.NewPacer(audio.WithPacerLogger(s.log))
		if err != nil {
			return fmt.Errorf("sip: starting the media pacer: %w", err)
		}
		s.pacer, s.ownPacer = p, true
	}
	sl := s.log.With("component", "sipgo")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(s.cfg.UserAgent),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sl),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sl)),
	)
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	s.ua = ua
	if s.sip, err = sipgo.NewServer(ua, sipgo.WithServerLogger(sl)); err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	if s.client, err = sipgo.NewClient(ua, sipgo.WithClientLogger(sl)); err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	s.routes()
	return s.listen()
}

// listen binds the configured transports.
func (s *Server) listen() error {
	if s.cfg.UDP != "" {
		pc, err := net.ListenPacket(ipNetwork("udp", s.cfg.UDP), s.cfg.UDP)
		if err != nil {
			return fmt.Errorf("sip: sip.udp %s: %w", s.cfg.UDP, err)
		}
		g := newGuardedConn(pc, s.cfg.UserAgent, s.log)
		s.listeners = append(s.listeners, &listener{network: "udp", pc: g, addr: pc.LocalAddr()})
	}
	if s.cfg.TCP != "" {
		l, err := net.Listen(ipNetwork("tcp", s.cfg.TCP), s.cfg.TCP)
		if err != nil {
			return fmt.Errorf("sip: sip.tcp %s: %w", s.cfg.TCP, err)
		}
		s.listeners = append(s.listeners, &listener{network: "tcp", l: l, addr: l.Addr()})
	}
	if s.cfg.TLS.Listen != "" {
		conf := s.o.tls
		if conf == nil {
			cert, err := tls.LoadX509KeyPair(s.cfg.TLS.Cert, s.cfg.TLS.Key)
			if err != nil {
				return fmt.Errorf("%w: sip.tls.cert/sip.tls.key: %v", ErrInvalidConfig, err)
			}
			conf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
		l, err := tls.Listen(ipNetwork("tcp", s.cfg.TLS.Listen), s.cfg.TLS.Listen, conf)
		if err != nil {
			return fmt.Errorf("sip: sip.tls.listen %s: %w", s.cfg.TLS.Listen, err)
		}
		s.listeners = append(s.listeners, &listener{network: "tls", l: l, addr: l.Addr()})
	}
	return nil
}

// routes registers the request handlers.
func (s *Server) routes() {
	s.sip.OnInvite(s.guard(s.onInvite))
	s.sip.OnAck(s.guard(s.onAck))
	s.sip.OnBye(s.guard(s.onBye))
	s.sip.OnCancel(s.guard(s.onCancel))
	s.sip.OnOptions(s.guard(s.onOptions))
	s.sip.OnInfo(s.guard(s.onInfo))
	s.sip.OnNotify(s.guard(s.onNotify))
	s.sip.OnUpdate(s.guard(s.onUpdate))
	s.sip.OnNoRoute(s.guard(s.onNoRoute))
}

// Serve handles SIP traffic on the bound listeners until ctx is done or
// the Server is closed, then closes the Server (hanging up calls still in
// progress; call Shutdown first for a graceful stop). It returns nil after
// a stop and the listener's error if one fails. Call it once.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.serving:
		s.mu.Unlock()
		return ErrAlreadyServing
	}
	s.serving = true
	s.readers.Add(len(s.listeners))
	s.mu.Unlock()

	errc := make(chan error, len(s.listeners))
	for _, l := range s.listeners {
		go func() {
			defer s.readers.Done()
			errc <- s.serveListener(l)
		}()
	}
	pending := len(s.listeners)
	var failed error
	select {
	case <-ctx.Done():
	case <-s.closing:
	case failed = <-errc:
		pending--
		select {
		case <-s.closing: // the listener stopped because of Close
			failed = nil
		default:
			failed = fmt.Errorf("sip: listener stopped: %w", failed)
		}
	}
	s.Close()
	for range pending {
		<-errc
	}
	return failed
}

// serveListener runs sipgo's read loop on one listener until it closes.
func (s *Server) serveListener(l *listener) error {
	var err error
	switch l.network {
	case "udp":
		err = s.sip.ServeUDP(l.pc)
	case "tcp":
		err = s.sip.ServeTCP(l.l)
	default:
		err = s.sip.ServeTLS(l.l)
	}
	if err == nil {
		err = net.ErrClosed
	}
	return err
}

// Addr returns the bound address of a transport ("udp", "tcp" or "tls"),
// or nil when it is not configured. With port 0 in the configuration it
// tells the port picked.
func (s *Server) Addr(network string) net.Addr {
	for _, l := range s.listeners {
		if l.network == network {
			return l.addr
		}
	}
	return nil
}

// Calls returns how many calls are in progress (ringing or answered,
// inbound and outbound).
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Shutdown stops taking calls (new INVITEs get 503 with Retry-After and
// OPTIONS pings 503, so load balancers move traffic away), waits for the
// calls in progress to end until ctx is done, then hangs up the rest with
// a BYE and closes the Server. It returns nil when every call ended by
// itself, otherwise ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	var err error
	for err == nil {
		if s.Calls() == 0 {
			break
		}
		select {
		case <-s.changed:
		case <-ctx.Done():
			err = ctx.Err()
		case <-s.closing:
			return nil
		}
	}
	s.Close()
	return err
}

// Close hangs up every call (a BYE, or a final response to a call still
// ringing, with a short deadline), closes the listeners and the sipgo
// stack, waits for the Server's goroutines, and closes the pacer it
// started. It is idempotent and returns nil.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed, s.draining = true, true
		calls := make([]*call, 0, len(s.calls))
		for _, c := range s.calls {
			calls = append(calls, c)
		}
		s.mu.Unlock()
		close(s.closing)
		var wg sync.WaitGroup
		for _, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), closeHangupTimeout)
				defer cancel()
				_ = c.Hangup(ctx, "server shutting down")
			}()
		}
		wg.Wait()
		s.teardown()
	})
	return nil
}

// teardown releases the sockets, the sipgo stack and the pacer, and waits
// for the call goroutines.
func (s *Server) teardown() {
	for _, l := range s.listeners {
		if l.pc != nil {
			_ = l.pc.Close()
		}
		if l.l != nil {
			_ = l.l.Close()
		}
	}
	s.readers.Wait()
	if s.ua != nil {
		_ = s.ua.Close()
		s.sweep()
	}
	s.wg.Wait()
	if s.ownPacer && s.pacer != nil {
		_ = s.pacer.Close()
	}
}

// sweep closes sockets sipgo opened after its transport layer closed.
// sipgo handles each message it reads on a goroutine of its own, and one
// read just before the listeners closed (the ACK of a final response, say)
// may still open a socket to answer from once the listener is gone; such
// a socket would stay open for good. Sweeps run at once and twice more
// within 50 ms.
func (s *Server) sweep() {
	tp := s.ua.TransportLayer()
	for _, d := range []time.Duration{0, 10 * time.Millisecond, 40 * time.Millisecond} {
		time.Sleep(d)
		for _, n := range []string{"udp", "tcp", "tls"} {
			if p := tp.Pool(n); p != nil && p.Size() > 0 {
				_ = p.Clear()
			}
		}
	}
}

// reserve counts a new call against MaxCalls; it fails with bridge.ErrBusy
// when the server is full or draining, and ErrClosed after Close.
func (s *Server) reserve() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.draining:
		return fmt.Errorf("%w: the server is shutting down", bridge.ErrBusy)
	case s.cfg.MaxCalls > 0 && s.active >= s.cfg.MaxCalls:
		return fmt.Errorf("%w: %d calls in progress (sip.max_calls)", bridge.ErrBusy, s.active)
	}
	s.active++
	return nil
}

// release gives back a slot taken by reserve.
func (s *Server) release() {
	s.mu.Lock()
	s.active--
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// register files an established or ringing call by its dialog ID; it
// fails after Close.
func (s *Server) register(id string, c *call) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.calls[id] = c
	return true
}

// unregister removes a call filed by register.
func (s *Server) unregister(id string, c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls[id] == c {
		delete(s.calls, id)
	}
}

// lookup finds the call of an in-dialog request, whichever side placed it.
func (s *Server) lookup(req *sip.Request) *call {
	uas, err1 := sip.DialogIDFromRequestUAS(req)
	uac, err2 := sip.DialogIDFromRequestUAC(req)
	if err1 != nil && err2 != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.calls[uas]; c != nil {
		return c
	}
	return s.calls[uac]
}

// goCall runs fn on a goroutine that Close waits for; it returns false
// (and does not run fn) once the Server is closed.
func (s *Server) goCall(fn func()) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}
