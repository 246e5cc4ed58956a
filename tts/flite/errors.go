package flite

import "errors"

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrUnknownVoice means a voice name that is not one of the built-in
	// voices; the message lists them.
	ErrUnknownVoice = errors.New("flite: unknown voice")
	// ErrUnsupportedLanguage means a request for a language other than
	// English: the flite voices speak only English. Configure tts/espeak
	// for other languages.
	ErrUnsupportedLanguage = errors.New("flite: the flite voices speak only English")
	// ErrUnsupportedRate means a request for a sample rate other than 8,
	// 16, 24 or 48 kHz.
	ErrUnsupportedRate = errors.New("flite: unsupported sample rate")
	// ErrUnspeakable means text whose letters or digits are all in scripts
	// the English voices cannot read (Chinese, Cyrillic, ...); nothing was
	// spoken. Route such text to tts/espeak.
	ErrUnspeakable = errors.New("flite: no English text to speak")
	// ErrSynthesis means flite failed to synthesize a clause.
	ErrSynthesis = errors.New("flite: synthesis failed")
	// ErrClosed means the Synthesizer was closed.
	ErrClosed = errors.New("flite: synthesizer closed")
	// ErrInvalidConfig means a configuration value or option out of range;
	// the message names the field and the accepted range.
	ErrInvalidConfig = errors.New("flite: invalid configuration")
)

// errStopped ends a clause that was cancelled or interrupted by Close; the
// caller reports the context's error or ErrClosed instead.
var errStopped = errors.New("flite: clause stopped")
