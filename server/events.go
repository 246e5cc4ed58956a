package server

import (
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// Live event types of GET /api/events.
const (
	EventCallStarted      = "call_started"
	EventTranscript       = "transcript"
	EventBotText          = "bot_text"
	EventBotSpeechStarted = "bot_speech_started"
	EventBotSpeechStopped = "bot_speech_stopped"
	EventBargeIn          = "barge_in"
	EventEndOfTurn        = "end_of_turn"
	EventAction           = "action"
	EventAlert            = "alert"
	EventCallEnded        = "call_ended"
	// EventDropped tells a slow client how many events it lost.
	EventDropped = "dropped"
)

// liveEvent is one event of the live events API, encoded once for every
// client.
type liveEvent struct {
	callID string
	kind   string
	data   []byte // the JSON object
}

// newLiveEvent encodes {"type", "call_id", "at_ms", ...fields}.
func newLiveEvent(kind, callID string, atMS int64, fields map[string]any) liveEvent {
	m := make(map[string]any, len(fields)+3)
	for k, v := range fields {
		m[k] = v
	}
	m["type"], m["call_id"], m["at_ms"] = kind, callID, atMS
	data, err := json.Marshal(m)
	if err != nil { // a value that does not encode: keep the event, drop its fields
		data, _ = json.Marshal(map[string]any{"type": kind, "call_id": callID, "at_ms": atMS})
	}
	return liveEvent{callID: callID, kind: kind, data: data}
}

// liveFromSession converts a session event to a live event; ok is false
// for the events the API does not stream.
func liveFromSession(e pipeline.Event) (liveEvent, bool) {
	h := e.Header()
	at := h.At.Milliseconds()
	var kind string
	var f map[string]any
	switch ev := e.(type) {
	case pipeline.TranscriptEvent:
		kind, f = EventTranscript, map[string]any{"speaker": "caller", "text": ev.Transcript.Text, "final": ev.Transcript.Final}
	case pipeline.BotTextEvent:
		kind, f = EventBotText, map[string]any{"speaker": "bot", "text": ev.Text, "turn": ev.Turn}
	case pipeline.BotSpeechStartedEvent:
		kind, f = EventBotSpeechStarted, map[string]any{"turn": ev.Turn}
	case pipeline.BotSpeechStoppedEvent:
		kind, f = EventBotSpeechStopped, map[string]any{"turn": ev.Turn, "heard": ev.Heard, "interrupted": ev.Interrupted}
	case pipeline.BargeInEvent:
		kind, f = EventBargeIn, map[string]any{"turn": ev.Turn, "heard": ev.Heard}
	case pipeline.EndOfTurnEvent:
		kind, f = EventEndOfTurn, map[string]any{"turn": ev.Turn, "text": ev.Text, "reason": string(ev.Reason)}
		if ev.DTMF != "" {
			f["dtmf"] = ev.DTMF
		}
	case pipeline.KeyEvent:
		kind, f = EventAction, map[string]any{"action": "dtmf", "digits": string(ev.Digit), "from": "caller"}
	case pipeline.ActionEvent:
		kind, f = EventAction, actionFields(ev.Action)
		f["turn"] = ev.Turn
	case pipeline.AlertEvent:
		kind, f = EventAlert, map[string]any{"rule": ev.Alert.Rule, "severity": ev.Alert.Severity, "message": ev.Alert.Message}
	case pipeline.ErrorEvent:
		kind, f = EventAlert, map[string]any{"rule": "engine_error", "severity": "warning", "stage": ev.Stage,
			"message": errText(ev.Err)}
	default:
		return liveEvent{}, false
	}
	return newLiveEvent(kind, h.CallID, at, f), true
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// actionFields describes an agent action: {"action": kind, ...}.
func actionFields(a pipeline.Action) map[string]any {
	if a == nil {
		return map[string]any{"action": "unknown"}
	}
	f := map[string]any{"action": a.ActionKind()}
	switch v := a.(type) {
	case agentic.Understood:
		f["intent"], f["confidence"], f["slots"] = v.Intent, v.Confidence, v.Slots
	case *agentic.Understood:
		f["intent"], f["confidence"], f["slots"] = v.Intent, v.Confidence, v.Slots
	case pipeline.Intent:
		f["intent"], f["confidence"], f["slots"] = v.Name, v.Confidence, v.Slots
	case agentic.ToolCall:
		toolFields(f, v)
	case *agentic.ToolCall:
		toolFields(f, *v)
	case pipeline.ToolCall:
		f["name"], f["arguments"], f["result"], f["error"] = v.Name, v.Arguments, v.Result, v.Err
	case agentic.Handoff:
		f["queue"], f["reason"], f["priority"], f["skills"] = v.Queue, v.Reason, v.Priority, v.Skills
	case pipeline.Handoff:
		f["queue"], f["reason"], f["priority"], f["skills"] = v.Queue, v.Reason, v.Priority, v.Skills
	case agentic.EndCall:
		f["reason"] = v.Reason
	case pipeline.EndCall:
		f["reason"] = v.Reason
	case agentic.SendDTMF:
		f["digits"], f["from"] = v.Digits, "bot"
	}
	return f
}

func toolFields(f map[string]any, t agentic.ToolCall) {
	f["name"], f["error"] = t.Name, t.Error
	f["duration_ms"] = t.Duration.Milliseconds()
	if len(t.Arguments) > 0 && json.Valid(t.Arguments) {
		f["arguments"] = json.RawMessage(t.Arguments)
	}
	if len(t.Result) > 0 && json.Valid(t.Result) {
		f["result"] = json.RawMessage(t.Result)
	}
}

// hub fans live events out to the /api/events clients. Publishing never
// waits: a client whose buffer is full loses the event, and is told how
// many it lost once it catches up.
type hub struct {
	mu      sync.Mutex
	clients map[*eventClient]struct{}
	closed  bool

	published atomic.Uint64
	dropped   atomic.Uint64
}

// eventClient is one /api/events connection.
type eventClient struct {
	callID  string // only this call's events; empty for all
	ch      chan liveEvent
	dropped atomic.Uint64
	gone    chan struct{} // closed when the hub closes
}

func newHub() *hub { return &hub{clients: map[*eventClient]struct{}{}} }

// subscribe adds a client; ok is false once the hub is closed.
func (h *hub) subscribe(callID string, buffer int) (*eventClient, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	c := &eventClient{callID: callID, ch: make(chan liveEvent, buffer), gone: make(chan struct{})}
	h.clients[c] = struct{}{}
	return c, true
}

// unsubscribe removes a client. It is idempotent.
func (h *hub) unsubscribe(c *eventClient) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// publish offers e to every interested client without blocking.
func (h *hub) publish(e liveEvent) {
	h.published.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.callID != "" && c.callID != e.callID {
			continue
		}
		select {
		case c.ch <- e:
		default:
			c.dropped.Add(1)
			h.dropped.Add(1)
		}
	}
}

// clientCount returns the number of connected clients.
func (h *hub) clientCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// close ends every client's stream and refuses new ones.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for c := range h.clients {
		close(c.gone)
	}
	h.clients = map[*eventClient]struct{}{}
}
