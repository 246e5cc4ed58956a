package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"go.uber.org/goleak"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) {
	// sipgo logs some connection bookkeeping on its package logger.
	sip.SetDefaultLogger(testLogger())
	goleak.VerifyTestMain(m)
}

// testLogger logs to stderr when PARLEY_SIP_DEBUG is set, else nowhere.
func testLogger() *slog.Logger {
	if os.Getenv("PARLEY_SIP_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// testConfig is a Config on loopback ports picked by the system.
func testConfig() Config {
	c := DefaultConfig()
	c.UDP, c.TCP = "127.0.0.1:0", "127.0.0.1:0"
	return c
}

// testMedia is the rtp configuration of tests: loopback, a wide range.
func testMedia() rtp.Config {
	return rtp.Config{Bind: "127.0.0.1", PortMin: 30000, PortMax: 40000}
}

// harness is a running Server with a test handler.
type harness struct {
	// after runs once the server stopped (phones close there, so that
	// the server's BYEs on Close still reach them).
	after []func()
	srv   *Server
	h     *bridgetest.Handler
	media *fakeMedias // nil when the real rtp package is used
	clock *countingClock
}

// countingClock is a fake clock that counts the tickers made, so a test
// can wait until a goroutine armed a new timer.
type countingClock struct {
	*pipelinetest.Clock
	made atomic.Int64
}

// NewTicker implements pipeline.Clock.
func (c *countingClock) NewTicker(d time.Duration) pipeline.Ticker {
	c.made.Add(1)
	return c.Clock.NewTicker(d)
}

// harnessOpts tunes startServer.
type harnessOpts struct {
	cfg      func(*Config)
	realRTP  bool
	fakeTime bool
	handler  bridge.Handler
	opts     []Option
}

// startServer starts a Server on loopback and stops it at the end of the
// test.
func startServer(t testing.TB, ho harnessOpts) *harness {
	t.Helper()
	cfg := testConfig()
	if ho.cfg != nil {
		ho.cfg(&cfg)
	}
	hs := &harness{h: bridgetest.NewHandler(16)}
	var h bridge.Handler = hs.h
	if ho.handler != nil {
		h = ho.handler
	}
	opts := append([]Option{WithLogger(testLogger())}, ho.opts...)
	if ho.fakeTime {
		hs.clock = &countingClock{Clock: pipelinetest.NewClock(time.Time{})}
		opts = append(opts, WithClock(hs.clock))
	}
	if !ho.realRTP {
		hs.media = &fakeMedias{}
		opts = append(opts, withMedia(hs.media.new))
	}
	srv, err := NewServer(cfg, testMedia(), h, opts...)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	hs.srv = srv
	served := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { served <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		for _, f := range hs.after {
			f()
		}
	})
	return hs
}

// withMedia replaces the media factory (tests only).
func withMedia(f func(s *Server, c *call) (media, error)) Option {
	return func(o *options) error {
		o.newMedia = f
		return nil
	}
}

// uri is the Request-URI of the harness's server over network.
func (hs *harness) uri(user, network string) sip.Uri {
	a := hs.srv.Addr(network).String()
	host, port, _ := net.SplitHostPort(a)
	var p int
	fmt.Sscan(port, &p)
	u := sip.Uri{Scheme: "sip", User: user, Host: host, Port: p}
	if network != "udp" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", network)
	}
	return u
}

// nextCall waits for the handler to accept a call.
func (hs *harness) nextCall(t *testing.T) bridgetest.Accepted {
	t.Helper()
	select {
	case a := <-hs.h.Calls():
		return a
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("no call accepted")
	}
	return bridgetest.Accepted{}
}

// waitDone waits for a call to end.
func waitDone(t *testing.T, c bridge.Call) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("call did not end")
	}
}

// fakeMedias builds fakeMedia sessions and keeps them.
type fakeMedias struct {
	mu  sync.Mutex
	all []*fakeMedia
	// noPorts makes the next sessions fail as rtp.NewSession does when
	// the port range is used up.
	noPorts bool
}

// new is the media factory.
func (f *fakeMedias) new(*Server, *call) (media, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noPorts {
		return nil, fmt.Errorf("%w: test", rtp.ErrNoPorts)
	}
	m := &fakeMedia{done: make(chan struct{})}
	f.all = append(f.all, m)
	return m, nil
}

// setNoPorts makes later sessions fail (or not) as with a full port range.
func (f *fakeMedias) setNoPorts(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noPorts = v
}

// last returns the newest session.
func (f *fakeMedias) last(t *testing.T) *fakeMedia {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.all) == 0 {
		t.Fatal("no media session was made")
	}
	return f.all[len(f.all)-1]
}

// fakeMedia is a media whose SDP is a marker: an offer is acceptable when
// it holds "PCMU", malformed when it does not start with "v=0".
type fakeMedia struct {
	mu       sync.Mutex
	started  bool
	ep       bridge.Endpoint
	updates  [][]byte
	answers  [][]byte
	dtmf     string
	closed   bool
	offered  int
	err      error
	done     chan struct{}
	doneOnce sync.Once
}

const (
	// fakeOffer is an SDP offer the fake media accepts.
	fakeOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	// fakeAnswer is what the fake media answers.
	fakeAnswer = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)

func (m *fakeMedia) check(offer []byte) error {
	if !bytes.HasPrefix(offer, []byte("v=0")) {
		return fmt.Errorf("%w: test offer", rtp.ErrBadSDP)
	}
	if !bytes.Contains(offer, []byte("PCMU")) {
		return fmt.Errorf("%w: test offer", rtp.ErrNoCodec)
	}
	return nil
}

func (m *fakeMedia) Answer(offer []byte) ([]byte, error) {
	if err := m.check(offer); err != nil {
		return nil, err
	}
	return []byte(fakeAnswer), nil
}

func (m *fakeMedia) Offer() ([]byte, error) {
	m.mu.Lock()
	m.offered++
	m.mu.Unlock()
	return []byte(fakeOffer), nil
}

func (m *fakeMedia) SetAnswer(answer []byte) error {
	if err := m.check(answer); err != nil {
		return err
	}
	m.mu.Lock()
	m.answers = append(m.answers, answer)
	m.mu.Unlock()
	return nil
}

func (m *fakeMedia) Update(offer []byte) ([]byte, error) {
	if err := m.check(offer); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.updates = append(m.updates, offer)
	m.mu.Unlock()
	return []byte(strings.Replace(fakeAnswer, "o=- 2 2", "o=- 2 3", 1)), nil
}

func (m *fakeMedia) Start(ep bridge.Endpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return errors.New("started twice")
	}
	m.started, m.ep = true, ep
	return nil
}

func (m *fakeMedia) SendDTMF(digits string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dtmf += digits
	return nil
}

func (m *fakeMedia) Codec() string    { return "PCMU/8000" }
func (m *fakeMedia) Remote() string   { return "127.0.0.1:4000" }
func (m *fakeMedia) Stats() rtp.Stats { return rtp.Stats{} }

func (m *fakeMedia) Done() <-chan struct{} { return m.done }

func (m *fakeMedia) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

func (m *fakeMedia) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.doneOnce.Do(func() { close(m.done) })
	return nil
}

// timeout ends the media as a media timeout does.
func (m *fakeMedia) timeout() {
	m.mu.Lock()
	m.err = bridge.ErrMediaTimeout
	m.mu.Unlock()
	m.doneOnce.Do(func() { close(m.done) })
}

func (m *fakeMedia) isStarted() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.started
}

func (m *fakeMedia) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// phone is a SIP user agent playing the far end in tests: the caller of
// inbound calls, the callee of outbound ones. Requests the server sends it
// are answered with the status set in respond (200 by default) and
// queued on reqs.
type phone struct {
	t       testing.TB
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	cli     *sipgo.Client
	pc      net.PacketConn
	port    int
	dua     *sipgo.DialogUA
	reqs    chan *sip.Request
	rang    chan struct{} // a 180 sent by callee
	mu      sync.Mutex
	respond map[sip.RequestMethod]int
	onReq   func(req *sip.Request, tx sip.ServerTransaction) bool
}

// newPhone starts a phone on a loopback UDP port; it stops after hs's
// server (or at the end of the test when hs is nil).
func newPhone(t testing.TB, hs *harness) *phone {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-phone"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger()),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger()))
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(port),
		sipgo.WithClientConnectionAddr(pc.LocalAddr().String()), sipgo.WithClientLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, ua: ua, srv: srv, cli: cli, pc: pc, port: port, reqs: make(chan *sip.Request, 64), rang: make(chan struct{}, 4), respond: map[sip.RequestMethod]int{}}
	p.dua = &sipgo.DialogUA{Client: cli, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "caller", Host: "127.0.0.1", Port: port}}}
	for _, m := range []sip.RequestMethod{sip.BYE, sip.REFER, sip.NOTIFY, sip.UPDATE, sip.INFO, sip.OPTIONS, sip.INVITE, sip.ACK} {
		srv.OnRequest(m, p.handle)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.ServeUDP(pc)
	}()
	stop := func() {
		_ = pc.Close()
		<-served
		_ = ua.Close()
	}
	if hs != nil {
		hs.after = append(hs.after, stop)
	} else {
		t.Cleanup(stop)
	}
	// The client sends from the listener, which sipgo knows once serving.
	pipelinetest.Eventually(t, func() bool {
		c, err := ua.TransportLayer().GetConnection("udp", pc.LocalAddr().String())
		return err == nil && c != nil
	}, "phone listening")
	return p
}

// handle answers a request from the server and queues it.
func (p *phone) handle(req *sip.Request, tx sip.ServerTransaction) {
	p.mu.Lock()
	on := p.onReq
	code, ok := p.respond[req.Method]
	p.mu.Unlock()
	if on != nil && on(req, tx) {
		p.reqs <- req
		return
	}
	if !req.IsAck() {
		if !ok {
			code = 200
		}
		_ = tx.Respond(sip.NewResponseFromRequest(req, code, reasonPhrase(code), nil))
	}
	select {
	case p.reqs <- req:
	default:
	}
}

// setResponse makes the phone answer method with code.
func (p *phone) setResponse(m sip.RequestMethod, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.respond[m] = code
}

// next waits for a request of method from the server.
func (p *phone) next(m sip.RequestMethod) *sip.Request {
	p.t.Helper()
	deadline := time.After(pipelinetest.DefaultWait)
	for {
		select {
		case r := <-p.reqs:
			if r.Method == m {
				return r
			}
		case <-deadline:
			p.t.Fatalf("no %s from the server", m)
			return nil
		}
	}
}

// sdpHeaders is the Content-Type of an SDP body.
func sdpHeaders(extra ...sip.Header) []sip.Header {
	return append([]sip.Header{sip.NewHeader("Content-Type", "application/sdp")}, extra...)
}

// call sends an INVITE and waits for the final answer; a 2xx is
// acknowledged. It returns the session and the final response.
func (p *phone) call(ctx context.Context, to sip.Uri, body []byte, opts sipgo.AnswerOptions, hdrs ...sip.Header) (*sipgo.DialogClientSession, *sip.Response, error) {
	sess, err := p.dua.Invite(ctx, to, body, hdrs...)
	if err != nil {
		return nil, nil, err
	}
	err = sess.WaitAnswer(ctx, opts)
	var de *sipgo.ErrDialogResponse
	if errors.As(err, &de) {
		return sess, de.Res, nil
	}
	if err != nil {
		return sess, sess.InviteResponse, err
	}
	if err := sess.Ack(ctx); err != nil {
		return sess, sess.InviteResponse, err
	}
	return sess, sess.InviteResponse, nil
}

// raw sends a datagram to addr and returns the response it gets within
// wait (nil when none comes).
func raw(t *testing.T, addr net.Addr, msg string, wait time.Duration) *sip.Response {
	t.Helper()
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg = strings.ReplaceAll(msg, "LOCAL", c.LocalAddr().String())
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	deadline := time.Now().Add(wait)
	for {
		_ = c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		if err != nil {
			return nil
		}
		m, err := sip.ParseMessage(buf[:n])
		if err != nil {
			t.Fatalf("the server sent an unparsable message: %v\n%s", err, buf[:n])
		}
		if res, ok := m.(*sip.Response); ok && res.StatusCode >= 200 {
			return res
		}
	}
}
