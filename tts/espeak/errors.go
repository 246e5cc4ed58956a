package espeak

import "errors"

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrDataNotFound means espeak-ng's data (the espeak-ng-data directory
	// with its phoneme tables, dictionaries and voices) is missing: run
	// `make deps` (it installs Debian's espeak-ng-data) or point
	// tts.espeak.data_path at a copy.
	ErrDataNotFound = errors.New("espeak: espeak-ng-data not found")
	// ErrDataPathConflict means a second data path was configured in a
	// process that already initialized espeak-ng with another one:
	// espeak-ng has one data path per process.
	ErrDataPathConflict = errors.New("espeak: espeak-ng is already initialized with another data path")
	// ErrEngine means espeak-ng failed to initialize or to synthesize; the
	// message carries espeak-ng's own description.
	ErrEngine = errors.New("espeak: espeak-ng failed")
	// ErrUnknownVoice means a voice name that espeak-ng does not have; the
	// message lists some of the voices it has.
	ErrUnknownVoice = errors.New("espeak: unknown voice")
	// ErrUnsupportedLanguage means a request for a language that no
	// espeak-ng voice speaks.
	ErrUnsupportedLanguage = errors.New("espeak: no voice for the language")
	// ErrUnsupportedRate means a request for a sample rate other than 8,
	// 16, 24 or 48 kHz.
	ErrUnsupportedRate = errors.New("espeak: unsupported sample rate")
	// ErrClosed means the Synthesizer was closed.
	ErrClosed = errors.New("espeak: synthesizer closed")
	// ErrInvalidConfig means a configuration value or option out of range;
	// the message names the field and the accepted range.
	ErrInvalidConfig = errors.New("espeak: invalid configuration")
)

// errStopped ends a clause that was cancelled or interrupted by Close; the
// caller reports the context's error or ErrClosed instead.
var errStopped = errors.New("espeak: clause stopped")
