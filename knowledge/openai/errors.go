package openai

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parley-voice/parley/knowledge"
)

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
// Each message says what the operator can do about it.
var (
	// ErrConfig means a configuration value or option out of range; the
	// message names the YAML field. It wraps knowledge.ErrInvalidConfig.
	ErrConfig = fmt.Errorf("knowledge/openai: %w", knowledge.ErrInvalidConfig)
	// ErrAuth means the server rejected the API key (HTTP 401).
	ErrAuth = errors.New("knowledge/openai: the API key was rejected: set OPENAI_API_KEY or knowledge.openai.api_key")
	// ErrForbidden means the key may not use this model or endpoint (HTTP
	// 403).
	ErrForbidden = errors.New("knowledge/openai: the API key may not use this model or endpoint: check the key's permissions or knowledge.openai.model")
	// ErrModel means the server does not have the configured model.
	ErrModel = errors.New("knowledge/openai: model not found: set knowledge.openai.model to an embedding model the server has")
	// ErrEndpoint means the server has no embeddings endpoint at the
	// configured address (HTTP 404 that is not about the model).
	ErrEndpoint = errors.New("knowledge/openai: endpoint not found: set knowledge.openai.base_url to the server's API root (usually ending in /v1)")
	// ErrRateLimited means the server kept answering HTTP 429 until the
	// retries ran out.
	ErrRateLimited = errors.New("knowledge/openai: rate limited: ingest fewer files at once, raise knowledge.openai.retries, or raise the account's limits")
	// ErrQuota means the account has no quota left (HTTP 429
	// insufficient_quota); retrying does not help.
	ErrQuota = errors.New("knowledge/openai: quota exhausted: check the account's plan and billing")
	// ErrBadRequest means the server rejected the request as invalid (HTTP
	// 400, 413, 422...), for example a dimensions field the model does not
	// support: see the server's message.
	ErrBadRequest = errors.New("knowledge/openai: the server rejected the request")
	// ErrUnavailable means the server could not be reached or failed (HTTP
	// 5xx, connection errors) on every attempt.
	ErrUnavailable = errors.New("knowledge/openai: the server is unavailable: check knowledge.openai.base_url and the server's health")
	// ErrTimeout means no attempt got an answer within
	// knowledge.openai.timeout.
	ErrTimeout = errors.New("knowledge/openai: the server did not answer in time: raise knowledge.openai.timeout or lower batch_size")
	// ErrResponse means the server answered with something that is not
	// embeddings of the texts sent: malformed JSON, missing or repeated
	// indexes, vectors of the wrong length or not finite.
	ErrResponse = errors.New("knowledge/openai: the server's answer is not valid embeddings: check base_url, model and dimensions")
)

// APIError is an error answer from the server: the HTTP status and, when
// the body is OpenAI's error JSON, its fields. Unwrap returns the
// sentinel that classifies it (ErrAuth, ErrModel, ErrRateLimited...).
type APIError struct {
	// StatusCode is the HTTP status code.
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
		b.WriteString(": server said: " + e.Message)
	}
	return b.String()
}

// Unwrap returns the sentinel that classifies the error.
func (e *APIError) Unwrap() error { return e.Kind }
