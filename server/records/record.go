package records

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Call statuses (Record.Status).
const (
	// StatusLive is a call in progress (or one whose end was not recorded
	// yet).
	StatusLive = "live"
	// StatusEnded is a finished call.
	StatusEnded = "ended"
)

// EndServerRestart is the end reason of calls that were live when the
// server stopped without finishing them (a crash or a kill), set when the
// store is next opened.
const EndServerRestart = "server_restart"

// Speakers of a Turn.
const (
	// SpeakerCaller is the person who called.
	SpeakerCaller = "caller"
	// SpeakerBot is the voice agent.
	SpeakerBot = "bot"
	// SpeakerAgent is a human agent after a handoff.
	SpeakerAgent = "agent"
)

// Record is one call: the call record of the design document, which is also
// the input of `parley qa score`. Its JSON form is
//
//	{"id", "status", "language", "channel", "direction", "from", "to",
//	 "codec", "started_at", "ended_at", "duration_ms", "end_reason",
//	 "turns": [...], "events": [...], "recording", "qa": {}, "params": {}}
//
// with times in RFC 3339 (UTC, milliseconds). A Record is a plain value;
// the store copies what it keeps.
type Record struct {
	// ID identifies the call (bridge.NewID).
	ID string `json:"id"`
	// Status is StatusLive or StatusEnded.
	Status string `json:"status"`
	// Language is the call's language tag ("en").
	Language string `json:"language"`
	// Channel is "sip", "webrtc" or "twilio".
	Channel string `json:"channel"`
	// Direction is "inbound" or "outbound".
	Direction string `json:"direction"`
	// From and To are the parties as the transport named them.
	From string `json:"from"`
	To   string `json:"to"`
	// Codec is the negotiated codec ("PCMU/8000").
	Codec string `json:"codec"`
	// StartedAt is when the call was accepted.
	StartedAt time.Time `json:"started_at"`
	// EndedAt is when it ended; zero while live (omitted from JSON).
	EndedAt time.Time `json:"ended_at,omitzero"`
	// DurationMS is EndedAt - StartedAt in milliseconds; 0 while live.
	DurationMS int64 `json:"duration_ms"`
	// EndReason says why the call ended: "caller_hangup", "bot_hangup",
	// "transferred", "max_duration", "shutdown", "media_timeout",
	// "error", EndServerRestart.
	EndReason string `json:"end_reason,omitempty"`
	// Turns are the conversation, in order of their start.
	Turns []Turn `json:"turns"`
	// Events are what happened, in order.
	Events []Event `json:"events"`
	// Recording is the URL of the call's recording (GET
	// /api/calls/ID/recording.wav); empty when there is none.
	Recording string `json:"recording,omitempty"`
	// RecordingFile is the recording's path on the server's disk; it is
	// stored but never part of the JSON.
	RecordingFile string `json:"-"`
	// QA holds the auto-QA results (scorecards, alerts) as a JSON object;
	// nil is written as {}.
	QA json.RawMessage `json:"qa"`
	// Params are transport details kept with the record (the SIP Call-ID,
	// a Twilio CallSid).
	Params map[string]string `json:"params,omitempty"`
}

// Turn is one turn of the conversation.
type Turn struct {
	// Speaker is SpeakerCaller, SpeakerBot or SpeakerAgent.
	Speaker string `json:"speaker"`
	// Text is what was said: the recognised words of a caller turn, the
	// sentences of a bot turn.
	Text string `json:"text"`
	// DTMF holds the keypad digits of a caller turn entered on the keypad.
	DTMF string `json:"dtmf,omitempty"`
	// StartMS and EndMS delimit the turn in milliseconds from the start of
	// the call.
	StartMS int64 `json:"start_ms"`
	EndMS   int64 `json:"end_ms"`
	// Interrupted reports a bot turn the caller cut off.
	Interrupted bool `json:"interrupted"`
	// Heard is what the caller heard of an interrupted bot turn.
	Heard string `json:"heard,omitempty"`
	// Intent, Confidence and Slots are what the agent understood of a
	// caller turn.
	Intent     string            `json:"intent,omitempty"`
	Confidence float64           `json:"confidence,omitempty"`
	Slots      map[string]string `json:"slots,omitempty"`
}

// Event is something that happened in a call: a barge-in, a keypad digit,
// a tool call, a handoff, an error. Its JSON form is one flat object,
// {"type": T, "at_ms": N, ...Data}.
type Event struct {
	// Type names the event ("barge_in", "dtmf", "tool_call", ...).
	Type string
	// AtMS is when it happened, in milliseconds from the start of the call.
	AtMS int64
	// Data holds the event's other fields; keys "type" and "at_ms" are
	// ignored. Values must be JSON-encodable.
	Data map[string]any
}

// MarshalJSON writes the event as one flat object.
func (e Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	t, err := json.Marshal(e.Type)
	if err != nil {
		return nil, err
	}
	b.Write(t)
	fmt.Fprintf(&b, `,"at_ms":%d`, e.AtMS)
	if len(e.Data) > 0 {
		rest := make(map[string]any, len(e.Data))
		for k, v := range e.Data {
			if k != "type" && k != "at_ms" {
				rest[k] = v
			}
		}
		if len(rest) > 0 {
			more, err := json.Marshal(rest)
			if err != nil {
				return nil, fmt.Errorf("records: event %s: %w", e.Type, err)
			}
			b.WriteByte(',')
			b.Write(more[1:]) // the map's fields, sorted, without its '{'
			return b.Bytes(), nil
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a flat event object.
func (e *Event) UnmarshalJSON(data []byte) error {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	typ, ok := m["type"].(string)
	if !ok {
		return fmt.Errorf("%w: event without a string \"type\"", ErrInvalid)
	}
	at, _ := m["at_ms"].(float64)
	delete(m, "type")
	delete(m, "at_ms")
	*e = Event{Type: typ, AtMS: int64(at)}
	if len(m) > 0 {
		e.Data = m
	}
	return nil
}

// Summary is one call in a list: the record without its turns and events.
type Summary struct {
	// ID, Status, Language, Channel, Direction, From, To, Codec,
	// StartedAt, EndedAt, DurationMS, EndReason and Recording are as in
	// Record.
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	Language   string    `json:"language"`
	Channel    string    `json:"channel"`
	Direction  string    `json:"direction"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Codec      string    `json:"codec"`
	StartedAt  time.Time `json:"started_at"`
	EndedAt    time.Time `json:"ended_at,omitzero"`
	DurationMS int64     `json:"duration_ms"`
	EndReason  string    `json:"end_reason,omitempty"`
	Recording  string    `json:"recording,omitempty"`
	// TurnCount is the number of turns.
	TurnCount int `json:"turn_count"`
}

// Summary returns r's summary.
func (r Record) Summary() Summary {
	return Summary{ID: r.ID, Status: r.Status, Language: r.Language, Channel: r.Channel,
		Direction: r.Direction, From: r.From, To: r.To, Codec: r.Codec, StartedAt: r.StartedAt,
		EndedAt: r.EndedAt, DurationMS: r.DurationMS, EndReason: r.EndReason, Recording: r.Recording,
		TurnCount: len(r.Turns)}
}

// Clone returns a deep copy of r (turns, events, QA and params), so that
// the copy can be handed to another goroutine.
func (r Record) Clone() Record {
	c := r
	c.Turns = make([]Turn, len(r.Turns))
	for i, t := range r.Turns {
		if t.Slots != nil {
			t.Slots = cloneMap(t.Slots)
		}
		c.Turns[i] = t
	}
	c.Events = make([]Event, len(r.Events))
	for i, e := range r.Events {
		if e.Data != nil {
			d := make(map[string]any, len(e.Data))
			for k, v := range e.Data {
				d[k] = v
			}
			e.Data = d
		}
		c.Events[i] = e
	}
	if r.QA != nil {
		c.QA = append(json.RawMessage(nil), r.QA...)
	}
	if r.Params != nil {
		c.Params = cloneMap(r.Params)
	}
	return c
}

func cloneMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// normalized returns r ready to store: UTC millisecond times, non-nil
// slices and a QA object.
func (r Record) normalized() (Record, error) {
	if r.ID == "" {
		return Record{}, fmt.Errorf("%w: record without an id", ErrInvalid)
	}
	if r.StartedAt.IsZero() {
		return Record{}, fmt.Errorf("%w: record %s without started_at", ErrInvalid, r.ID)
	}
	r = r.Clone()
	r.StartedAt = r.StartedAt.UTC().Truncate(time.Millisecond)
	if !r.EndedAt.IsZero() {
		r.EndedAt = r.EndedAt.UTC().Truncate(time.Millisecond)
	}
	if len(bytes.TrimSpace(r.QA)) == 0 {
		r.QA = json.RawMessage(`{}`)
	} else if !json.Valid(r.QA) {
		return Record{}, fmt.Errorf("%w: record %s: qa is not valid JSON", ErrInvalid, r.ID)
	}
	return r, nil
}
