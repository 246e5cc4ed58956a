package audio

import "errors"

// Sentinel errors returned (wrapped) by this package. Test for them with
// errors.Is; the wrapping message says what was wrong and what is accepted.
var (
	// ErrUnsupportedRate means a sample rate the operation cannot handle: for
	// frames, codecs and the jitter buffer anything other than 8, 16, 24 or
	// 48 kHz; for the resampler, a rate outside 1 kHz..384 kHz or a pair of
	// rates whose ratio needs an impractically large filter.
	ErrUnsupportedRate = errors.New("audio: unsupported sample rate")
	// ErrBadFrame means a frame whose length does not fit its rate, or a
	// buffer whose length does not match what the operation expects (for
	// example an Opus frame that is not 20 ms long).
	ErrBadFrame = errors.New("audio: malformed frame")
	// ErrInvalidOption means a functional option was given an out-of-range
	// value; the message names the option and the accepted range.
	ErrInvalidOption = errors.New("audio: invalid option")
	// ErrCodec means the codec library rejected a call, for example a corrupt
	// Opus packet; the wrapped error carries libopus's reason.
	ErrCodec = errors.New("audio: codec error")
	// ErrMalformedWAV means the input is not a well-formed RIFF/WAVE file
	// (bad magic, impossible chunk sizes, missing fmt or data chunk).
	ErrMalformedWAV = errors.New("wav: malformed file")
	// ErrUnsupportedWAV means a well-formed WAV file in an encoding this
	// package does not read; the message says how to convert it.
	ErrUnsupportedWAV = errors.New("wav: unsupported format")
	// ErrWAVTooLarge means a WAV file whose audio exceeds the configured
	// limit when reading, or the 4 GiB RIFF limit when writing.
	ErrWAVTooLarge = errors.New("wav: too large")
	// ErrClosed means the object was used after Close.
	ErrClosed = errors.New("audio: closed")
)
