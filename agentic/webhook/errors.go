package webhook

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors of the package, wrapped (test with errors.Is). Each
// message says what to check.
var (
	// ErrConfig means an invalid tool configuration or option; the
	// message names the YAML field.
	ErrConfig = errors.New("webhook: invalid tool configuration")
	// ErrArguments means arguments that do not fit the tool: not a JSON
	// object, or missing or unusable values for the URL. It reaches the
	// agent inside an *agentic.ToolError, so a model can correct itself.
	ErrArguments = errors.New("webhook: bad arguments")
	// ErrTimeout means the service did not answer within the tool's
	// timeout on any attempt.
	ErrTimeout = errors.New("webhook: the service did not answer in time: check that it is up, or raise the tool's timeout")
	// ErrUnavailable means the service could not be reached (connection
	// refused, DNS failure) on any attempt.
	ErrUnavailable = errors.New("webhook: the service cannot be reached: check the tool's url and that the service is running")
	// ErrResponse means the service answered with something that is not a
	// usable JSON result: not JSON, or larger than max_response_bytes.
	ErrResponse = errors.New("webhook: the service's answer is not a usable JSON result: check that the tool's url points at its JSON API")
)

// StatusError is an HTTP error status from the service. It is the Err of
// the *agentic.ToolError the tool returns for it.
type StatusError struct {
	// Tool is the tool's name.
	Tool string
	// Code is the HTTP status code.
	Code int
	// Message is what the service said: the error body's "error" or
	// "message" field, or the start of the body.
	Message string
}

// Error returns the status and the service's message.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("webhook %s: HTTP %d %s", e.Tool, e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Temporary reports a status worth trying again later (timeouts, rate
// limits and server errors), as opposed to a refusal such as 404 "no order
// 4827163". Agents use it to tell "not found" from "the system is down".
func (e *StatusError) Temporary() bool {
	return e.Code == http.StatusRequestTimeout || e.Code == http.StatusTooManyRequests || e.Code >= 500
}
