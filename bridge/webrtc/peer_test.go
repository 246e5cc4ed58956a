package webrtc_test

import (
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/webrtc"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// testConfig is a configuration for tests: ephemeral ports on 127.0.0.1.
func testConfig() webrtc.Config {
	cfg := webrtc.DefaultConfig()
	cfg.UDPPortMin, cfg.UDPPortMax = 0, 0
	cfg.LocalIPs = []string{"127.0.0.1"}
	return cfg
}

// testServer runs a WHIP endpoint on an httptest server at 127.0.0.1.
type testServer struct {
	whip *webrtc.WHIP
	h    *bridgetest.Handler
	http *httptest.Server
}

// newTestServer starts a WHIP endpoint with a bridgetest.Handler; both
// are closed when the test ends.
func newTestServer(t testing.TB, cfg webrtc.Config, opts ...webrtc.Option) *testServer {
	t.Helper()
	h := bridgetest.NewHandler(16)
	w, err := webrtc.New(cfg, h, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/whip", w)
	mux.Handle("/whip/", w)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = w.Close()
		srv.Close()
	})
	return &testServer{whip: w, h: h, http: srv}
}

// nextCall waits for the handler to accept a call.
func (s *testServer) nextCall(t testing.TB) bridgetest.Accepted {
	t.Helper()
	select {
	case a := <-s.h.Calls():
		return a
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("no call was accepted")
		return bridgetest.Accepted{}
	}
}

// lossyConn is a UDP socket whose traffic can be cut, to make a peer
// vanish from the network without a goodbye.
type lossyConn struct {
	*net.UDPConn
	cut atomic.Bool
}

// ReadFrom drops what arrives once the link is cut.
func (c *lossyConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || !c.cut.Load() {
			return n, addr, err
		}
	}
}

// WriteTo sends nothing once the link is cut.
func (c *lossyConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.cut.Load() {
		return len(b), nil
	}
	return c.UDPConn.WriteTo(b, addr)
}

// testPeer plays the browser: a pion peer connection with an Opus
// microphone track, an optional "dtmf" data channel, and a recorder of
// the audio the server sends.
type testPeer struct {
	pc    *pion.PeerConnection
	track *pion.TrackLocalStaticSample
	dc    *pion.DataChannel
	conn  *lossyConn
	mux   *ice.UDPMuxDefault
	dcUp  chan struct{}

	mu      sync.Mutex
	heard   []int16 // decoded server audio, 16 kHz
	packets int

	sending sync.WaitGroup
	stop    chan struct{}
	reading sync.WaitGroup
	closed  sync.Once
}

// newTestPeer builds a peer on 127.0.0.1 whose microphone is a
// TrackLocalStaticSample (sendTone). It is closed at the end of the test.
func newTestPeer(t testing.TB, withDTMF bool) *testPeer {
	t.Helper()
	return buildPeer(t, peerOptions{dtmf: withDTMF})
}

// newRawPeer builds a peer whose microphone is a rawTrack, which writes
// RTP packets of any payload type (Opus and telephone-event).
func newRawPeer(t testing.TB) (*testPeer, *rawTrack) {
	t.Helper()
	raw := &rawTrack{bound: make(chan struct{})}
	return buildPeer(t, peerOptions{raw: raw}), raw
}

// peerOptions shape a test peer.
type peerOptions struct {
	dtmf      bool      // open a "dtmf" data channel
	raw       *rawTrack // the microphone track instead of a sample track
	countOnly bool      // count the server's packets without decoding them
}

// buildPeer builds a test peer.
func buildPeer(t testing.TB, o peerOptions) *testPeer {
	t.Helper()
	raw := o.raw
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPeer{conn: &lossyConn{UDPConn: udp}, stop: make(chan struct{}), dcUp: make(chan struct{})}
	p.mux = ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: p.conn})
	m := &pion.MediaEngine{}
	opus := pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: opus, PayloadType: 111}, pion.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	events := pion.RTPCodecCapability{MimeType: "audio/telephone-event", ClockRate: 48000, SDPFmtpLine: "0-15"}
	if err := m.RegisterCodec(pion.RTPCodecParameters{RTPCodecCapability: events, PayloadType: 110}, pion.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	var se pion.SettingEngine
	se.SetICEUDPMux(p.mux)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := pion.NewAPI(pion.WithMediaEngine(m), pion.WithSettingEngine(se))
	if p.pc, err = api.NewPeerConnection(pion.Configuration{}); err != nil {
		t.Fatal(err)
	}
	if p.track, err = pion.NewTrackLocalStaticSample(opus, "mic", "browser"); err != nil {
		t.Fatal(err)
	}
	var mic pion.TrackLocal = p.track
	if raw != nil {
		mic = raw
	}
	if _, err := p.pc.AddTransceiverFromTrack(mic, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendrecv}); err != nil {
		t.Fatal(err)
	}
	if o.dtmf {
		if p.dc, err = p.pc.CreateDataChannel("dtmf", nil); err != nil {
			t.Fatal(err)
		}
		p.dc.OnOpen(func() { close(p.dcUp) })
	}
	p.pc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		p.reading.Add(1)
		defer p.reading.Done()
		if o.countOnly {
			p.count(tr)
			return
		}
		p.record(tr)
	})
	t.Cleanup(p.close)
	return p
}

// record decodes the server's audio until the track ends.
func (p *testPeer) record(tr *pion.TrackRemote) {
	dec, err := audio.NewOpusDecoder(audio.PipelineRate)
	if err != nil {
		return
	}
	var pcm []int16
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		pcm, err = dec.Decode(pcm[:0], pkt.Payload)
		if err != nil {
			continue
		}
		p.mu.Lock()
		p.packets++
		if len(p.heard) < 30*audio.PipelineRate {
			p.heard = append(p.heard, pcm...)
		}
		p.mu.Unlock()
	}
}

// count counts the server's packets until the track ends.
func (p *testPeer) count(tr *pion.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := tr.Read(buf); err != nil {
			return
		}
		p.mu.Lock()
		p.packets++
		p.mu.Unlock()
	}
}

// received returns how many packets the peer received from the server.
func (p *testPeer) received() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.packets
}

// offer returns the peer's complete offer (gathering done).
func (p *testPeer) offer(t testing.TB) string {
	t.Helper()
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return p.pc.LocalDescription().SDP
}

// dial posts the offer to url and applies the answer; it returns the
// session URL from Location.
func (p *testPeer) dial(t testing.TB, url string, header http.Header) string {
	t.Helper()
	resp := post(t, url, p.offer(t), header)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: status %d: %s", resp.StatusCode, body)
	}
	if err := p.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: body}); err != nil {
		t.Fatalf("answer: %v", err)
	}
	return resp.Header.Get("Location")
}

// sendTone sends a sine at hz and amplitude amp (0-32767) as 48 kHz
// Opus, 20 ms per packet on a real-time ticker, until the peer is
// closed. The microphone is a live source: its packets are paced, not
// waited for.
func (p *testPeer) sendTone(t testing.TB, hz, amp float64) {
	t.Helper()
	enc, err := audio.NewOpusEncoder(audio.Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	p.sending.Add(1)
	go func() {
		defer p.sending.Done()
		tick := time.NewTicker(audio.FrameDuration)
		defer tick.Stop()
		pcm := make([]int16, audio.SamplesFor(audio.Rate48k, audio.FrameDuration))
		var pkt []byte
		n := 0
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			for i := range pcm {
				pcm[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(n)/audio.Rate48k))
				n++
			}
			if pkt, err = enc.Encode(pkt[:0], pcm); err != nil {
				return
			}
			_ = p.track.WriteSample(media.Sample{Data: pkt, Duration: audio.FrameDuration})
		}
	}()
}

// heardAudio returns a copy of the decoded server audio.
func (p *testPeer) heardAudio() []int16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int16(nil), p.heard...)
}

// close stops sending and closes the peer connection.
func (p *testPeer) close() {
	p.closed.Do(func() {
		close(p.stop)
		p.sending.Wait()
		_ = p.pc.Close()
		p.reading.Wait()
		_ = p.mux.Close()
		_ = p.conn.Close()
	})
}

// rawTrack is a microphone track that writes whole RTP packets with the
// payload type of the caller's choice, as a browser does for RFC 4733
// events between its Opus packets.
type rawTrack struct {
	bound  chan struct{}
	once   sync.Once
	mu     sync.Mutex
	stream pion.TrackLocalWriter
	ssrc   uint32
	pts    map[string]uint8 // negotiated payload types by MIME type
}

// Bind implements pion.TrackLocal: it keeps the stream and the negotiated
// payload types.
func (r *rawTrack) Bind(ctx pion.TrackLocalContext) (pion.RTPCodecParameters, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stream, r.ssrc, r.pts = ctx.WriteStream(), uint32(ctx.SSRC()), map[string]uint8{}
	var opus pion.RTPCodecParameters
	for _, c := range ctx.CodecParameters() {
		r.pts[strings.ToLower(c.MimeType)] = uint8(c.PayloadType)
		if strings.EqualFold(c.MimeType, pion.MimeTypeOpus) {
			opus = c
		}
	}
	r.once.Do(func() { close(r.bound) })
	return opus, nil
}

// Unbind implements pion.TrackLocal.
func (r *rawTrack) Unbind(pion.TrackLocalContext) error { return nil }

// ID implements pion.TrackLocal.
func (r *rawTrack) ID() string { return "raw-mic" }

// RID implements pion.TrackLocal.
func (r *rawTrack) RID() string { return "" }

// StreamID implements pion.TrackLocal.
func (r *rawTrack) StreamID() string { return "browser" }

// Kind implements pion.TrackLocal.
func (r *rawTrack) Kind() pion.RTPCodecType { return pion.RTPCodecTypeAudio }

// write sends one RTP packet of the given MIME type's payload type.
func (r *rawTrack) write(mime string, seq uint16, ts uint32, marker bool, payload []byte) error {
	r.mu.Lock()
	stream, ssrc, pt := r.stream, r.ssrc, r.pts[mime]
	r.mu.Unlock()
	_, err := stream.WriteRTP(&rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc, Marker: marker}, payload)
	return err
}

// post sends an SDP body to url.
func post(t testing.TB, url, body string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/sdp")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// do sends a request without a body.
func do(t testing.TB, method, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// readBody reads and closes a response body.
func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// toneRatio is the share of the energy of x (at rate Hz) that lies at hz:
// about 1 for a pure tone at hz, about 0 for other signals.
func toneRatio(x []int16, rate int, hz float64) float64 {
	if len(x) == 0 {
		return 0
	}
	w := 2 * math.Pi * hz / float64(rate)
	var re, im, energy float64
	for i, s := range x {
		v := float64(s)
		re += v * math.Cos(w*float64(i))
		im -= v * math.Sin(w*float64(i))
		energy += v * v
	}
	if energy == 0 {
		return 0
	}
	return 2 * (re*re + im*im) / (float64(len(x)) * energy)
}

// rms is the root mean square of x.
func rms(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var sum float64
	for _, s := range x {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(x)))
}

// loudest returns the n samples of x with the most energy, in steps of
// 20 ms at rate Hz.
func loudest(x []int16, rate, n int) []int16 {
	if len(x) <= n {
		return x
	}
	step := audio.SamplesFor(rate, audio.FrameDuration)
	best, bestE := 0, -1.0
	for i := 0; i+n <= len(x); i += step {
		if e := rms(x[i : i+n]); e > bestE {
			best, bestE = i, e
		}
	}
	return x[best : best+n]
}

// tone returns d of a sine at hz and amplitude amp, at rate Hz.
func tone(rate int, hz, amp float64, d time.Duration) []int16 {
	x := make([]int16, audio.SamplesFor(rate, d))
	for i := range x {
		x[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return x
}

// waitDone waits for a call to end.
func waitDone(t testing.TB, c bridge.Call, within time.Duration) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(within):
		t.Fatalf("call %s did not end within %v", c.Info().ID, within)
	}
}
