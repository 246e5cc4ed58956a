package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestLiveEventShapes(t *testing.T) {
	h := pipeline.EventHeader{CallID: "c1", At: 1500 * time.Millisecond}
	cases := []struct {
		name string
		ev   pipeline.Event
		want string // the JSON object, keys sorted
	}{
		{"partial transcript", pipeline.TranscriptEvent{EventHeader: h, Transcript: pipeline.Transcript{Text: "where is"}},
			`{"at_ms":1500,"call_id":"c1","final":false,"speaker":"caller","text":"where is","type":"transcript"}`},
		{"bot text", pipeline.BotTextEvent{EventHeader: h, Turn: 2, Text: "Hi."},
			`{"at_ms":1500,"call_id":"c1","speaker":"bot","text":"Hi.","turn":2,"type":"bot_text"}`},
		{"speech stopped", pipeline.BotSpeechStoppedEvent{EventHeader: h, Turn: 2, Heard: "Hi", Interrupted: true},
			`{"at_ms":1500,"call_id":"c1","heard":"Hi","interrupted":true,"turn":2,"type":"bot_speech_stopped"}`},
		{"barge-in", pipeline.BargeInEvent{EventHeader: h, Turn: 3, Heard: "Your"},
			`{"at_ms":1500,"call_id":"c1","heard":"Your","turn":3,"type":"barge_in"}`},
		{"end of turn", pipeline.EndOfTurnEvent{EventHeader: h, Turn: 1, Text: "hello", Reason: pipeline.EndSilence},
			`{"at_ms":1500,"call_id":"c1","reason":"silence","text":"hello","turn":1,"type":"end_of_turn"}`},
		{"intent", pipeline.ActionEvent{EventHeader: h, Turn: 1, Action: agentic.Understood{Result: nlu.Result{Intent: "order_status", Confidence: 0.5}}},
			`{"action":"intent","at_ms":1500,"call_id":"c1","confidence":0.5,"intent":"order_status","slots":null,"turn":1,"type":"action"}`},
		{"tool call", pipeline.ActionEvent{EventHeader: h, Turn: 1, Action: agentic.ToolCall{Name: "x", Arguments: []byte(`{"a":1}`), Error: "down"}},
			`{"action":"tool_call","arguments":{"a":1},"at_ms":1500,"call_id":"c1","duration_ms":0,"error":"down","name":"x","turn":1,"type":"action"}`},
		{"caller key", pipeline.KeyEvent{EventHeader: h, Digit: '5'},
			`{"action":"dtmf","at_ms":1500,"call_id":"c1","digits":"5","from":"caller","type":"action"}`},
		{"engine error", pipeline.ErrorEvent{EventHeader: h, Stage: "recognizer", Err: errors.New("boom")},
			`{"at_ms":1500,"call_id":"c1","message":"boom","rule":"engine_error","severity":"warning","stage":"recognizer","type":"alert"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ok := liveFromSession(c.ev)
			if !ok {
				t.Fatal("not streamed")
			}
			if string(e.data) != c.want {
				t.Fatalf("got  %s\nwant %s", e.data, c.want)
			}
		})
	}
	if _, ok := liveFromSession(pipeline.TurnMetricsEvent{EventHeader: h}); ok {
		t.Error("turn metrics are not part of the live API")
	}
}

func TestHubFiltersAndDrops(t *testing.T) {
	h := newHub()
	all, _ := h.subscribe("", 2)
	one, _ := h.subscribe("b", 8)
	for i := range 5 {
		h.publish(newLiveEvent(EventTranscript, "a", int64(i), nil))
	}
	h.publish(newLiveEvent(EventTranscript, "b", 9, nil))
	if len(one.ch) != 1 || one.dropped.Load() != 0 {
		t.Errorf("filtered client got %d events, dropped %d", len(one.ch), one.dropped.Load())
	}
	if len(all.ch) != 2 || all.dropped.Load() != 4 || h.dropped.Load() != 4 {
		t.Errorf("slow client holds %d, dropped %d (hub %d)", len(all.ch), all.dropped.Load(), h.dropped.Load())
	}
	h.close()
	select {
	case <-all.gone:
	default:
		t.Error("close did not end the clients")
	}
	if _, ok := h.subscribe("", 1); ok {
		t.Error("subscribed to a closed hub")
	}
}

// stallWriter is a response writer whose client stops reading until
// released.
type stallWriter struct {
	hdr     http.Header
	release chan struct{}
	mu      sync.Mutex
	body    strings.Builder
	writes  int
}

func (w *stallWriter) Header() http.Header { return w.hdr }
func (w *stallWriter) WriteHeader(int)     {}
func (w *stallWriter) Flush()              {}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes++
	n := w.writes
	w.mu.Unlock()
	if n == 2 { // the first event: the client stalls here
		<-w.release
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body.Write(p)
}

func (w *stallWriter) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body.String()
}

func TestSlowEventClientIsToldWhatItLost(t *testing.T) {
	cfg := testConfig(t)
	s := &Server{cfg: cfg, hub: newHub()}
	cfg.HTTP.EventBuffer = 4
	s.cfg = cfg
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &stallWriter{hdr: http.Header{}, release: make(chan struct{})}
	req := httptest.NewRequest(http.MethodGet, "/api/events", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() { defer close(done); s.handleEvents(w, req) }()
	pipelinetest.Eventually(t, func() bool { return s.hub.clientCount() == 1 }, "client not subscribed")
	s.hub.publish(newLiveEvent(EventTranscript, "c", 0, nil)) // taken, then the write stalls
	pipelinetest.Eventually(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.writes == 2 }, "no stalled write")
	for i := range 20 { // 4 fit in the buffer, 16 are lost
		s.hub.publish(newLiveEvent(EventBotText, "c", int64(i+1), nil))
	}
	close(w.release)
	pipelinetest.Eventually(t, func() bool { return strings.Count(w.text(), "event: bot_text") == 4 },
		"the buffered events were not delivered")
	s.hub.publish(newLiveEvent(EventCallEnded, "c", 99, nil))
	pipelinetest.Eventually(t, func() bool { return strings.Contains(w.text(), "event: call_ended") },
		"the stream did not resume after the stall")
	cancel()
	<-done
	out := w.text()
	i := strings.Index(out, "event: dropped\ndata: ")
	if i < 0 {
		t.Fatalf("no dropped event in:\n%s", out)
	}
	line := out[i+len("event: dropped\ndata: "):]
	line = line[:strings.Index(line, "\n")]
	var d map[string]any
	if err := json.Unmarshal([]byte(line), &d); err != nil || d["count"] != 16.0 {
		t.Fatalf("dropped event %s, want count 16", line)
	}
	if strings.Count(out, "event: bot_text") != 4 {
		t.Errorf("%d bot_text events delivered, want the 4 buffered", strings.Count(out, "event: bot_text"))
	}
}
