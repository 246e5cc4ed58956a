package openaitest

import "errors"

// ErrBadRequest is the error of a Request the server could not accept (not
// a POST to /v1/chat/completions, a body that is not a chat completion
// request, tool messages that answer no tool call...); the server answered
// it with HTTP 400 and OpenAI's error body, and Request.Err wraps this
// sentinel with the reason. A test that sees it has found a bug in the
// client code it exercises.
var ErrBadRequest = errors.New("openaitest: invalid chat completion request")
