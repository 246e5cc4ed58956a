package llm

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
// Respond returns them after speaking the fallback prompt, so that the
// session reports the failure; each message says what the operator can do.
var (
	// ErrConfig means an invalid configuration value or option; see
	// ConfigError.
	ErrConfig = errors.New("agentic/llm: invalid configuration")
	// ErrAuth means the server rejected the API key (HTTP 401) or does not
	// let it use the model (HTTP 403).
	ErrAuth = errors.New("agentic/llm: the API key was rejected: set OPENAI_API_KEY or api_key, and check the key's permissions")
	// ErrModel means the server does not have the configured model.
	ErrModel = errors.New("agentic/llm: model not found: set model to a chat model the server has")
	// ErrEndpoint means the server has no chat endpoint at the configured
	// address (HTTP 404 that is not about the model).
	ErrEndpoint = errors.New("agentic/llm: endpoint not found: set base_url to the server's API root (usually ending in /v1)")
	// ErrRateLimited means the server kept answering HTTP 429 until the
	// retries ran out, or asked for a longer wait than max_backoff.
	ErrRateLimited = errors.New("agentic/llm: rate limited: lower the call volume, raise the account's limits, or raise retries and max_backoff")
	// ErrQuota means the account has no quota left (HTTP 429
	// insufficient_quota); retrying does not help.
	ErrQuota = errors.New("agentic/llm: quota exhausted: check the account's plan and billing")
	// ErrBadRequest means the server refused the request as invalid (HTTP
	// 400, 413, 422...), for example a model without tool support or a
	// context too long for it.
	ErrBadRequest = errors.New("agentic/llm: the server rejected the request: check that model supports tool calls and that max_history fits its context")
	// ErrUnavailable means the server could not be reached, failed (HTTP
	// 5xx), or dropped the stream.
	ErrUnavailable = errors.New("agentic/llm: the model server is unavailable: check base_url and the server's health")
	// ErrTimeout means the model did not start answering (or stalled)
	// within first_token_timeout, or the turn ran past turn_timeout.
	ErrTimeout = errors.New("agentic/llm: the model did not answer in time: check the server's load, or raise first_token_timeout and turn_timeout")
	// ErrResponse means the server's stream is not a chat completion
	// stream.
	ErrResponse = errors.New("agentic/llm: the server's answer is not a valid chat completion stream: check that base_url points to an OpenAI-compatible server")
	// ErrEmptyReply means the model ended its answer without saying
	// anything or calling a tool.
	ErrEmptyReply = errors.New("agentic/llm: the model gave an empty answer: check the system prompt and the model")
	// ErrToolRounds means the model still called tools after
	// max_tool_rounds requests with tools.
	ErrToolRounds = errors.New("agentic/llm: the model kept calling tools: raise max_tool_rounds or make the tool descriptions clearer")
	// ErrToolCalls means the model sent malformed tool calls (arguments
	// that are not JSON, unknown tools) again after being told what was
	// wrong.
	ErrToolCalls = errors.New("agentic/llm: the model keeps sending malformed tool calls: use a model with reliable tool calling")
)

// ConfigError is an invalid configuration value, named by its YAML field.
// It wraps ErrConfig.
type ConfigError struct {
	// Field is the YAML field ("first_token_timeout", "handoff_queues[1]").
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

// APIError is an error answer of the model server: the HTTP status and,
// when the body is OpenAI's error JSON, its fields. Unwrap returns the
// sentinel that classifies it (ErrAuth, ErrModel, ErrRateLimited...).
type APIError struct {
	// StatusCode is the HTTP status code; 0 for an error event mid-stream.
	StatusCode int
	// Type and Code are the error body's fields; empty when absent.
	Type, Code string
	// Message is the server's explanation.
	Message string
	// RetryAfter is how long the server asked the client to wait; zero
	// when it did not say.
	RetryAfter time.Duration
	// Kind is the sentinel that classifies the error.
	Kind error
}

// Error returns the sentinel's advice followed by what the server said.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	fmt.Fprintf(&b, " (HTTP %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else if e.Type != "" {
		b.WriteString(" " + e.Type)
	}
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Unwrap returns the classifying sentinel.
func (e *APIError) Unwrap() error { return e.Kind }
