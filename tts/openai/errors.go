package openai

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parley-voice/parley/tts"
)

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
// Each message says what the operator can do about it.
var (
	// ErrConfig means a configuration value or option out of range; the
	// message names the YAML field.
	ErrConfig = fmt.Errorf("tts/openai: %w", tts.ErrInvalidConfig)
	// ErrAuth means the server rejected the API key (HTTP 401).
	ErrAuth = errors.New("tts/openai: the API key was rejected: set OPENAI_API_KEY or tts.openai.api_key")
	// ErrForbidden means the key is valid but may not use this model or
	// endpoint (HTTP 403).
	ErrForbidden = errors.New("tts/openai: the API key may not use this model or endpoint: check the key's project permissions or tts.openai.model")
	// ErrModel means the server does not have the configured model.
	ErrModel = errors.New("tts/openai: model not found: set tts.openai.model to a model the server has")
	// ErrVoice means the server does not have the requested voice.
	ErrVoice = errors.New("tts/openai: voice not found: set tts.openai.voice (or the call's voice) to a voice the server has")
	// ErrEndpoint means the server has no speech endpoint at the
	// configured address (HTTP 404 that is not about the model).
	ErrEndpoint = errors.New("tts/openai: endpoint not found: set tts.openai.base_url to the server's API root (usually ending in /v1)")
	// ErrRateLimited means the server kept answering HTTP 429 until the
	// retries ran out.
	ErrRateLimited = errors.New("tts/openai: rate limited: lower the call volume, raise tts.openai.retries, or raise the account's limits")
	// ErrQuota means the account has no quota left (HTTP 429
	// insufficient_quota); retrying does not help.
	ErrQuota = errors.New("tts/openai: quota exhausted: check the account's plan and billing")
	// ErrBadRequest means the server rejected the request as invalid; the
	// wrapping *APIError holds its reason.
	ErrBadRequest = errors.New("tts/openai: the server rejected the request")
	// ErrUnavailable means the server could not be reached or failed (HTTP
	// 5xx, connection errors) on every attempt.
	ErrUnavailable = errors.New("tts/openai: the server is unavailable: check tts.openai.base_url and the server's health")
	// ErrTimeout means no audio arrived within tts.openai.timeout: before
	// the first byte on every attempt, or in the middle of the stream.
	ErrTimeout = errors.New("tts/openai: the server sent no audio in time: raise tts.openai.timeout or check the server's load")
	// ErrFormat means the server answered with audio this package cannot
	// stream (MP3, Opus, a WAV that is not 16-bit mono) instead of raw PCM.
	ErrFormat = errors.New("tts/openai: the server did not send 16-bit PCM: use a server that supports response_format pcm (or 16-bit mono wav)")
	// ErrResponse means the server answered 200 without audio (an empty
	// body, or JSON or text instead of audio).
	ErrResponse = errors.New("tts/openai: the server's answer holds no audio: check that tts.openai.base_url points to an OpenAI-compatible speech server")
	// ErrStream means the audio stream broke after the first audio was
	// handed on; it is not retried (a fallback chain above may take over).
	ErrStream = errors.New("tts/openai: the audio stream broke off")
	// ErrText means text the endpoint does not take: longer than 4096
	// characters.
	ErrText = errors.New("tts/openai: text too long for one request: split it into sentences")
	// ErrClosed means the Synthesizer was used after Close.
	ErrClosed = errors.New("tts/openai: synthesizer closed")
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
