package pipeline

import "time"

// Event is something that happened in a call, published to the session's
// subscribers. The set of event types is closed (the types in this file);
// switch on the concrete type, or use Kind for a stable name ("barge_in") as
// written in call records and the events API. Events are values; slices and
// maps inside them are shared between subscribers and must be treated as
// read-only.
type Event interface {
	// Kind names the event in snake case.
	Kind() string
	// Header returns the call id, sequence number and timestamps.
	Header() EventHeader
	withHeader(h EventHeader) Event
}

// EventHeader is common to all events.
type EventHeader struct {
	// CallID identifies the call.
	CallID string
	// Seq numbers the session's events from 1, in publication order.
	Seq uint64
	// At is the time of the event on the session's monotonic clock,
	// measured from the session's start.
	At time.Duration
	// Time is the wall-clock time of the event (session start + At).
	Time time.Time
}

// Header returns h.
func (h EventHeader) Header() EventHeader { return h }

// TranscriptEvent carries a recognition result for the caller's speech.
type TranscriptEvent struct {
	EventHeader
	// Transcript is the result, partial or final.
	Transcript Transcript
}

// SpeechStartedEvent reports that the caller started speaking.
type SpeechStartedEvent struct {
	EventHeader
	// Onset is when the speech started, on the session clock.
	Onset time.Duration
}

// SpeechStoppedEvent reports that the caller stopped speaking.
type SpeechStoppedEvent struct {
	EventHeader
	// Onset and End delimit the speech on the session clock.
	Onset, End time.Duration
}

// EndOfTurnEvent reports that the caller's turn is over and the bot will
// answer it.
type EndOfTurnEvent struct {
	EventHeader
	// Turn is the bot turn that answers it (0 if the bot is disabled).
	Turn int
	// Text is the caller's turn.
	Text string
	// DTMF holds the digits of a keypad entry (Reason EndKeypad).
	DTMF string
	// Reason says which rule ended the turn.
	Reason EndReason
	// Replaces reports a late final that replaced the previous turn's text.
	Replaces bool
	// Onset and SpeechEnd delimit the turn's speech; Silence is how long
	// the detector waited after it.
	Onset, SpeechEnd, Silence time.Duration
}

// KeyEvent reports a keypad digit the caller pressed (Session.PushDTMF).
// The digits of one entry reach the agent together, in an EndOfTurnEvent
// with Reason EndKeypad.
type KeyEvent struct {
	EventHeader
	// Digit is '0'-'9', '*', '#' or 'A'-'D'.
	Digit byte
}

// BotTextEvent reports a sentence the bot is about to speak.
type BotTextEvent struct {
	EventHeader
	// Turn is the bot turn.
	Turn int
	// Text is the sentence.
	Text string
}

// BotSpeechStartedEvent reports that the bot's first frame of a turn was
// handed to the transport.
type BotSpeechStartedEvent struct {
	EventHeader
	// Turn is the bot turn.
	Turn int
}

// BotSpeechStoppedEvent reports that the bot's turn ended after some of it
// was played: played to the end, or interrupted.
type BotSpeechStoppedEvent struct {
	EventHeader
	// Turn is the bot turn.
	Turn int
	// Interrupted reports a turn cut off by the caller (or replaced by
	// Session.Say or Reply).
	Interrupted bool
	// Heard is what the caller heard of the turn.
	Heard string
}

// BargeInEvent reports that the caller spoke over the bot and the bot's
// audio was paused. An InterruptionEvent or a ResumeEvent follows.
type BargeInEvent struct {
	EventHeader
	// Turn is the bot turn paused.
	Turn int
	// Onset is the start of the caller's speech on the session clock.
	Onset time.Duration
	// Heard is what the caller had heard of the turn when it paused.
	Heard string
}

// InterruptionEvent reports a confirmed barge-in: the bot's turn was
// cancelled.
type InterruptionEvent struct {
	EventHeader
	// Turn is the bot turn cancelled.
	Turn int
	// Text is the caller's words that confirmed the interruption.
	Text string
	// Heard is what the caller had heard of the bot's turn; history keeps
	// only this.
	Heard string
	// Merged reports that the caller heard no word of the answer, so the
	// interruption continues the caller's previous turn.
	Merged bool
}

// ResumeEvent reports that a paused bot resumed.
type ResumeEvent struct {
	EventHeader
	// Turn is the bot turn resumed.
	Turn int
	// Reason says why: a backchannel or a false interruption.
	Reason ResumeReason
	// Text is the backchannel heard, empty for a false interruption.
	Text string
	// From is what the caller had heard; the bot resumes after it.
	From string
}

// ActionEvent carries an action returned by the agent. Its Kind is the
// action's kind ("end_call", "handoff", "intent", "tool_call").
type ActionEvent struct {
	EventHeader
	// Turn is the bot turn that produced it.
	Turn int
	// Action is the action; switch on its type.
	Action Action
}

// AlertEvent carries an alert raised about the call, for example by a QA
// rule (see Session.Alert).
type AlertEvent struct {
	EventHeader
	// Alert is the alert raised.
	Alert Alert
}

// Alert is a live alert about a call.
type Alert struct {
	// Rule names the rule that fired.
	Rule string
	// Severity is "info", "warning" or "critical".
	Severity string
	// Message explains the alert to a supervisor.
	Message string
}

// TurnMetricsEvent carries the timings of a finished bot turn.
type TurnMetricsEvent struct {
	EventHeader
	// Metrics are the turn's timings.
	Metrics TurnMetrics
}

// ErrorEvent reports an engine failure the call survived (the recognizer
// stream failed and was reopened, the agent or the synthesizer failed for a
// turn).
type ErrorEvent struct {
	EventHeader
	// Stage is "vad", "recognizer", "agent", "synthesizer" or
	// "interceptor".
	Stage string
	// Err is the error.
	Err error
}

// CallEndedEvent is the last event of a session.
type CallEndedEvent struct {
	EventHeader
	// Stats are the session's final counters.
	Stats Stats
}

// Kind returns "transcript".
func (TranscriptEvent) Kind() string { return "transcript" }

// Kind returns "caller_speech_started".
func (SpeechStartedEvent) Kind() string { return "caller_speech_started" }

// Kind returns "caller_speech_stopped".
func (SpeechStoppedEvent) Kind() string { return "caller_speech_stopped" }

// Kind returns "end_of_turn".
func (EndOfTurnEvent) Kind() string { return "end_of_turn" }

// Kind returns "bot_text".
func (BotTextEvent) Kind() string { return "bot_text" }

// Kind returns "dtmf".
func (KeyEvent) Kind() string { return "dtmf" }

// Kind returns "bot_speech_started".
func (BotSpeechStartedEvent) Kind() string { return "bot_speech_started" }

// Kind returns "bot_speech_stopped".
func (BotSpeechStoppedEvent) Kind() string { return "bot_speech_stopped" }

// Kind returns "barge_in".
func (BargeInEvent) Kind() string { return "barge_in" }

// Kind returns "interruption".
func (InterruptionEvent) Kind() string { return "interruption" }

// Kind returns "resume".
func (ResumeEvent) Kind() string { return "resume" }

// Kind returns the action's kind.
func (e ActionEvent) Kind() string {
	if e.Action == nil {
		return "action"
	}
	return e.Action.ActionKind()
}

// Kind returns "alert".
func (AlertEvent) Kind() string { return "alert" }

// Kind returns "turn_metrics".
func (TurnMetricsEvent) Kind() string { return "turn_metrics" }

// Kind returns "error".
func (ErrorEvent) Kind() string { return "error" }

// Kind returns "call_ended".
func (CallEndedEvent) Kind() string { return "call_ended" }

func (e TranscriptEvent) withHeader(h EventHeader) Event       { e.EventHeader = h; return e }
func (e SpeechStartedEvent) withHeader(h EventHeader) Event    { e.EventHeader = h; return e }
func (e SpeechStoppedEvent) withHeader(h EventHeader) Event    { e.EventHeader = h; return e }
func (e EndOfTurnEvent) withHeader(h EventHeader) Event        { e.EventHeader = h; return e }
func (e KeyEvent) withHeader(h EventHeader) Event              { e.EventHeader = h; return e }
func (e BotTextEvent) withHeader(h EventHeader) Event          { e.EventHeader = h; return e }
func (e BotSpeechStartedEvent) withHeader(h EventHeader) Event { e.EventHeader = h; return e }
func (e BotSpeechStoppedEvent) withHeader(h EventHeader) Event { e.EventHeader = h; return e }
func (e BargeInEvent) withHeader(h EventHeader) Event          { e.EventHeader = h; return e }
func (e InterruptionEvent) withHeader(h EventHeader) Event     { e.EventHeader = h; return e }
func (e ResumeEvent) withHeader(h EventHeader) Event           { e.EventHeader = h; return e }
func (e ActionEvent) withHeader(h EventHeader) Event           { e.EventHeader = h; return e }
func (e AlertEvent) withHeader(h EventHeader) Event            { e.EventHeader = h; return e }
func (e TurnMetricsEvent) withHeader(h EventHeader) Event      { e.EventHeader = h; return e }
func (e ErrorEvent) withHeader(h EventHeader) Event            { e.EventHeader = h; return e }
func (e CallEndedEvent) withHeader(h EventHeader) Event        { e.EventHeader = h; return e }
