package sphinx

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrModelNotFound means a model file is missing: the acoustic model
	// directory, the language model or the dictionary. The message names
	// the path; install the Debian package pocketsphinx-en-us (make deps
	// does) or point Config.ModelDir / $PARLEY_SPHINX_MODEL at a model.
	ErrModelNotFound = errors.New("sphinx: model not found")
	// ErrEngine means the pocketsphinx library failed: a decoder could not
	// be loaded, or an utterance could not be decoded. Loading failures
	// usually mean damaged model files (reinstall pocketsphinx-en-us).
	ErrEngine = errors.New("sphinx: engine failure")
	// ErrInvalidConfig means a configuration value or option out of range;
	// the message names the YAML field or option and the accepted range.
	ErrInvalidConfig = errors.New("sphinx: invalid configuration")
	// ErrClosed means the Recognizer or the stream was closed, or the
	// stream's context ended.
	ErrClosed = errors.New("sphinx: closed")
	// ErrBadFrame means a frame at a rate other than the one the stream was
	// opened with.
	ErrBadFrame = errors.New("sphinx: frame rate does not match the stream")
	// ErrUnsupportedRate means a stream opened at a rate the package cannot
	// convert to 16 kHz (8, 16, 24 and 48 kHz are supported).
	ErrUnsupportedRate = errors.New("sphinx: unsupported sample rate")
	// ErrUnsupportedLanguage means a stream asked for a language the model
	// does not speak; configure another recognizer for that language.
	ErrUnsupportedLanguage = errors.New("sphinx: unsupported language")
	// ErrGrammar means Hints.Grammar is not a usable JSGF grammar; the
	// message says what is wrong.
	ErrGrammar = errors.New("sphinx: invalid grammar")
	// ErrUnknownWord means a grammar uses words the dictionary lacks; see
	// UnknownWordError.
	ErrUnknownWord = errors.New("sphinx: word not in the dictionary")
	// ErrBusy means no decoder became free within the acquire timeout
	// (Config.AcquireTimeout): raise max_decoders if the host has the
	// memory and CPU, or spread calls over more nodes.
	ErrBusy = errors.New("sphinx: all decoders busy")
)

// UnknownWordError lists the grammar words the dictionary lacks. It wraps
// ErrUnknownWord (and ErrGrammar).
type UnknownWordError struct {
	// Words are the unknown words, in grammar order.
	Words []string
	// Suggestions maps some of them to dictionary spelling: lower case
	// ("Yes": "yes") or a compound written apart ("smartwatch": "smart
	// watch").
	Suggestions map[string]string
}

// Error says which words are unknown and what to do about them.
func (e *UnknownWordError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %s", ErrUnknownWord, strings.Join(e.Words, ", "))
	var tips []string
	for _, w := range e.Words {
		if s, ok := e.Suggestions[w]; ok {
			tips = append(tips, fmt.Sprintf("%q for %q", s, w))
		}
	}
	if len(tips) > 0 {
		fmt.Fprintf(&b, " (write %s)", strings.Join(tips, ", "))
	} else {
		b.WriteString(" (grammar words must be dictionary words, in lower case)")
	}
	return b.String()
}

// Unwrap returns ErrUnknownWord and ErrGrammar.
func (e *UnknownWordError) Unwrap() []error { return []error{ErrUnknownWord, ErrGrammar} }
