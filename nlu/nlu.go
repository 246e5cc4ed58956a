// Package nlu understands what a caller said: which of a domain's intents an
// utterance expresses, how sure that is, and the slot values and entities it
// carries, normalized ("four eight two seven one six three" is order number
// 4827163, "forty two fifty" is 42.50).
//
// This file is the contract. A Domain is loaded from the intent files of the
// reference format (see examples/retail); a Parser turns text into a Result.
// The local parser (New) trains at load time in pure Go and needs no model;
// subpackage nlu/llm classifies with any OpenAI-compatible chat endpoint and
// falls back to the local parser.
package nlu

import (
	"context"
	"time"
)

// NoIntent is the Intent of a Result that matches none of the domain's
// intents well enough (its confidence is below the parser's threshold).
const NoIntent = "none"

// Parser understands caller utterances. Implementations are safe for
// concurrent use by many calls.
type Parser interface {
	// Parse understands text, one caller turn as a recognizer returns it.
	// It returns ctx.Err() once ctx is done; local parsers never block.
	Parse(ctx context.Context, text string, opts ParseOptions) (Result, error)
}

// ParseOptions is what the dialogue knows when it asks the parser.
type ParseOptions struct {
	// Language is the utterance's language tag ("en", "zh"); empty means
	// the domain's language.
	Language string
	// Expect names the slots the dialogue has just asked for, most wanted
	// first. A bare answer ("four eight two seven one six three", "the
	// vermont store") fills an expected slot even when it expresses no
	// intent of its own.
	Expect []string
	// Intents, when not empty, restricts classification to these intents
	// (for example affirm and deny after a confirmation question).
	Intents []string
	// Now anchors relative dates and times ("tomorrow", "next tuesday");
	// zero means the parser's clock.
	Now time.Time
}

// Result is what the parser understood of one utterance. Its JSON form is
// the output of `parley nlu parse --json`.
type Result struct {
	// Text is the utterance as given.
	Text string `json:"text"`
	// Language is the language the utterance was understood in.
	Language string `json:"language,omitempty"`
	// Intent is the best intent's name, or NoIntent.
	Intent string `json:"intent"`
	// Confidence of Intent, in [0, 1]; for NoIntent, the best intent's.
	Confidence float64 `json:"confidence"`
	// Slots maps slot names of the domain to their normalized values
	// (digits "4827163", money "42.50", enum values, lowercase text). Never
	// nil.
	Slots map[string]string `json:"slots"`
	// Entities are the typed values found in the text, whether or not a
	// slot took them, in order of position.
	Entities []Entity `json:"entities,omitempty"`
	// Ranking lists the best intents, most likely first (at most five),
	// including Intent.
	Ranking []IntentScore `json:"ranking,omitempty"`
	// Source names what classified the utterance: "local" or "llm".
	Source string `json:"source,omitempty"`
}

// IntentScore is one intent's confidence for an utterance.
type IntentScore struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Entity types found by the extractors.
const (
	EntityNumber  = "number"  // a cardinal: "twenty five" -> "25"
	EntityDigits  = "digits"  // digits read one by one: "four eight two" -> "482"
	EntityMoney   = "money"   // dollars with two decimals: "forty two fifty" -> "42.50"
	EntityDate    = "date"    // an ISO date: "next tuesday" -> "2026-12-01"
	EntityTime    = "time"    // a time of day, 24 h: "half past six pm" -> "18:30"
	EntityPhone   = "phone"   // a phone number's digits: "five five five ..." -> "5550134"
	EntityEmail   = "email"   // "j doe at example dot com" -> "jdoe@example.com"
	EntityYesNo   = "yes_no"  // "yes" or "no"
	EntityOrdinal = "ordinal" // "the fifth" -> "5"
)

// Entity is a typed value found in an utterance.
type Entity struct {
	// Type is one of the Entity constants.
	Type string `json:"type"`
	// Value is the normalized value.
	Value string `json:"value"`
	// Text is the words it was read from.
	Text string `json:"text"`
	// Start and End are byte offsets of Text in the utterance.
	Start int `json:"start"`
	End   int `json:"end"`
}

// Domain is what callers of one line can ask and tell: its intents with
// example utterances and the slots they carry, in one language. It is read
// from an intent file (LoadDomain) and is not modified afterwards.
type Domain struct {
	// Language is the domain's language tag ("en", "zh").
	Language string
	// Intents in file order.
	Intents []Intent
	// Slots by name.
	Slots map[string]Slot
	// File is the file the domain was read from, for messages; empty when
	// parsed from memory.
	File string
}

// Intent is one thing a caller can want.
type Intent struct {
	// Name is the intent's identifier ("order_status").
	Name string
	// Description says in one line what the intent covers; LLM
	// classification and prompts use it.
	Description string
	// Examples are caller utterances as a recognizer returns them.
	Examples []string
	// Slots names the slots this intent can carry.
	Slots []string
}

// Slot types of the intent file format.
const (
	SlotDigits = "digits" // a digit string; MinLength and MaxLength bound it
	SlotEmail  = "email"  // an e-mail address, lowercase
	SlotMoney  = "money"  // dollars with two decimals
	SlotEnum   = "enum"   // one of Values
	SlotText   = "text"   // the words as spoken, lowercase
)

// Slot is a piece of information an intent can carry.
type Slot struct {
	// Name is the slot's identifier ("order_number").
	Name string
	// Type is one of the Slot constants.
	Type string
	// Description says how spoken forms map to values.
	Description string
	// MinLength and MaxLength bound a digits slot's length; 0 when unset.
	MinLength, MaxLength int
	// Values are the allowed values of an enum slot.
	Values []string
	// Synonyms maps a value to spoken forms that mean it ("xl": ["extra
	// large"], "burlington": ["vermont", "the vermont store"]).
	Synonyms map[string][]string
}

// Intent returns the domain's intent called name.
func (d *Domain) Intent(name string) (Intent, bool) {
	for _, in := range d.Intents {
		if in.Name == name {
			return in, true
		}
	}
	return Intent{}, false
}
