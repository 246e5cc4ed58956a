package stt

import (
	"errors"
	"fmt"
)

var (
	// ErrGrammar reports a grammar that is not valid JSGF or uses a part
	// of JSGF that Parley does not support (imports). The wrapping
	// *GrammarError says where.
	ErrGrammar = errors.New("stt: invalid grammar")
	// ErrClosed is returned by a stream or recognizer used after Close.
	ErrClosed = errors.New("stt: closed")
	// ErrBudget reports a provider that did not answer within its time
	// budget; a fallback chain moves on to the next provider.
	ErrBudget = errors.New("stt: provider exceeded its time budget")
	// ErrNoProviders is returned by NewFallback without providers.
	ErrNoProviders = errors.New("stt: a fallback chain needs at least one provider")
	// ErrInvalidConfig reports an option or configuration value out of
	// range.
	ErrInvalidConfig = errors.New("stt: invalid configuration")
)

// GrammarError locates a problem in a JSGF grammar.
type GrammarError struct {
	// Line and Col are 1-based.
	Line, Col int
	// Msg says what is wrong.
	Msg string
}

// Error returns "stt: invalid grammar: line L col C: msg".
func (e *GrammarError) Error() string {
	return fmt.Sprintf("%v: line %d col %d: %s", ErrGrammar, e.Line, e.Col, e.Msg)
}

// Unwrap returns ErrGrammar.
func (e *GrammarError) Unwrap() error { return ErrGrammar }
