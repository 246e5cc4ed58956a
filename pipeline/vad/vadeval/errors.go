package vadeval

import "errors"

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrNoSynthesizer means neither flite nor espeak-ng is installed, or
	// none of the selected voices can be synthesised; `make deps` installs
	// both.
	ErrNoSynthesizer = errors.New("vadeval: no speech synthesizer found (install flite and espeak-ng: make deps)")
	// ErrSynthesis means a synthesizer failed or produced audio that could
	// not be read; the message has its output.
	ErrSynthesis = errors.New("vadeval: speech synthesis failed")
)
