package speecheval

import "errors"

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrUtterances reports an utterance file that cannot be used: it is
	// missing, is not the intents format (see LoadUtterances), or holds no
	// examples. The message names the file and, for YAML errors, the line.
	ErrUtterances = errors.New("speecheval: bad utterance file")
	// ErrInvalidOption reports an option out of range; the message names
	// the option and the range it accepts.
	ErrInvalidOption = errors.New("speecheval: invalid option")
	// ErrSynthesis reports an utterance a synthesizer could not speak or
	// spoke without words; the message names the utterance and the voice.
	ErrSynthesis = errors.New("speecheval: synthesis failed")
	// ErrRecognition reports a recognizer that failed while an utterance
	// was evaluated (Open, a write, Close, or a transcription); the message
	// names the utterance.
	ErrRecognition = errors.New("speecheval: recognition failed")
	// ErrNoClips reports an evaluation asked to run on no audio.
	ErrNoClips = errors.New("speecheval: no clips to evaluate")
)
