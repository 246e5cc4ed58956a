package server

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/server/records"
)

// Call end reasons, as in call records and parley_calls_total.
const (
	EndCallerHangup       = "caller_hangup"
	EndBotHangup          = "bot_hangup"
	EndTransferred        = "transferred"
	EndHandoffUnavailable = "handoff_unavailable"
	EndMaxDuration        = "max_duration"
	EndShutdown           = "shutdown"
	EndMediaTimeout       = "media_timeout"
	EndError              = "error"
)

// recordBuilder turns a call's session events into its record. It is used
// by the call's goroutine; snapshot copies are safe to hand out.
type recordBuilder struct {
	rec       records.Record
	callerFor map[int]int // bot turn -> index of the caller turn it answers
	botTurn   map[int]int // bot turn -> index of its turn
	lastCall  int         // index of the last caller turn, -1 if none
}

func newRecordBuilder(info bridge.Info, language string, started time.Time) *recordBuilder {
	r := records.Record{ID: info.ID, Status: records.StatusLive, Language: language, Channel: info.Channel,
		Direction: info.Direction, From: info.From, To: info.To, Codec: info.Codec, StartedAt: started,
		Turns: []records.Turn{}, Events: []records.Event{}, QA: json.RawMessage(`{}`)}
	if len(info.Params) > 0 {
		r.Params = make(map[string]string, len(info.Params))
		for k, v := range info.Params {
			r.Params[k] = v
		}
	}
	return &recordBuilder{rec: r, callerFor: map[int]int{}, botTurn: map[int]int{}, lastCall: -1}
}

// event appends an event of the record.
func (b *recordBuilder) event(kind string, at time.Duration, data map[string]any) {
	b.rec.Events = append(b.rec.Events, records.Event{Type: kind, AtMS: at.Milliseconds(), Data: data})
}

// add folds one session event into the record.
func (b *recordBuilder) add(e pipeline.Event) {
	at := e.Header().At
	switch ev := e.(type) {
	case pipeline.EndOfTurnEvent:
		b.callerTurn(ev)
	case pipeline.BotTextEvent:
		t := b.bot(ev.Turn, at)
		if t.Text == "" {
			t.Text = ev.Text
		} else {
			t.Text = joinSentences([]string{t.Text, ev.Text})
		}
	case pipeline.BotSpeechStartedEvent:
		t := b.bot(ev.Turn, at)
		t.StartMS, t.EndMS = at.Milliseconds(), at.Milliseconds()
	case pipeline.BotSpeechStoppedEvent:
		t := b.bot(ev.Turn, at)
		t.EndMS, t.Interrupted = at.Milliseconds(), ev.Interrupted
		if ev.Interrupted {
			t.Heard = ev.Heard
		}
	case pipeline.ActionEvent:
		b.action(ev, at)
	case pipeline.KeyEvent:
		b.event("dtmf", at, map[string]any{"digits": string(ev.Digit), "from": "caller"})
	case pipeline.BargeInEvent:
		b.event("barge_in", at, map[string]any{"turn": ev.Turn, "heard": ev.Heard})
	case pipeline.InterruptionEvent:
		b.event("interruption", at, map[string]any{"turn": ev.Turn, "text": ev.Text, "heard": ev.Heard})
	case pipeline.ResumeEvent:
		b.event("resume", at, map[string]any{"turn": ev.Turn, "reason": string(ev.Reason), "text": ev.Text})
	case pipeline.ErrorEvent:
		b.event("error", at, map[string]any{"stage": ev.Stage, "error": errText(ev.Err)})
	case pipeline.AlertEvent:
		b.event("alert", at, map[string]any{"rule": ev.Alert.Rule, "severity": ev.Alert.Severity, "message": ev.Alert.Message})
	}
}

// callerTurn adds the caller's turn, or replaces the text of the last one
// when a late final result replaced it.
func (b *recordBuilder) callerTurn(ev pipeline.EndOfTurnEvent) {
	if ev.Replaces && b.lastCall >= 0 {
		b.rec.Turns[b.lastCall].Text = ev.Text
		if ev.Turn > 0 {
			b.callerFor[ev.Turn] = b.lastCall
		}
		return
	}
	b.rec.Turns = append(b.rec.Turns, records.Turn{Speaker: records.SpeakerCaller, Text: ev.Text, DTMF: ev.DTMF,
		StartMS: ev.Onset.Milliseconds(), EndMS: ev.SpeechEnd.Milliseconds()})
	b.lastCall = len(b.rec.Turns) - 1
	if ev.Turn > 0 {
		b.callerFor[ev.Turn] = b.lastCall
	}
}

// bot returns bot turn id's turn, adding it (starting at at) if needed.
func (b *recordBuilder) bot(id int, at time.Duration) *records.Turn {
	if i, ok := b.botTurn[id]; ok {
		return &b.rec.Turns[i]
	}
	b.rec.Turns = append(b.rec.Turns, records.Turn{Speaker: records.SpeakerBot, StartMS: at.Milliseconds(), EndMS: at.Milliseconds()})
	b.botTurn[id] = len(b.rec.Turns) - 1
	return &b.rec.Turns[len(b.rec.Turns)-1]
}

// action records an agent action: what it understood on the caller's turn,
// the rest as events.
func (b *recordBuilder) action(ev pipeline.ActionEvent, at time.Duration) {
	switch a := ev.Action.(type) {
	case agentic.Understood:
		b.understood(ev.Turn, a.Intent, a.Confidence, a.Slots)
		return
	case *agentic.Understood:
		b.understood(ev.Turn, a.Intent, a.Confidence, a.Slots)
		return
	case pipeline.Intent:
		b.understood(ev.Turn, a.Name, a.Confidence, a.Slots)
		return
	}
	f := actionFields(ev.Action)
	kind, _ := f["action"].(string)
	delete(f, "action")
	f["turn"] = ev.Turn
	if kind == agentic.KindSendDTMF {
		kind = "dtmf"
	}
	b.event(kind, at, f)
}

func (b *recordBuilder) understood(turn int, intent string, conf float64, slots map[string]string) {
	i, ok := b.callerFor[turn]
	if !ok {
		return
	}
	t := &b.rec.Turns[i]
	t.Intent, t.Confidence = intent, conf
	if len(slots) > 0 {
		t.Slots = make(map[string]string, len(slots))
		for k, v := range slots {
			t.Slots[k] = v
		}
	}
}

// snapshot returns a copy of the record so far, turns in order of start.
func (b *recordBuilder) snapshot() records.Record {
	r := b.rec.Clone()
	sort.SliceStable(r.Turns, func(i, j int) bool { return r.Turns[i].StartMS < r.Turns[j].StartMS })
	return r
}
