package pipeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/parley-voice/parley/pipeline/vad"
)

// DecisionKind says what a TurnDetector decided.
type DecisionKind int

// Decision kinds, in the order they usually happen.
const (
	// DecisionSpeechStarted: the caller started speaking (Onset).
	DecisionSpeechStarted DecisionKind = iota + 1
	// DecisionSpeechStopped: the caller stopped speaking (SpeechEnd).
	DecisionSpeechStopped
	// DecisionEndOfTurn: the caller's turn is over (Text, EndReason);
	// answer it.
	DecisionEndOfTurn
	// DecisionBargeIn: the caller spoke over the bot; pause the bot's
	// audio now and flush the transport.
	DecisionBargeIn
	// DecisionInterrupt: the barge-in is confirmed by words (Text); cancel
	// the bot's turn and keep only what the caller heard.
	DecisionInterrupt
	// DecisionResume: the barge-in was a backchannel or noise
	// (ResumeReason); resume the bot from the last word the caller heard.
	DecisionResume
)

// String returns the kind's name.
func (k DecisionKind) String() string {
	switch k {
	case DecisionSpeechStarted:
		return "speech_started"
	case DecisionSpeechStopped:
		return "speech_stopped"
	case DecisionEndOfTurn:
		return "end_of_turn"
	case DecisionBargeIn:
		return "barge_in"
	case DecisionInterrupt:
		return "interrupt"
	case DecisionResume:
		return "resume"
	}
	return "unknown"
}

// EndReason says why a caller's turn ended.
type EndReason string

// End-of-turn reasons.
const (
	// EndComplete: a complete sentence followed by CompleteSilence.
	EndComplete EndReason = "complete"
	// EndSilence: the base Silence.
	EndSilence EndReason = "silence"
	// EndExtended: an unfinished-sounding text followed by ExtendedSilence.
	EndExtended EndReason = "extended"
	// EndNoFinal: the silence was long enough but the recognizer's final
	// did not come within FinalTimeout; the text is the latest partial.
	EndNoFinal EndReason = "no_final"
	// EndMaxTurn: the turn reached MaxTurn.
	EndMaxTurn EndReason = "max_turn"
	// EndLateFinal: a final arrived after an EndNoFinal decision, before
	// the bot was audible; its text replaces the previous decision's.
	EndLateFinal EndReason = "late_final"
	// EndKeypad: the caller entered digits on the keypad (Session.PushDTMF):
	// '#', Hints.KeypadDigits digits, or TurnConfig.KeypadTimeout ended the
	// entry.
	EndKeypad EndReason = "keypad"
)

// ResumeReason says why a paused bot resumes.
type ResumeReason string

// Resume reasons.
const (
	// ResumeBackchannel: the caller only said a backchannel.
	ResumeBackchannel ResumeReason = "backchannel"
	// ResumeFalseInterruption: no words were recognised.
	ResumeFalseInterruption ResumeReason = "false_interruption"
)

// Decision is one output of a TurnDetector. Times are on the detector's
// clock (the durations passed to its methods).
type Decision struct {
	// Kind says what was decided.
	Kind DecisionKind
	// At is when the decision was made.
	At time.Duration
	// Onset is the start of the caller's speech (SpeechStarted, BargeIn,
	// Interrupt) or of the caller's turn (EndOfTurn).
	Onset time.Duration
	// SpeechEnd is the start of the silence that ended the speech
	// (SpeechStopped, EndOfTurn).
	SpeechEnd time.Duration
	// Text is the caller's turn (EndOfTurn), the interruption's words so
	// far (Interrupt) or the backchannel (Resume).
	Text string
	// EndReason says why the turn ended (EndOfTurn).
	EndReason EndReason
	// Replaces reports an EndOfTurn whose text replaces the previous
	// one's (EndLateFinal): cancel the response in progress and answer
	// again.
	Replaces bool
	// ResumeReason says why the bot resumes (Resume).
	ResumeReason ResumeReason
}

type botPhase int

const (
	botIdle botPhase = iota
	botActive
	botPaused
)

// TurnDetector is the turn-taking state machine of one call: voice activity
// hysteresis, end-of-turn detection, and barge-in with backchannel and false
// interruption handling. It is pure: no goroutines, no clock of its own.
// Every method takes the current time as a duration on the caller's
// monotonic clock, and times that go backwards are treated as the latest time
// seen. Methods append their decisions to dst and return it, so a caller that
// reuses dst does not allocate per frame.
//
// The caller tells the detector about the bot with BotStarted (a response
// began: the agent is thinking), BotAudible (its first audio was played) and
// BotFinished (the response was played to the end or cancelled), and acts on
// the decisions. A TurnDetector is not safe for concurrent use.
type TurnDetector struct {
	cfg  TurnConfig
	cues cues
	now  time.Duration

	// Voice activity: segments from the Segmenter, runs of speech frames
	// for barge-in.
	seg       *vad.Segmenter
	speaking  bool
	runStart  time.Duration // start of the current run of speech frames
	runDur    time.Duration // speech in the current run
	onset     time.Duration // onset of the current or last speech segment
	quiet     time.Duration // start of the silence after the last segment
	haveQuiet bool
	bargeDur  time.Duration // speech heard while the bot was active
	suppress  bool          // current speech may not barge in (max turn)
	lastEoT   time.Duration
	haveEoT   bool

	turn callerTurn

	bot      botPhase
	botStart time.Duration
	audible  bool
	pause    pauseState
	late     lateFinal
}

// callerTurn accumulates the caller's words until the end of the turn.
type callerTurn struct {
	open      bool
	start     time.Duration
	prefix    string
	finals    []string
	partial   string
	finalAt   time.Duration
	finalSeen bool
	hasWords  bool
	class     textClass
}

// pauseState is a barge-in waiting for words.
type pauseState struct {
	at        time.Duration
	onset     time.Duration
	finals    []string
	partial   string
	finalAt   time.Duration
	finalSeen bool
	words     bool
}

// lateFinal remembers an end of turn decided on a partial result.
type lateFinal struct {
	pending    bool
	base       string
	start, end time.Duration
}

// NewTurnDetector returns a detector for cfg (zero fields take their
// defaults). It returns an ErrInvalidConfig error for out-of-range fields.
func NewTurnDetector(cfg TurnConfig) (*TurnDetector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	seg, err := vad.NewSegmenter(cfg.VAD)
	if err != nil {
		return nil, fmt.Errorf("%w: turn.vad: %w", ErrInvalidConfig, err)
	}
	return &TurnDetector{cfg: cfg, seg: seg, cues: newCues(cfg.EndOfTurn, cfg.BargeIn)}, nil
}

// Config returns the detector's configuration with defaults applied.
func (t *TurnDetector) Config() TurnConfig { return t.cfg }

// Speaking reports whether the caller is speaking (after hysteresis).
func (t *TurnDetector) Speaking() bool { return t.speaking }

// BotActive reports whether a bot response is in progress (thinking,
// speaking or paused).
func (t *TurnDetector) BotActive() bool { return t.bot != botIdle }

// Paused reports whether the bot is paused by a barge-in awaiting words.
func (t *TurnDetector) Paused() bool { return t.bot == botPaused }

func (t *TurnDetector) advance(now time.Duration) {
	if now > t.now {
		t.now = now
	}
}

// Audio feeds the speech probability of the next frame, which lasted dur and
// arrived at now.
func (t *TurnDetector) Audio(dst []Decision, now, dur time.Duration, prob float32) []Decision {
	t.advance(now)
	speechy := prob >= t.cfg.VAD.OnsetThreshold
	quiet := prob < t.cfg.VAD.OffsetThreshold
	switch {
	case speechy:
		if t.runDur == 0 {
			t.runStart = t.now - dur
		}
		t.runDur += dur
	case quiet:
		t.runDur = 0
	}
	dst = t.segment(dst, t.seg.Push(prob, dur))
	dst = t.bargeIn(dst, dur, speechy, quiet)
	return t.evaluate(dst)
}

// segment applies a Segmenter event, mapping its stream time to the
// detector's clock.
func (t *TurnDetector) segment(dst []Decision, ev vad.Event) []Decision {
	at := ev.At + t.now - t.seg.Now()
	switch ev.Kind {
	case vad.SpeechStart:
		t.speaking, t.onset = true, at
		dst = append(dst, Decision{Kind: DecisionSpeechStarted, At: t.now, Onset: at})
		if t.bot == botIdle && !t.turn.open {
			t.openTurn(at)
		}
	case vad.SpeechEnd:
		end := max(at-t.cfg.VAD.SpeechPad, t.onset)
		t.speaking, t.bargeDur, t.suppress = false, 0, false
		t.quiet, t.haveQuiet = end, true
		dst = append(dst, Decision{Kind: DecisionSpeechStopped, At: t.now, Onset: t.onset, SpeechEnd: end})
	}
	return dst
}

func (t *TurnDetector) bargeIn(dst []Decision, dur time.Duration, speechy, quiet bool) []Decision {
	if t.bot != botActive || t.cfg.BargeIn.Disabled || t.suppress {
		return dst
	}
	if quiet && !t.speaking {
		t.bargeDur = 0
	}
	if !speechy {
		return dst
	}
	t.bargeDur += dur
	if t.bargeDur < t.cfg.BargeIn.MinSpeech {
		return dst
	}
	onset := max(t.runStart, t.botStart)
	if t.speaking {
		onset = max(min(t.onset+t.cfg.VAD.SpeechPad, t.runStart), t.botStart)
	}
	dst = append(dst, Decision{Kind: DecisionBargeIn, At: t.now, Onset: onset})
	t.bot = botPaused
	t.pause = pauseState{at: t.now, onset: onset}
	if t.cfg.BargeIn.Immediate {
		dst = append(dst, Decision{Kind: DecisionInterrupt, At: t.now, Onset: onset})
		t.confirm()
	}
	return dst
}

// Transcript feeds a recognition result that arrived at now.
func (t *TurnDetector) Transcript(dst []Decision, now time.Duration, tr Transcript) []Decision {
	t.advance(now)
	switch t.bot {
	case botPaused:
		dst = t.pauseTranscript(dst, tr)
	case botActive:
		dst = t.activeTranscript(dst, tr)
	default:
		t.accumulate(tr)
	}
	return t.evaluate(dst)
}

// Tick lets time pass without input, for transports that stop sending frames
// during silence.
func (t *TurnDetector) Tick(dst []Decision, now time.Duration) []Decision {
	t.advance(now)
	return t.evaluate(dst)
}

// BotStarted tells the detector a bot response began at now. Caller speech
// from now on may barge in.
func (t *TurnDetector) BotStarted(now time.Duration) {
	t.advance(now)
	t.bot, t.botStart, t.audible, t.bargeDur = botActive, t.now, false, 0
	t.pause = pauseState{}
}

// BotAudible tells the detector the response's first audio was played. A
// late final no longer replaces the caller's turn after this.
func (t *TurnDetector) BotAudible(now time.Duration) {
	t.advance(now)
	t.audible = true
	t.late.pending = false
}

// BotFinished tells the detector the response ended: played to the end, or
// cancelled by the caller of the detector. Speech that had paused the bot
// becomes the caller's turn. It is a no-op when no response is active.
func (t *TurnDetector) BotFinished(now time.Duration) {
	t.advance(now)
	if t.bot == botIdle {
		return
	}
	if t.bot == botPaused {
		t.confirm()
	}
	t.bot, t.late.pending = botIdle, false
}

// Reopen puts text back in front of the caller's current turn, which is taken
// to have started at start. The session uses it when the caller kept talking
// before hearing any word of the answer: the two stretches of speech are one
// turn.
func (t *TurnDetector) Reopen(text string, start time.Duration) {
	if !t.turn.open {
		t.openTurn(start)
	}
	t.turn.start = min(t.turn.start, start)
	t.turn.prefix = strings.TrimSpace(text)
	t.reclassify()
}

func (t *TurnDetector) openTurn(start time.Duration) {
	t.turn = callerTurn{open: true, start: start, finals: t.turn.finals[:0]}
}

func (t *TurnDetector) accumulate(tr Transcript) {
	text := strings.TrimSpace(tr.Text)
	if text != "" && !t.turn.open {
		start := t.now
		switch {
		case t.speaking:
			start = t.onset
		case t.haveQuiet && (!t.haveEoT || t.onset > t.lastEoT):
			start = t.onset // words of speech that ended before they came
		}
		t.openTurn(start)
	}
	if !t.turn.open {
		return
	}
	if tr.Final {
		if text != "" {
			t.turn.finals = append(t.turn.finals, text)
		}
		t.turn.partial, t.turn.finalAt, t.turn.finalSeen = "", t.now, true
	} else {
		t.turn.partial = text
	}
	t.reclassify()
}

func (t *TurnDetector) reclassify() {
	text := t.turnText()
	t.turn.hasWords = hasWords(text)
	t.turn.class = t.cues.classify(text)
}

func (t *TurnDetector) turnText() string {
	parts := make([]string, 0, len(t.turn.finals)+2)
	if t.turn.prefix != "" {
		parts = append(parts, t.turn.prefix)
	}
	parts = append(parts, t.turn.finals...)
	if t.turn.partial != "" {
		parts = append(parts, t.turn.partial)
	}
	return strings.Join(parts, " ")
}

func (t *TurnDetector) evaluate(dst []Decision) []Decision {
	switch t.bot {
	case botIdle:
		return t.evaluateTurn(dst)
	case botPaused:
		return t.evaluatePause(dst)
	}
	return dst
}

func (t *TurnDetector) evaluateTurn(dst []Decision) []Decision {
	if !t.turn.open {
		return dst
	}
	e := t.cfg.EndOfTurn
	if e.MaxTurn > 0 && t.now-t.turn.start >= e.MaxTurn && t.turn.hasWords {
		t.suppress = t.speaking
		return t.endTurn(dst, EndMaxTurn, t.now)
	}
	if t.speaking {
		return dst
	}
	from := t.turn.start
	if t.haveQuiet && t.quiet > from {
		from = t.quiet
	}
	silence := t.now - from
	need, reason := t.required()
	if silence < need {
		return dst
	}
	covered := t.turn.finalSeen && t.turn.finalAt >= from && t.turn.partial == ""
	if !covered {
		if e.FinalTimeout >= 0 && silence < need+e.FinalTimeout {
			return dst
		}
		reason = EndNoFinal
	}
	if !t.turn.hasWords {
		t.turn = callerTurn{finals: t.turn.finals[:0]} // noise: no words
		return dst
	}
	return t.endTurn(dst, reason, from)
}

// required returns the silence that ends the current turn and its reason.
func (t *TurnDetector) required() (time.Duration, EndReason) {
	e := t.cfg.EndOfTurn
	switch t.turn.class {
	case classComplete:
		return e.CompleteSilence, EndComplete
	case classUnfinished:
		return e.ExtendedSilence, EndExtended
	}
	return e.Silence, EndSilence
}

func (t *TurnDetector) endTurn(dst []Decision, reason EndReason, speechEnd time.Duration) []Decision {
	text := t.turnText()
	dst = append(dst, Decision{Kind: DecisionEndOfTurn, At: t.now, Onset: t.turn.start, SpeechEnd: speechEnd, Text: text, EndReason: reason})
	t.late = lateFinal{}
	if reason == EndNoFinal && t.turn.partial != "" {
		saved := t.turn.partial
		t.turn.partial = ""
		t.late = lateFinal{pending: true, base: t.turnText(), start: t.turn.start, end: speechEnd}
		t.turn.partial = saved
	}
	t.lastEoT, t.haveEoT = t.now, true
	t.turn = callerTurn{finals: t.turn.finals[:0]}
	return dst
}

// activeTranscript handles a result while the bot is thinking or speaking
// and no barge-in is pending: only a late final matters.
func (t *TurnDetector) activeTranscript(dst []Decision, tr Transcript) []Decision {
	if !tr.Final || !t.late.pending || t.audible {
		return dst
	}
	t.late.pending = false
	text := strings.TrimSpace(tr.Text)
	if text == "" {
		return dst
	}
	if t.late.base != "" {
		text = t.late.base + " " + text
	}
	return append(dst, Decision{Kind: DecisionEndOfTurn, At: t.now, Onset: t.late.start, SpeechEnd: t.late.end,
		Text: text, EndReason: EndLateFinal, Replaces: true})
}

func (t *TurnDetector) pauseTranscript(dst []Decision, tr Transcript) []Decision {
	text := strings.TrimSpace(tr.Text)
	if tr.Final {
		if text != "" {
			t.pause.finals = append(t.pause.finals, text)
		}
		t.pause.partial, t.pause.finalAt, t.pause.finalSeen = "", t.now, true
	} else {
		t.pause.partial = text
	}
	if text != "" {
		t.pause.words = true
	}
	if !t.pause.words {
		return dst
	}
	all := t.pauseText()
	if t.cues.isBackchannel(all) || !hasWords(all) {
		return dst
	}
	dst = append(dst, Decision{Kind: DecisionInterrupt, At: t.now, Onset: t.pause.onset, Text: all})
	t.confirm()
	return dst
}

func (t *TurnDetector) pauseText() string {
	parts := append(append([]string(nil), t.pause.finals...), t.pause.partial)
	return strings.TrimSpace(strings.Join(parts, " "))
}

// confirm ends a pause as an interruption: the pause's words start the
// caller's next turn.
func (t *TurnDetector) confirm() {
	p := t.pause
	t.bot, t.pause = botIdle, pauseState{}
	t.late.pending = false
	t.turn = callerTurn{open: true, start: p.onset, finals: append(t.turn.finals[:0], p.finals...),
		partial: p.partial, finalAt: p.finalAt, finalSeen: p.finalSeen}
	t.reclassify()
}

func (t *TurnDetector) evaluatePause(dst []Decision) []Decision {
	if t.speaking || t.runDur > 0 {
		return dst // the sound goes on
	}
	soundEnd := t.pause.at
	if t.haveQuiet && t.quiet > soundEnd {
		soundEnd = t.quiet
	}
	waited := t.now - soundEnd
	if !t.pause.words {
		if waited >= t.cfg.BargeIn.FalseInterruptionTimeout {
			return t.resume(dst, ResumeFalseInterruption)
		}
		return dst
	}
	covered := t.pause.finalSeen && t.pause.partial == "" && t.pause.finalAt >= soundEnd
	if covered || waited >= max(t.cfg.EndOfTurn.FinalTimeout, 0) {
		return t.resume(dst, ResumeBackchannel)
	}
	return dst
}

func (t *TurnDetector) resume(dst []Decision, why ResumeReason) []Decision {
	dst = append(dst, Decision{Kind: DecisionResume, At: t.now, Onset: t.pause.onset, Text: t.pauseText(), ResumeReason: why})
	t.bot, t.pause, t.bargeDur = botActive, pauseState{}, 0
	return dst
}
