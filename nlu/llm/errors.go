package llmnlu

import (
	"errors"
	"fmt"
)

// Sentinel errors of this package (test with errors.Is). Parse does not
// return the model errors: it falls back to the local parser and logs
// them wrapped in these, with what the operator can do.
var (
	// ErrConfig means an invalid configuration value or option; see
	// ConfigError.
	ErrConfig = errors.New("nlu/llm: invalid configuration")
	// ErrTimeout means the model did not answer within nlu.llm.timeout:
	// check the server's load or raise the timeout.
	ErrTimeout = errors.New("nlu/llm: the model did not answer in time")
	// ErrUnavailable means the model server failed or could not be
	// reached: check base_url, api_key, model and the server's health.
	ErrUnavailable = errors.New("nlu/llm: the model server failed")
	// ErrOutput means the model's answer is not a classification (no
	// tool call, malformed JSON): use a model with reliable tool calls,
	// or mode json.
	ErrOutput = errors.New("nlu/llm: the model's answer is not a valid classification")
)

// ConfigError is an invalid configuration value, named by its YAML field.
// It wraps ErrConfig.
type ConfigError struct {
	// Field is the YAML field ("timeout").
	Field string
	// Problem says what is wrong and what is expected.
	Problem string
}

// Error returns "field: problem".
func (e *ConfigError) Error() string { return e.Field + ": " + e.Problem }

// Unwrap returns ErrConfig.
func (e *ConfigError) Unwrap() error { return ErrConfig }

// configErr returns a *ConfigError for field.
func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...)}
}
