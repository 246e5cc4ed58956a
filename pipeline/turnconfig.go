package pipeline

import (
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline/vad"
)

// TurnConfig holds every turn-taking threshold. The zero value of a field
// means its default (see DefaultTurnConfig); fields documented as disabled by
// a negative value accept that too. Durations are written in YAML as Go
// durations ("700ms", "1.5s").
type TurnConfig struct {
	// VAD turns per-frame speech probabilities into speech segments (the
	// caller's speech started and stopped events, and the silence that
	// ends a turn) with vad.Segmenter. Zero thresholds and minimum
	// durations take vad.DefaultSegmenterConfig's values; SpeechPad is
	// used as given (DefaultTurnConfig sets the default 60ms). End-of-turn
	// silence is counted from the first silent frame, without the pad.
	VAD vad.SegmenterConfig `yaml:"vad"`
	// EndOfTurn decides when the caller has finished speaking.
	EndOfTurn EndOfTurnConfig `yaml:"end_of_turn"`
	// BargeIn decides when the caller interrupts the bot.
	BargeIn BargeInConfig `yaml:"barge_in"`
	// KeypadTimeout ends a keypad entry (DTMF digits) when no key was
	// pressed for this long. An entry also ends on '#', and as soon as it
	// has Hints.KeypadDigits digits when the agent set that. Default 3s.
	KeypadTimeout time.Duration `yaml:"keypad_timeout"`
}

// EndOfTurnConfig decides when the caller's turn is over.
//
// After the caller stops speaking the detector waits a silence that depends on
// what was said: CompleteSilence after a complete sentence (the recognizer
// ended it with '.', '?' or '!'), ExtendedSilence after a trailing filler
// ("um"), a conjunction or article ("and", "the"), or while digits are being
// read out ("four eight two"), and Silence otherwise. Each extra 100 ms here
// adds 100 ms to every bot answer; too little cuts callers off mid-thought.
type EndOfTurnConfig struct {
	// Silence is the base silence that ends a turn. Default 700ms.
	Silence time.Duration `yaml:"silence"`
	// CompleteSilence ends a turn whose text is a complete sentence.
	// Default 350ms.
	CompleteSilence time.Duration `yaml:"complete_silence"`
	// ExtendedSilence ends a turn that sounds unfinished. Default 1.6s.
	ExtendedSilence time.Duration `yaml:"extended_silence"`
	// FinalTimeout is how long to wait, once the silence is long enough,
	// for the recognizer's final result if it has not arrived. When it
	// expires the turn ends with the latest partial result; if the final
	// then arrives while the bot is still thinking, it replaces the text and
	// the agent is asked again; once the bot is audible a late final only
	// appears in the transcript events. A turn with no words at all is
	// dropped as noise. Default 500ms; negative means do not wait.
	FinalTimeout time.Duration `yaml:"final_timeout"`
	// MaxTurn bounds one caller turn from its first speech: when it is
	// reached the turn ends even while the caller speaks, and that speech
	// does not barge in on the answer. Default 30s; negative disables.
	MaxTurn time.Duration `yaml:"max_turn"`
	// ContinuationWords extend the wait when they end the text, unless the
	// recognizer punctuated a complete sentence. Lower case; nil means the
	// default list, an empty list none.
	ContinuationWords []string `yaml:"continuation_words"`
	// FillerWords extend the wait when they end the text, whatever the
	// punctuation. Lower case; nil means the default list.
	FillerWords []string `yaml:"filler_words"`
	// DigitRun is how many spoken digits in a row at the end of the text
	// mean a number is being read out ("four eight two"); a single token of
	// that many numerals ("482") counts too. Default 3; negative disables.
	DigitRun int `yaml:"digit_run"`
}

// BargeInConfig decides when caller speech interrupts the bot.
//
// Barge-in is two-phase. When the caller has spoken MinSpeech while the bot
// is thinking or speaking, the bot's audio stops at once (within one frame)
// and the transport is flushed: the bot is paused. Recognised words then
// decide: any word that is not a backchannel confirms the interruption (the
// turn context is cancelled and history keeps only what the caller heard); a
// backchannel alone ("uh huh", "okay") resumes the bot; and no words at all
// within FalseInterruptionTimeout of the end of the sound (a cough, a door)
// resumes it too. A resumed bot picks up from the last word boundary the
// caller heard.
type BargeInConfig struct {
	// Disabled turns barge-in off: caller speech while the bot speaks is
	// ignored.
	Disabled bool `yaml:"disabled"`
	// Immediate skips the pause phase: every barge-in cancels the turn at
	// once, so backchannels and noise cut the bot off too.
	Immediate bool `yaml:"immediate"`
	// MinSpeech is how much caller speech (frames at or above
	// VAD.OnsetThreshold, counted until a frame below
	// VAD.OffsetThreshold) interrupts. It is counted on its own, not
	// after VAD.MinSpeech: with a VAD that reacts within 20-40 ms and
	// 20 ms frames, 80 ms keeps the bot's audio stopping within ~150 ms of
	// the true speech onset while ignoring clicks. Default 80ms.
	MinSpeech time.Duration `yaml:"min_speech"`
	// FalseInterruptionTimeout is how long after the interrupting sound
	// ends the detector waits for words before resuming the bot. It should
	// exceed the recognizer's final-result latency. Default 1s.
	FalseInterruptionTimeout time.Duration `yaml:"false_interruption_timeout"`
	// Backchannels are utterances that signal "go on" rather than a wish
	// to speak. Lower case, one or more words each; nil means the default
	// list. An interruption whose words are all backchannels or
	// EndOfTurn.FillerWords ("um yeah") resumes the bot; one other word
	// confirms it. The default leaves out "yes", "no" and "sure": while the
	// bot speaks they usually answer the question it is asking, so they
	// interrupt.
	Backchannels []string `yaml:"backchannels"`
}

// The default turn-taking word lists; each call returns a fresh slice.
func defaultContinuation() []string {
	return []string{"and", "but", "so", "or", "because", "then", "with", "to", "the", "a", "an", "my", "of", "for", "like"}
}

func defaultFillers() []string {
	return []string{"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm"}
}

func defaultBackchannels() []string {
	return []string{"uh huh", "uh-huh", "mm hmm", "mm-hmm", "mhm", "mm", "mmm", "hmm", "yeah", "yep", "okay", "ok", "right", "alright", "all right", "i see", "got it"}
}

// DefaultTurnConfig returns the default turn-taking thresholds, with copies of
// the default word lists.
func DefaultTurnConfig() TurnConfig {
	return TurnConfig{
		VAD: vad.DefaultSegmenterConfig(),
		EndOfTurn: EndOfTurnConfig{
			Silence:           700 * time.Millisecond,
			CompleteSilence:   350 * time.Millisecond,
			ExtendedSilence:   1600 * time.Millisecond,
			FinalTimeout:      500 * time.Millisecond,
			MaxTurn:           30 * time.Second,
			ContinuationWords: defaultContinuation(),
			FillerWords:       defaultFillers(),
			DigitRun:          3,
		},
		BargeIn: BargeInConfig{
			MinSpeech:                80 * time.Millisecond,
			FalseInterruptionTimeout: time.Second,
			Backchannels:             defaultBackchannels(),
		},
		KeypadTimeout: 3 * time.Second,
	}
}

// WithDefaults returns c with every zero field set to its default.
func (c TurnConfig) WithDefaults() TurnConfig {
	d := DefaultTurnConfig()
	setF32(&c.VAD.OnsetThreshold, d.VAD.OnsetThreshold)
	setF32(&c.VAD.OffsetThreshold, d.VAD.OffsetThreshold)
	setDur(&c.VAD.MinSpeech, d.VAD.MinSpeech)
	setDur(&c.VAD.MinSilence, d.VAD.MinSilence)
	e := &c.EndOfTurn
	setDur(&e.Silence, d.EndOfTurn.Silence)
	setDur(&e.CompleteSilence, d.EndOfTurn.CompleteSilence)
	setDur(&e.ExtendedSilence, d.EndOfTurn.ExtendedSilence)
	setDur(&e.FinalTimeout, d.EndOfTurn.FinalTimeout)
	setDur(&e.MaxTurn, d.EndOfTurn.MaxTurn)
	if e.ContinuationWords == nil {
		e.ContinuationWords = d.EndOfTurn.ContinuationWords
	}
	if e.FillerWords == nil {
		e.FillerWords = d.EndOfTurn.FillerWords
	}
	if e.DigitRun == 0 {
		e.DigitRun = d.EndOfTurn.DigitRun
	}
	setDur(&c.BargeIn.MinSpeech, d.BargeIn.MinSpeech)
	setDur(&c.BargeIn.FalseInterruptionTimeout, d.BargeIn.FalseInterruptionTimeout)
	if c.BargeIn.Backchannels == nil {
		c.BargeIn.Backchannels = d.BargeIn.Backchannels
	}
	setDur(&c.KeypadTimeout, d.KeypadTimeout)
	return c
}

func setDur(p *time.Duration, def time.Duration) {
	if *p == 0 {
		*p = def
	}
}

func setF32(p *float32, def float32) {
	if *p == 0 {
		*p = def
	}
}

// Validate reports the first out-of-range field of c (after defaults are
// applied) as an ErrInvalidConfig error naming the field.
func (c TurnConfig) Validate() error {
	c = c.WithDefaults()
	v, e, b := c.VAD, c.EndOfTurn, c.BargeIn
	if err := v.Validate(); err != nil {
		return fmt.Errorf("%w: turn.vad: %w", ErrInvalidConfig, err)
	}
	switch {
	case v.MinSpeech > 2*time.Second:
		return invalid("turn.vad.min_speech", "in [0, 2s]", v.MinSpeech)
	case v.MinSilence > 5*time.Second:
		return invalid("turn.vad.min_silence", "in [0, 5s]", v.MinSilence)
	case v.SpeechPad > time.Second:
		return invalid("turn.vad.speech_pad", "in [0, 1s]", v.SpeechPad)
	case e.Silence < 0 || e.Silence > 10*time.Second:
		return invalid("turn.end_of_turn.silence", "in [0, 10s]", e.Silence)
	case e.CompleteSilence < 0 || e.CompleteSilence > e.Silence:
		return invalid("turn.end_of_turn.complete_silence", "in [0, silence]", e.CompleteSilence)
	case e.ExtendedSilence < e.Silence || e.ExtendedSilence > 30*time.Second:
		return invalid("turn.end_of_turn.extended_silence", "in [silence, 30s]", e.ExtendedSilence)
	case e.FinalTimeout > 10*time.Second:
		return invalid("turn.end_of_turn.final_timeout", "at most 10s (negative: do not wait)", e.FinalTimeout)
	case e.MaxTurn > 0 && e.MaxTurn < time.Second:
		return invalid("turn.end_of_turn.max_turn", "at least 1s (negative: unlimited)", e.MaxTurn)
	case b.MinSpeech < 0 || b.MinSpeech > 2*time.Second:
		return invalid("turn.barge_in.min_speech", "in [0, 2s]", b.MinSpeech)
	case b.FalseInterruptionTimeout < 0 || b.FalseInterruptionTimeout > 30*time.Second:
		return invalid("turn.barge_in.false_interruption_timeout", "in [0, 30s]", b.FalseInterruptionTimeout)
	case c.KeypadTimeout < 200*time.Millisecond || c.KeypadTimeout > 30*time.Second:
		return invalid("turn.keypad_timeout", "in [200ms, 30s]", c.KeypadTimeout)
	}
	return nil
}

func invalid(field, want string, got any) error {
	return fmt.Errorf("%w: %s must be %s, got %v", ErrInvalidConfig, field, want, got)
}
