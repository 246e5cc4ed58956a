package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/server/records"
	"github.com/parley-voice/parley/stt/stttest"
)

// running starts s.Run and returns a function that stops it and returns
// Run's error.
func running(t *testing.T, s *Server) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	pipelinetest.Eventually(t, func() bool {
		resp, err := http.Get("http://" + s.Addr() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	}, "the server does not answer")
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-errc:
			case <-time.After(60 * time.Second):
				runErr = errors.New("Run did not return")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return stop
}

func get(t *testing.T, url string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// sseClient reads an event stream in the background.
type sseClient struct {
	resp  *http.Response
	mu    sync.Mutex
	names []string
	datas []string
	done  chan struct{}
}

func openSSE(t *testing.T, url string) *sseClient {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, ct)
	}
	c := &sseClient{resp: resp, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(resp.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				c.mu.Lock()
				c.names = append(c.names, name)
				c.datas = append(c.datas, strings.TrimPrefix(line, "data: "))
				c.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { resp.Body.Close(); <-c.done })
	return c
}

func (c *sseClient) has(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.names {
		if n == name {
			return true
		}
	}
	return false
}

func TestHTTPAPI(t *testing.T) {
	cfg := testConfig(t)
	r := newRig(t, cfg, []stttest.Result{{Text: "where is my order"}})
	stop := running(t, r.srv)
	base := "http://" + r.srv.Addr()
	sse := openSSE(t, base+"/api/events")
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+r.srv.Addr()+"/api/events?call_id=20260302T150000-00000001", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var wsTypes []string
	wsDone := make(chan struct{})
	go func() {
		defer close(wsDone)
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(msg, &m) == nil {
				wsTypes = append(wsTypes, m["type"].(string))
			}
		}
	}()
	pipelinetest.Eventually(t, func() bool { return r.srv.hub.clientCount() == 2 }, "event clients not connected")

	r.answer("20260302T150000-00000001")
	if code, _, body := get(t, base+"/api/calls/"+r.call.info.ID); code != 200 || !strings.Contains(string(body), `"status":"live"`) {
		t.Errorf("live call: %d %s", code, body)
	}
	r.botDone(1)
	r.ph.speak(600 * time.Millisecond)
	r.botDone(2)
	r.call.end(nil)
	rec := r.stored()

	code, _, body := get(t, base+"/api/calls")
	var page records.Page
	if code != 200 || json.Unmarshal(body, &page) != nil || len(page.Calls) != 1 || page.Calls[0].ID != rec.ID {
		t.Fatalf("GET /api/calls: %d %s", code, body)
	}
	code, _, body = get(t, base+"/api/calls/"+rec.ID)
	var got map[string]any
	if code != 200 || json.Unmarshal(body, &got) != nil || got["end_reason"] != EndCallerHangup || got["qa"] == nil {
		t.Fatalf("GET /api/calls/ID: %d %s", code, body)
	}
	if len(got["turns"].([]any)) != 3 {
		t.Errorf("record turns %v", got["turns"])
	}
	code, hdr, wav := get(t, base+rec.Recording)
	if code != 200 || hdr.Get("Content-Type") != "audio/wav" || string(wav[:4]) != "RIFF" {
		t.Fatalf("recording: %d %s", code, hdr)
	}
	code, hdr, part := get(t, base+rec.Recording, "Range", "bytes=0-43")
	if code != http.StatusPartialContent || len(part) != 44 || !strings.HasPrefix(hdr.Get("Content-Range"), "bytes 0-43/") {
		t.Errorf("range request: %d %d bytes %s", code, len(part), hdr.Get("Content-Range"))
	}
	code, _, body = get(t, base+"/metrics")
	for _, want := range []string{"parley_voice_to_voice_seconds_count 1", `parley_calls_total{channel="sip",outcome="caller_hangup"} 1`,
		"parley_agent_first_sentence_seconds_count 2", "parley_active_calls 0", "go_goroutines", "parley_stt_final_seconds_count 1"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	pipelinetest.Eventually(t, func() bool { return sse.has(EventCallEnded) && sse.has(EventTranscript) },
		"the event stream did not carry the call's transcript and end")

	errorCases := []struct {
		name, path string
		status     int
	}{
		{"unknown call", "/api/calls/20990101T000000-deadbeef", 404},
		{"unsafe id", "/api/calls/..%2f..%2fetc", 404},
		{"no recording", "/api/calls/20990101T000000-deadbeef/recording.wav", 404},
		{"bad limit", "/api/calls?limit=x", 400},
		{"limit too large", "/api/calls?limit=100000", 400},
		{"bad cursor", "/api/calls?cursor=!!", 400},
		{"bad since", "/api/calls?since=yesterday", 400},
		{"unknown endpoint", "/api/nope", 404},
		{"bad events filter", "/api/events?call_id=a/b", 400},
	}
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			code, hdr, body := get(t, base+c.path)
			var e map[string]string
			if code != c.status || hdr.Get("Content-Type") != "application/json" || json.Unmarshal(body, &e) != nil || e["error"] == "" {
				t.Fatalf("GET %s: %d %s %s", c.path, code, hdr.Get("Content-Type"), body)
			}
		})
	}
	if code, _, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(string(body), `"status":"ok"`) {
		t.Errorf("healthz: %d %s", code, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	<-wsDone
	if !containsAll(wsTypes, EventCallStarted, EventBotText, EventCallEnded) {
		t.Errorf("WebSocket events %v", wsTypes)
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestShutdownWithLiveCall(t *testing.T) {
	cases := []struct {
		name       string
		grace      time.Duration
		callerEnds bool
		wantReason string
	}{
		{"the call ends within the grace", 30 * time.Second, true, EndCallerHangup},
		{"the grace expires", 200 * time.Millisecond, false, EndShutdown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Shutdown.Grace = c.grace
			r := newRig(t, cfg, nil)
			stop := running(t, r.srv)
			r.answer("20260302T160000-00000001")
			base := "http://" + r.srv.Addr()
			stopped := make(chan error, 1)
			go func() { stopped <- stop() }()
			pipelinetest.Eventually(t, r.srv.calls.isDraining, "the shutdown did not start")
			if c.callerEnds {
				if code, _, body := get(t, base+"/healthz"); code != 503 || !strings.Contains(string(body), "shutting_down") {
					t.Errorf("healthz while draining: %d %s", code, body)
				}
				if _, err := r.srv.Handler().Accept(context.Background(), newFakeCall("20260302T160000-00000002")); !errors.Is(err, bridge.ErrBusy) {
					t.Errorf("a call during shutdown: %v, want ErrBusy", err)
				}
				r.call.end(nil)
			}
			if err := <-stopped; err != nil {
				t.Fatalf("Run: %v", err)
			}
			hangups, _, _, _ := r.call.state()
			if c.wantReason == EndShutdown && !slicesEqual(hangups, []string{EndShutdown}) {
				t.Errorf("hang-ups %v", hangups)
			}
			// The store is closed; reopen the file to read the record.
			st, err := records.Open(context.Background(), cfg.Records)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rec, err := st.Get(context.Background(), r.call.info.ID)
			if err != nil || rec.Status != records.StatusEnded || rec.EndReason != c.wantReason {
				t.Fatalf("record after shutdown: %v %+v", err, rec)
			}
		})
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRestartKeepsRecords(t *testing.T) {
	cfg := testConfig(t)
	r := newRig(t, cfg, nil)
	stop := running(t, r.srv)
	r.answer("20260302T170000-00000001")
	r.call.end(nil)
	r.stored()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	again := newRig(t, cfg, nil)
	running(t, again.srv)
	code, _, body := get(t, "http://"+again.srv.Addr()+"/api/calls")
	if code != 200 || !strings.Contains(string(body), "20260302T170000-00000001") {
		t.Fatalf("after a restart: %d %s", code, body)
	}
}

// metricValue returns the value of the sample named name (with no
// labels) in a Prometheus text exposition, -1 when absent.
func metricValue(body, name string) float64 {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				return f
			}
		}
	}
	return -1
}

// histogramSummary describes a histogram's count and mean.
func histogramSummary(body, name string) string {
	n, sum := metricValue(body, name+"_count"), metricValue(body, name+"_sum")
	if n <= 0 {
		return "no samples"
	}
	return fmt.Sprintf("%.0f samples, mean %.0f ms", n, 1000*sum/n)
}
