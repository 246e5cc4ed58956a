package ws

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// testSid is the streamSid the fake Twilio uses.
const testSid = "MZ00000000000000000000000000000001"

// fakeClock is a clock that moves only when told to.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// testServer is a Twilio transport behind an httptest server on
// 127.0.0.1.
type testServer struct {
	tw      *Twilio
	srv     *httptest.Server
	url     string // ws://127.0.0.1:port/media/twilio
	handler *bridgetest.Handler
}

// newTestServer starts a transport with cfg and a bridgetest.Handler; the
// test's cleanup closes both.
func newTestServer(t testing.TB, cfg Config, opts ...Option) *testServer {
	t.Helper()
	h := bridgetest.NewHandler(16)
	tw, err := New(cfg, h, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(tw.Config().Path, tw)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = tw.Close()
		srv.Close()
	})
	return &testServer{tw: tw, srv: srv, handler: h, url: "ws" + strings.TrimPrefix(srv.URL, "http") + tw.Config().Path}
}

// inMsg is a message the fake Twilio received from the server.
type inMsg struct {
	Event     string `json:"event"`
	StreamSid string `json:"streamSid"`
	Media     struct {
		Payload string `json:"payload"`
	} `json:"media"`
	Mark struct {
		Name string `json:"name"`
	} `json:"mark"`
}

// pcm decodes a media message's payload to 8 kHz PCM.
func (m inMsg) pcm(t testing.TB) []int16 {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(m.Media.Payload)
	if err != nil {
		t.Fatalf("media payload: %v", err)
	}
	return audio.DecodeULaw(nil, b)
}

// fakeTwilio is a WebSocket client that plays Twilio's side of a stream.
type fakeTwilio struct {
	t    testing.TB
	conn *websocket.Conn
	in   chan inMsg
	wmu  sync.Mutex
	done chan struct{}
	err  error // the read error that ended the stream (a *websocket.CloseError for a close)
	seq  int
}

// dial connects to url with the given request headers.
func dial(t testing.TB, url string, header http.Header) (*fakeTwilio, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(url, header)
	if err != nil {
		return nil, resp, err
	}
	f := &fakeTwilio{t: t, conn: conn, in: make(chan inMsg, 1<<14), done: make(chan struct{})}
	go f.read()
	t.Cleanup(f.close)
	return f, resp, nil
}

// mustDial connects or fails the test.
func mustDial(t testing.TB, url string) *fakeTwilio {
	t.Helper()
	f, _, err := dial(t, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return f
}

func (f *fakeTwilio) read() {
	defer close(f.done)
	defer close(f.in)
	for {
		_, data, err := f.conn.ReadMessage()
		if err != nil {
			f.err = err
			_ = f.conn.Close() // as Twilio does once the stream is over
			return
		}
		var m inMsg
		if err := json.Unmarshal(data, &m); err != nil {
			f.err = fmt.Errorf("server sent invalid JSON %q: %w", data, err)
			return
		}
		select {
		case f.in <- m:
		default:
			f.err = errors.New("test client: receive buffer full")
			return
		}
	}
}

func (f *fakeTwilio) close() {
	_ = f.conn.Close()
	<-f.done
}

// send writes one message (a string is sent as is, anything else as JSON).
func (f *fakeTwilio) send(v any) {
	f.t.Helper()
	var data []byte
	switch x := v.(type) {
	case string:
		data = []byte(x)
	case []byte:
		data = x
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			f.t.Fatalf("marshal: %v", err)
		}
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	if err := f.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		f.t.Fatalf("send: %v", err)
	}
}

func (f *fakeTwilio) next() string {
	f.seq++
	return fmt.Sprint(f.seq)
}

// start sends connected and start with the given custom parameters.
func (f *fakeTwilio) start(params map[string]string) {
	f.t.Helper()
	f.send(map[string]any{"event": "connected", "protocol": "Call", "version": "1.0.0"})
	f.send(startMsg(f.next(), params, "audio/x-mulaw", 8000))
}

func startMsg(seq string, params map[string]string, enc string, rate int) map[string]any {
	if params == nil {
		params = map[string]string{}
	}
	return map[string]any{
		"event": "start", "sequenceNumber": seq, "streamSid": testSid,
		"start": map[string]any{
			"streamSid": testSid, "accountSid": "AC0001", "callSid": "CA0001",
			"tracks": []string{"inbound"}, "customParameters": params,
			"mediaFormat": map[string]any{"encoding": enc, "sampleRate": rate, "channels": 1},
		},
	}
}

// media sends one media message with timestamp ts (ms) and PCM encoded
// as mu-law.
func (f *fakeTwilio) media(ts int, chunk int, pcm []int16) {
	f.t.Helper()
	f.send(map[string]any{
		"event": "media", "sequenceNumber": f.next(), "streamSid": testSid,
		"media": map[string]any{
			"track": "inbound", "chunk": fmt.Sprint(chunk), "timestamp": fmt.Sprint(ts),
			"payload": base64.StdEncoding.EncodeToString(audio.EncodeULaw(nil, pcm)),
		},
	})
}

// stream sends pcm as 20 ms media messages starting at timestamp ts0.
func (f *fakeTwilio) stream(ts0 int, pcm []int16) {
	f.t.Helper()
	for i := 0; i+160 <= len(pcm); i += 160 {
		f.media(ts0+i/8, i/160+1, pcm[i:i+160])
	}
}

func (f *fakeTwilio) dtmf(digit string) {
	f.t.Helper()
	f.send(map[string]any{"event": "dtmf", "streamSid": testSid, "sequenceNumber": f.next(),
		"dtmf": map[string]any{"track": "inbound_track", "digit": digit}})
}

func (f *fakeTwilio) markEcho(name string) {
	f.t.Helper()
	f.send(map[string]any{"event": "mark", "streamSid": testSid, "sequenceNumber": f.next(),
		"mark": map[string]any{"name": name}})
}

func (f *fakeTwilio) stop() {
	f.t.Helper()
	f.send(map[string]any{"event": "stop", "streamSid": testSid, "sequenceNumber": f.next(),
		"stop": map[string]any{"accountSid": "AC0001", "callSid": "CA0001"}})
}

// recv returns the next message from the server, failing the test if none
// comes within the wait or the stream ends.
func (f *fakeTwilio) recv() inMsg {
	f.t.Helper()
	timer := time.NewTimer(pipelinetest.DefaultWait)
	defer timer.Stop()
	select {
	case m, ok := <-f.in:
		if !ok {
			f.t.Fatalf("stream ended before the next message: %v", f.err)
		}
		return m
	case <-timer.C:
		f.t.Fatalf("no message from the server within %v", pipelinetest.DefaultWait)
	}
	return inMsg{}
}

// closed waits for the server to end the stream and returns the close
// frame it sent (code -1 when the connection ended without one).
func (f *fakeTwilio) closed() (code int, reason string) {
	f.t.Helper()
	timer := time.NewTimer(pipelinetest.DefaultWait)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-f.in:
			if ok {
				continue
			}
			var ce *websocket.CloseError
			if errors.As(f.err, &ce) {
				return ce.Code, ce.Text
			}
			return -1, fmt.Sprint(f.err)
		case <-timer.C:
			f.t.Fatalf("the server did not close the stream within %v", pipelinetest.DefaultWait)
		}
	}
}

// accepted waits for the handler to accept a call.
func (s *testServer) accepted(t testing.TB) bridgetest.Accepted {
	t.Helper()
	timer := time.NewTimer(pipelinetest.DefaultWait)
	defer timer.Stop()
	select {
	case a := <-s.handler.Calls():
		return a
	case <-timer.C:
		t.Fatalf("no call accepted within %v", pipelinetest.DefaultWait)
	}
	return bridgetest.Accepted{}
}

// waitDone waits for a call to end and returns its error.
func waitDone(t testing.TB, c bridge.Call) error {
	t.Helper()
	timer := time.NewTimer(pipelinetest.DefaultWait)
	defer timer.Stop()
	select {
	case <-c.Done():
		return c.Err()
	case <-timer.C:
		t.Fatalf("call did not end within %v", pipelinetest.DefaultWait)
	}
	return nil
}

// tone returns n samples of a sine at hz, sampled at rate, amplitude amp.
func tone(hz float64, rate, n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return out
}

// power returns the Goertzel power of x at hz (rate rate), normalised by
// the length so that a full-scale sine gives amp^2/4.
func power(x []int16, hz float64, rate int) float64 {
	w := 2 * math.Pi * hz / float64(rate)
	coef := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + coef*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - coef*s1*s2
	n := float64(len(x))
	return p / (n * n)
}

// rms returns the root mean square of x.
func rms(x []int16) float64 {
	var sum float64
	for _, v := range x {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(max(len(x), 1)))
}

// codeOf returns the close code of a *websocket.CloseError, or -1.
func codeOf(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}
