package tts

import "errors"

var (
	// ErrBudget reports a provider that did not produce audio within its
	// time budget; a fallback chain moves on to the next provider.
	ErrBudget = errors.New("tts: provider exceeded its time budget")
	// ErrNoProviders is returned by NewFallback without providers.
	ErrNoProviders = errors.New("tts: a fallback chain needs at least one provider")
	// ErrInvalidConfig reports an option or configuration value out of
	// range.
	ErrInvalidConfig = errors.New("tts: invalid configuration")
	// ErrAllFailed reports that every provider of a chain failed for one
	// request; it wraps the providers' errors.
	ErrAllFailed = errors.New("tts: every speech synthesizer failed")
)
