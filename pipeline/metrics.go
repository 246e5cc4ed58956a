package pipeline

import "time"

// Stamp is a point on the session clock that may not have been reached.
type Stamp struct {
	// At is measured from the session's start.
	At time.Duration
	// OK reports whether the point was reached.
	OK bool
}

// Since returns s.At - earlier.At, and false unless both were reached.
func (s Stamp) Since(earlier Stamp) (time.Duration, bool) {
	if !s.OK || !earlier.OK {
		return 0, false
	}
	return s.At - earlier.At, true
}

// stampOf decodes a stamp stored as nanoseconds+1 (0 meaning unset).
func stampOf(v int64) Stamp {
	if v == 0 {
		return Stamp{}
	}
	return Stamp{At: time.Duration(v - 1), OK: true}
}

// Turn triggers and outcomes, as reported in TurnMetrics.
const (
	// TriggerCaller: the bot answers the caller's turn.
	TriggerCaller = "caller"
	// TriggerSay: Session.Say.
	TriggerSay = "say"
	// TriggerReply: Session.Reply.
	TriggerReply = "reply"

	// OutcomeCompleted: played to the end.
	OutcomeCompleted = "completed"
	// OutcomeInterrupted: cut off by the caller.
	OutcomeInterrupted = "interrupted"
	// OutcomeReplaced: cancelled by a late final, Say, Reply or
	// SetBotEnabled(false).
	OutcomeReplaced = "replaced"
	// OutcomeClosed: the session closed first.
	OutcomeClosed = "closed"
)

// TurnMetrics are the timings of one bot turn, on the session clock.
type TurnMetrics struct {
	// Turn numbers the bot turn, from 1.
	Turn int
	// Trigger is TriggerCaller, TriggerSay or TriggerReply.
	Trigger string
	// Outcome is OutcomeCompleted, OutcomeInterrupted, OutcomeReplaced or
	// OutcomeClosed.
	Outcome string
	// SpeechEnd is when the caller's speech ended (TriggerCaller).
	SpeechEnd Stamp
	// Start is when the turn started: the end-of-turn decision, or the
	// Say or Reply request.
	Start Stamp
	// FirstText is when the agent produced its first sentence.
	FirstText Stamp
	// FirstAudio is when the synthesizer produced its first chunk.
	FirstAudio Stamp
	// FirstFrame and LastFrame are when the turn's first and last frames
	// were handed to the transport.
	FirstFrame, LastFrame Stamp
	// BargeIns counts the barge-ins during the turn (confirmed or not).
	BargeIns int
	// BargeInOnset, BargeInDecision and BargeInLastFrame describe the last
	// barge-in: the caller's speech onset, the pause decision, and the
	// last bot frame handed over before the pause.
	BargeInOnset, BargeInDecision, BargeInLastFrame Stamp
}

// Overhead returns the time from the start of the turn (the end-of-turn
// decision) to its first frame handed to the transport: the delay the
// pipeline and engines add to every answer.
func (m TurnMetrics) Overhead() (time.Duration, bool) { return m.FirstFrame.Since(m.Start) }

// AgentLatency returns the time from the start of the turn to the agent's
// first sentence.
func (m TurnMetrics) AgentLatency() (time.Duration, bool) { return m.FirstText.Since(m.Start) }

// SynthesisLatency returns the time from the agent's first sentence to the
// first synthesized audio.
func (m TurnMetrics) SynthesisLatency() (time.Duration, bool) {
	return m.FirstAudio.Since(m.FirstText)
}

// CutOff returns the time from the caller's speech onset to the last bot
// frame handed over before the pause (0 if the bot was already silent), and
// false when the turn had no barge-in while its audio played.
func (m TurnMetrics) CutOff() (time.Duration, bool) {
	d, ok := m.BargeInLastFrame.Since(m.BargeInOnset)
	return max(d, 0), ok
}

// Stats are a session's counters. They only grow.
type Stats struct {
	// FramesIn counts caller frames pushed; FramesDropped those dropped
	// because the inbound queue was full (oldest first); FramesProcessed
	// those the loop has handled. FramesIn - FramesDropped -
	// FramesProcessed frames are waiting.
	FramesIn, FramesDropped, FramesProcessed uint64
	// TranscriptsDropped counts recognition results dropped because the
	// transcript queue was full (partials first).
	TranscriptsDropped uint64
	// FramesOut counts bot frames handed to the transport; Underruns
	// counts frames the bot was speaking but had no audio ready.
	FramesOut, Underruns uint64
	// Events counts events published (the last Seq); EventsDropped
	// counts events lost by slow subscribers, summed over subscribers.
	Events, EventsDropped uint64
	// Turns counts bot turns started.
	Turns uint64
	// BargeIns counts pauses; Interruptions, Backchannels and
	// FalseInterruptions count how they ended.
	BargeIns, Interruptions, Backchannels, FalseInterruptions uint64
	// VADErrors, RecognizerErrors and InterceptorErrors count engine
	// failures the call survived.
	VADErrors, RecognizerErrors, InterceptorErrors uint64
}
