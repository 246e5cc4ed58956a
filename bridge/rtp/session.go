package rtp

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Session lifecycle states (guarded by negMu).
const (
	stateIdle       = iota // no media negotiated yet
	stateNegotiated        // an offer/answer completed
	stateStarted           // Start connected an endpoint
	stateClosed
)

// stream is the negotiated media plus the codec chains that carry it. A
// new stream is published on every negotiation; the chains are kept when
// the codec did not change.
type stream struct {
	*negotiated
	rx *rxChain
	tx *txChain
}

// Session is the media of one call. Create it with NewSession, negotiate
// with Answer (or Offer then SetAnswer), then Start it with the call's
// Endpoint. It is safe for concurrent use.
//
// A started session runs two reader goroutines (RTP and RTCP) and one
// send function on the pacer; see the package documentation.
type Session struct {
	cfg   resolved
	opt   options
	log   *slog.Logger
	ports *Ports
	port  int
	conn  *net.UDPConn // RTP
	rconn *net.UDPConn // RTCP
	ssrc  uint32
	cname string
	dual  bool // the sockets are dual-stack

	negMu    sync.Mutex // negotiation and lifecycle; never held across I/O
	neg      negotiator
	state    int
	offering bool // an Offer awaits SetAnswer
	ep       bridge.Endpoint
	psess    *audio.PacerSession
	pacer    *audio.Pacer
	ownPacer bool

	media    atomic.Pointer[stream]
	dest     atomic.Pointer[netip.AddrPort] // where RTP goes
	destRTCP atomic.Pointer[netip.AddrPort] // where RTCP goes
	relatch  atomic.Uint64                  // bumped when the SDP address changes

	lastHeard atomic.Int64 // s.opt.now() of the last packet from the far end, Unix ns

	rx      receiver
	tx      sender
	dtmfIn  dtmfReceiver
	dtmfOut dtmfQueue
	rtcp    rtcpState
	cnt     counters

	done      chan struct{}
	endOnce   sync.Once
	errMu     sync.Mutex
	err       error
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// NewSession binds a port pair from ports for one call. Close releases it.
// It fails with an ErrNoPorts error when the range is exhausted (SIP 503)
// and an ErrInvalidConfig error for a bad cfg or option.
func NewSession(cfg Config, ports *Ports, opts ...Option) (*Session, error) {
	if ports == nil {
		return nil, fmt.Errorf("%w: NewSession needs a *Ports (NewPorts(cfg.PortMin, cfg.PortMax))", ErrInvalidConfig)
	}
	res, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	conn, rconn, port, err := ports.open(res.bind)
	if err != nil {
		return nil, err
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never fails on Linux
	s := &Session{
		cfg: res, opt: o, ports: ports, port: port, conn: conn, rconn: rconn,
		ssrc:  binary.BigEndian.Uint32(rnd[0:4]),
		cname: hex.EncodeToString(rnd[12:16]) + "@parley",
		dual:  res.bind.IsUnspecified(),
		done:  make(chan struct{}),
	}
	s.log = o.log.With("call_id", o.callID, "rtp_port", port)
	s.neg = negotiator{
		codecs: res.codecs, public: res.public, port: port,
		sessID:    uint64(binary.BigEndian.Uint32(rnd[4:8]) >> 1),
		reachable: s.reachable,
	}
	s.tx.init(binary.BigEndian.Uint16(rnd[8:10]), binary.BigEndian.Uint32(rnd[8:12])^binary.BigEndian.Uint32(rnd[12:16]))
	s.rtcp.init(s.now(), o.rtcpInterval)
	return s, nil
}

// now reads the session's clock.
func (s *Session) now() time.Time { return s.opt.now() }

// reachable reports whether the sockets can send to a.
func (s *Session) reachable(a netip.Addr) bool {
	if s.dual {
		return true
	}
	return a.Is4() == s.cfg.bind.Is4()
}

// LocalPort returns the session's RTP port (RTCP is on the next one).
func (s *Session) LocalPort() int { return s.port }

// Answer takes the far end's SDP offer and returns the SDP answer. It
// returns an ErrNoCodec error when no offered codec is acceptable (SIP
// 488) and an ErrBadSDP error for SDP it cannot parse (SIP 400). Called
// again, it behaves as Update.
func (s *Session) Answer(offer []byte) ([]byte, error) {
	return s.answer(offer, "answer")
}

// Update applies a new offer during the call (a re-INVITE: hold with
// sendonly/inactive, resume, a new address or codec) and returns the
// answer. While the far end holds the call no audio is sent and the
// media timeout does not run. The codec in use is kept when the offer
// still has it.
func (s *Session) Update(offer []byte) ([]byte, error) {
	return s.answer(offer, "update")
}

// answer runs Answer and Update.
func (s *Session) answer(offer []byte, what string) ([]byte, error) {
	s.negMu.Lock()
	defer s.negMu.Unlock()
	if s.state == stateClosed {
		return nil, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	old := s.media.Load()
	var keep *codecSpec
	if old != nil {
		keep = &old.codec
	}
	m, body, err := s.neg.answer(offer, keep)
	if err != nil {
		return nil, err
	}
	if err := s.publish(m); err != nil {
		return nil, err
	}
	s.offering = false
	return body, nil
}

// Offer returns an SDP offer of the configured codecs (for outbound calls
// and for INVITEs without SDP). During a call the codec in use is offered
// first. SetAnswer completes the exchange.
func (s *Session) Offer() ([]byte, error) {
	s.negMu.Lock()
	defer s.negMu.Unlock()
	if s.state == stateClosed {
		return nil, fmt.Errorf("offer: %w", ErrClosed)
	}
	var keep *codecSpec
	if old := s.media.Load(); old != nil {
		keep = &old.codec
	}
	body, err := s.neg.offer(keep)
	if err != nil {
		return nil, err
	}
	s.offering = true
	return body, nil
}

// SetAnswer applies the far end's SDP answer to an Offer. It returns an
// ErrNoCodec error when the answer rejected the audio stream or chose no
// offered codec, and an ErrBadSDP error for SDP it cannot parse.
func (s *Session) SetAnswer(answer []byte) error {
	s.negMu.Lock()
	defer s.negMu.Unlock()
	switch {
	case s.state == stateClosed:
		return fmt.Errorf("set answer: %w", ErrClosed)
	case !s.offering:
		return fmt.Errorf("%w: SetAnswer without a pending Offer", ErrState)
	}
	m, err := s.neg.applyAnswer(answer)
	if err != nil {
		return err
	}
	s.offering = false
	return s.publish(m)
}

// publish makes m the session's media, building codec chains when the
// codec changed. Called under negMu.
func (s *Session) publish(m *negotiated) error {
	old := s.media.Load()
	st := &stream{negotiated: m}
	if old != nil && old.codec.name == m.codec.name {
		st.rx, st.tx = old.rx, old.tx
	} else {
		var err error
		if st.rx, err = newRxChain(m.codec, s.opt.now, s.opt.jitter); err != nil {
			return err
		}
		if st.tx, err = newTxChain(m.codec); err != nil {
			return err
		}
	}
	if old == nil || old.remote != m.remote {
		dest, rdest := m.remote, m.remoteRTCP
		s.dest.Store(&dest)
		s.destRTCP.Store(&rdest)
		s.relatch.Add(1)
	}
	if old != nil && !old.timed() && m.timed() {
		s.lastHeard.Store(s.now().UnixNano()) // the timeout restarts on resume
	}
	s.media.Store(st)
	if s.state == stateIdle {
		s.state = stateNegotiated
	}
	s.log.Debug("rtp: media negotiated", "codec", m.codec.String(), "remote", m.remote.String(),
		"local_direction", m.localDir.String(), "dtmf", m.dtmf, "ptime_ms", 20*m.frames)
	return nil
}

// Start connects the negotiated media to ep: received audio is decoded,
// de-jittered, resampled to 16 kHz and pushed to ep as 20 ms frames;
// RFC 4733 digits go to ep.PushDTMF; ep.NextFrame is sent every 20 ms.
// It returns an ErrState error before negotiation or when called twice.
func (s *Session) Start(ep bridge.Endpoint) error {
	if ep == nil {
		return fmt.Errorf("%w: Start(nil)", ErrState)
	}
	s.negMu.Lock()
	defer s.negMu.Unlock()
	switch s.state {
	case stateClosed:
		return fmt.Errorf("start: %w", ErrClosed)
	case stateIdle:
		return fmt.Errorf("%w: Start before Answer or SetAnswer", ErrState)
	case stateStarted:
		return fmt.Errorf("%w: Start called twice", ErrState)
	}
	p := s.opt.pacer
	if p == nil {
		var err error
		if p, err = audio.NewPacer(); err != nil {
			return fmt.Errorf("rtp: pacer: %w", err)
		}
		s.ownPacer = true
	}
	s.pacer = p
	s.ep = ep
	s.lastHeard.Store(s.now().UnixNano())
	s.state = stateStarted
	s.wg.Add(2)
	go s.readRTP()
	go s.readRTCP()
	ps, err := p.Register(s.tick)
	if err != nil {
		return fmt.Errorf("rtp: register with the pacer: %w", err)
	}
	s.psess = ps
	return nil
}

// Codec returns the negotiated codec as "name/rate" ("PCMU/8000"), or ""
// before negotiation.
func (s *Session) Codec() string {
	if m := s.media.Load(); m != nil {
		return m.codec.String()
	}
	return ""
}

// Remote returns the address RTP is sent to (host:port): the SDP address,
// or the address the far end's packets come from once latched (see
// Config.Symmetric). It is "" before negotiation.
func (s *Session) Remote() string {
	if d := s.dest.Load(); d != nil {
		return d.String()
	}
	return ""
}

// Done is closed when the media ended: Close, or the media timeout.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is nil after Close and bridge.ErrMediaTimeout (wrapped) after a
// timeout. It is nil while the media runs.
func (s *Session) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// end records why the media ended and closes Done, once.
func (s *Session) end(err error) {
	s.endOnce.Do(func() {
		s.errMu.Lock()
		s.err = err
		s.errMu.Unlock()
		close(s.done)
	})
}

// Close stops the media, sends an RTCP BYE, and releases the ports. It is
// idempotent and returns nil; it waits for the session's goroutines and
// for a send in progress on the pacer, so it must not be called from the
// Endpoint's methods, which those goroutines call.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.end(nil)
		s.negMu.Lock()
		started := s.state == stateStarted
		s.state = stateClosed
		ps := s.psess
		s.negMu.Unlock()
		if ps != nil {
			ps.Unregister()
			<-ps.Done()
		}
		if started {
			s.sendBye()
		}
		_ = s.conn.Close()
		_ = s.rconn.Close()
		s.wg.Wait()
		s.ports.release(s.port)
		if s.ownPacer {
			_ = s.pacer.Close()
		}
		s.log.Debug("rtp: session closed", "stats", s.Stats())
	})
	return nil
}

// timeout ends the media when the far end went silent. Called by the tick.
func (s *Session) timeout(st *stream, now time.Time) bool {
	if s.cfg.timeout <= 0 || !st.timed() {
		return false
	}
	silent := now.Sub(time.Unix(0, s.lastHeard.Load()))
	if silent <= s.cfg.timeout {
		return false
	}
	s.log.Warn("rtp: no media from the far end; ending the call", "silent", silent.Round(time.Millisecond), "remote", s.Remote())
	s.end(fmt.Errorf("%w: nothing received for %v on port %d", bridge.ErrMediaTimeout, silent.Round(time.Millisecond), s.port))
	return true
}

// isClosedErr reports whether a socket error means the socket was closed.
func isClosedErr(err error) bool { return errors.Is(err, net.ErrClosed) }
