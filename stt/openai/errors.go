package openai

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parley-voice/parley/stt"
)

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
// Each message says what the operator can do about it.
var (
	// ErrConfig means a configuration value or option out of range; the
	// message names the YAML field. It wraps stt.ErrInvalidConfig so that
	// configuration errors of every recognizer test alike.
	ErrConfig = fmt.Errorf("stt/openai: %w", stt.ErrInvalidConfig)
	// ErrAuth means the server rejected the API key (HTTP 401).
	ErrAuth = errors.New("stt/openai: the API key was rejected: set OPENAI_API_KEY or stt.openai.api_key")
	// ErrForbidden means the key is valid but may not use this model or
	// endpoint (HTTP 403).
	ErrForbidden = errors.New("stt/openai: the API key may not use this model or endpoint: check the key's project permissions or stt.openai.model")
	// ErrModel means the server does not have the configured model.
	ErrModel = errors.New("stt/openai: model not found: set stt.openai.model to a model the server has")
	// ErrEndpoint means the server has no transcription endpoint at the
	// configured address (HTTP 404 that is not about the model).
	ErrEndpoint = errors.New("stt/openai: endpoint not found: set stt.openai.base_url to the server's API root (usually ending in /v1)")
	// ErrRateLimited means the server kept answering HTTP 429 until the
	// retries ran out; the wrapping *APIError holds the last Retry-After.
	ErrRateLimited = errors.New("stt/openai: rate limited: lower the call volume, raise stt.openai.retries, or raise the account's limits")
	// ErrQuota means the account has no quota left (HTTP 429
	// insufficient_quota); retrying does not help.
	ErrQuota = errors.New("stt/openai: quota exhausted: check the account's plan and billing")
	// ErrBadRequest means the server rejected the request as invalid (HTTP
	// 400, 413, 415, 422...); the wrapping *APIError holds its reason.
	ErrBadRequest = errors.New("stt/openai: the server rejected the request")
	// ErrUnavailable means the server could not be reached or failed (HTTP
	// 5xx, connection errors) on every attempt.
	ErrUnavailable = errors.New("stt/openai: the server is unavailable: check stt.openai.base_url and the server's health")
	// ErrTimeout means an attempt got no answer within stt.openai.timeout
	// on every attempt.
	ErrTimeout = errors.New("stt/openai: the server did not answer in time: raise stt.openai.timeout or check the server's load")
	// ErrResponse means the server answered with a body that is not a
	// transcription (malformed JSON, wrong shape).
	ErrResponse = errors.New("stt/openai: the server's answer is not a valid transcription: check that stt.openai.base_url points to an OpenAI-compatible server")
	// ErrAudio means an utterance that cannot be sent: a sample rate
	// outside 1..384 kHz or more audio than the endpoint accepts.
	ErrAudio = errors.New("stt/openai: unusable utterance audio")
	// ErrClosed means the Transcriber was used after Close.
	ErrClosed = errors.New("stt/openai: transcriber closed")
)

// APIError is an error answer from the server: the HTTP status and, when the
// body is OpenAI's error JSON ({"error":{"message","type","param","code"}}),
// its fields. Unwrap returns the sentinel that classifies it (ErrAuth,
// ErrModel, ErrRateLimited...), so errors.Is works on it.
type APIError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Type, Code and Param are the error body's fields; empty when absent.
	Type, Code, Param string
	// Message is the server's explanation: the error body's message, or
	// the start of a body that is not OpenAI's error JSON.
	Message string
	// RetryAfter is how long the server asked the client to wait
	// (Retry-After or retry-after-ms header); zero when it did not say.
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
		b.WriteString(": server said: " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the sentinel that classifies the error.
func (e *APIError) Unwrap() error { return e.Kind }
