package openaitest

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// Reply scripts the server's answer to one request. The zero Reply is an
// empty assistant message that finishes with "stop".
//
// A Reply with Status set (>= 400) is an error answer: the status, Header,
// and OpenAI's error body built from Error (or RawBody verbatim). Otherwise
// it is a completion: Content or Pieces, then ToolCalls, streamed or not as
// the request asked.
//
// Faults apply to both kinds: Stall holds the reply until Release is
// closed, the client goes away or the server closes; Disconnect drops the
// connection without finishing the response.
type Reply struct {
	// Content is the assistant's text. When streamed it is split into
	// pieces of one word each (with the space before it), like tokens.
	Content string
	// Pieces, when not nil, are the streamed content deltas in order; the
	// message's content is their concatenation and Content is ignored.
	Pieces []string
	// ToolCalls are the tool calls the assistant makes after its content.
	ToolCalls []ToolCall
	// FinishReason overrides the finish reason; default "tool_calls" when
	// ToolCalls is not empty, else "stop".
	FinishReason string
	// Usage overrides the token counts; by default they are estimated at
	// four bytes a token.
	Usage *Usage

	// Status, when >= 400, makes the reply an HTTP error with this status.
	Status int
	// Error is the error body's content; nil gives a message of the
	// status's usual kind (see ErrorReply).
	Error *APIError
	// RawBody, when not empty, is sent as the error body instead of JSON.
	RawBody string
	// Header holds extra response headers (Retry-After, x-should-retry,
	// x-request-id...), for errors and completions alike.
	Header http.Header

	// StreamError, when not nil, is sent on a streaming reply after the
	// content and tool-call events, as OpenAI reports a failure mid-stream
	// (data: {"error": {...}}); the finish event and [DONE] are not sent.
	StreamError *APIError

	// Stall holds the reply: before anything is sent when StallAfter is
	// 0, else after StallAfter events of a streaming reply (for a
	// non-streaming reply, after the headers). Error replies stall before
	// anything is sent. The reply resumes when
	// Release is closed (nil: never) and ends when the client goes away
	// or the server closes.
	Stall bool
	// StallAfter counts the events sent before the stall.
	StallAfter int
	// Release, when closed, ends the stall.
	Release <-chan struct{}

	// Disconnect drops the connection after DisconnectAfter events of a
	// streaming reply (0: before any), or halfway through the body of a
	// non-streaming one, without ending the response properly: the client
	// sees an unexpected EOF.
	Disconnect bool
	// DisconnectAfter counts the events sent before the disconnect.
	DisconnectAfter int
}

// ToolCall is a tool call in a reply or in a request's assistant message.
type ToolCall struct {
	// ID is the call's identifier; empty in a reply means one is made up
	// ("call_" and a number).
	ID string `json:"id"`
	// Name is the function's name.
	Name string `json:"name"`
	// Arguments is the JSON text of the arguments, sent as is: a test may
	// script malformed JSON.
	Arguments string `json:"arguments"`
	// Fragments is how many deltas a streamed reply splits Arguments into
	// (after the first delta, which carries the id and name and empty
	// arguments); 0 means 3. Ignored in requests.
	Fragments int `json:"-"`
}

// APIError is the content of OpenAI's error body,
// {"error": {"message", "type", "param", "code"}}.
type APIError struct {
	// Message explains the error.
	Message string `json:"message"`
	// Type classifies it ("invalid_request_error", "server_error",
	// "requests", "insufficient_quota").
	Type string `json:"type"`
	// Param names the request parameter at fault; empty sends null.
	Param string `json:"-"`
	// Code is a machine-readable code ("model_not_found",
	// "rate_limit_exceeded"); empty sends null.
	Code string `json:"-"`
}

// Usage is a completion's token counts.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Text returns a reply with content, streamed word by word.
func Text(content string) Reply { return Reply{Content: content} }

// Stream returns a reply whose content is streamed in exactly these pieces.
func Stream(pieces ...string) Reply {
	return Reply{Pieces: append([]string{}, pieces...)}
}

// Calls returns a reply that makes tool calls, after content (which may be
// empty).
func Calls(content string, calls ...ToolCall) Reply {
	return Reply{Content: content, ToolCalls: append([]ToolCall(nil), calls...)}
}

// Call returns a tool call of name with the given JSON arguments text.
func Call(name, arguments string) ToolCall {
	return ToolCall{Name: name, Arguments: arguments}
}

// ErrorReply returns an HTTP error reply with OpenAI's error body; an empty
// message gives the usual one for the status:
//
//	400 invalid_request_error, 401 invalid_api_key, 403 unsupported_country_region_territory,
//	404 model_not_found, 429 rate_limit_exceeded, 5xx server_error.
func ErrorReply(status int, message string) Reply {
	e := defaultError(status)
	if message != "" {
		e.Message = message
	}
	return Reply{Status: status, Error: &e}
}

// RateLimited returns an HTTP 429 reply with a Retry-After header (seconds
// or an HTTP date; empty sends none).
func RateLimited(retryAfter string) Reply {
	r := ErrorReply(http.StatusTooManyRequests, "")
	if retryAfter != "" {
		r.Header = http.Header{"Retry-After": {retryAfter}}
	}
	return r
}

// Stalled returns a reply that sends nothing until release is closed (nil:
// until the client goes away), then content.
func Stalled(release <-chan struct{}, content string) Reply {
	return Reply{Content: content, Stall: true, Release: release}
}

// defaultError returns the error body OpenAI sends for status.
func defaultError(status int) APIError {
	switch {
	case status == http.StatusUnauthorized:
		return APIError{Message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", Type: "invalid_request_error", Code: "invalid_api_key"}
	case status == http.StatusForbidden:
		return APIError{Message: "Country, region, or territory not supported", Type: "request_forbidden", Code: "unsupported_country_region_territory"}
	case status == http.StatusNotFound:
		return APIError{Message: "The model does not exist or you do not have access to it.", Type: "invalid_request_error", Code: "model_not_found", Param: "model"}
	case status == http.StatusTooManyRequests:
		return APIError{Message: "Rate limit reached for requests. Please try again in 1s.", Type: "requests", Code: "rate_limit_exceeded"}
	case status >= 500:
		return APIError{Message: "The server had an error while processing your request. Sorry about that!", Type: "server_error"}
	default:
		return APIError{Message: http.StatusText(status), Type: "invalid_request_error"}
	}
}

// content returns the reply's full content.
func (r Reply) content() string {
	if r.Pieces != nil {
		return strings.Join(r.Pieces, "")
	}
	return r.Content
}

// pieces returns the streamed content deltas.
func (r Reply) pieces() []string {
	if r.Pieces != nil {
		return r.Pieces
	}
	var out []string
	start := 0
	for i := 1; i < len(r.Content); i++ {
		if r.Content[i] == ' ' && r.Content[i-1] != ' ' {
			out = append(out, r.Content[start:i])
			start = i
		}
	}
	if start < len(r.Content) {
		out = append(out, r.Content[start:])
	}
	return out
}

// finishReason returns the reply's finish reason.
func (r Reply) finishReason() string {
	switch {
	case r.FinishReason != "":
		return r.FinishReason
	case len(r.ToolCalls) > 0:
		return "tool_calls"
	default:
		return "stop"
	}
}

// fragments splits a tool call's arguments into its streamed fragments.
func (c ToolCall) fragments() []string {
	n := c.Fragments
	if n <= 0 {
		n = 3
	}
	args := c.Arguments
	if args == "" {
		return nil
	}
	n = min(n, len(args))
	out := make([]string, 0, n)
	size := (len(args) + n - 1) / n
	for len(args) > 0 {
		k := min(size, len(args))
		for k < len(args) && !utf8.RuneStart(args[k]) {
			k++ // a fragment is a JSON string: keep runes whole
		}
		out = append(out, args[:k])
		args = args[k:]
	}
	return out
}
