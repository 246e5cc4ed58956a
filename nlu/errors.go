package nlu

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
// Each message says what the user can do about it.
var (
	// ErrDomain means an intent file that cannot be used: bad YAML, a
	// missing or unknown field, an unknown slot or slot type, duplicate
	// intents or examples. The wrapping *DomainError gives the file, line
	// and field.
	ErrDomain = errors.New("nlu: invalid intent file")
	// ErrConfig means a configuration value or option out of range; the
	// message names the YAML field or option and the accepted range.
	ErrConfig = errors.New("nlu: invalid configuration")
	// ErrLanguage means an utterance in a language none of the parser's
	// domains speaks. Load an intent file for that language (its
	// `language:` field), or parse with a language the parser has.
	ErrLanguage = errors.New("nlu: no intents for this language")
	// ErrUnknownIntent means ParseOptions.Intents names an intent the
	// domain does not have; check the flow against the intent file.
	ErrUnknownIntent = errors.New("nlu: unknown intent")
	// ErrUnknownSlot means ParseOptions.Expect names a slot the domain does
	// not have; check the flow against the intent file.
	ErrUnknownSlot = errors.New("nlu: unknown slot")
	// ErrEvalData means a labelled evaluation file that cannot be read: a
	// line that is not a JSON object with a "text" field. The message gives
	// the line number.
	ErrEvalData = errors.New("nlu: invalid evaluation data")
)

// DomainError is an error in an intent file, with its position. Unwrap
// returns ErrDomain.
type DomainError struct {
	// File is the file name given to LoadDomain or ParseDomain; empty
	// for an unnamed buffer.
	File string
	// Line is the 1-based line of the offending value; 0 when unknown.
	Line int
	// Field is the path of the offending value, for example
	// "intents.order_status.slots[1]".
	Field string
	// Msg says what is wrong and what to do.
	Msg string
}

// Error returns "file:line: field: message", leaving out unknown parts.
func (e *DomainError) Error() string {
	pos := e.File
	if pos == "" {
		pos = "intent file"
	}
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", pos, e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", pos, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", pos, e.Msg)
}

// Unwrap returns ErrDomain.
func (e *DomainError) Unwrap() error { return ErrDomain }
