// Package openaitest is an in-process OpenAI-compatible chat server for
// tests: POST /v1/chat/completions answered from a script, on the real wire
// format.
//
// A test starts a Server, queues Replies (text, streamed pieces, tool calls
// with their arguments split into fragments, error statuses with OpenAI's
// error body and Retry-After, stalls, mid-stream disconnects) and points an
// OpenAI client at Server.URL with Server.Client. Each request takes the
// next queued reply; when the queue is empty the server answers with the
// default reply (SetDefault) or, without one, HTTP 500 naming the request,
// so an unexpected request fails the test loudly. The server records every
// request as it understood it (Request: model, messages, tools,
// tool_choice, temperature...) and which requests the client abandoned
// before their reply was complete (Aborted), so a test can check that a
// cancelled context really closed the HTTP request.
//
// Streaming replies (request "stream": true) are sent as server-sent events
// the way OpenAI sends them:
//
//	data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}], ...}
//	data: {"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}], ...}
//	data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"kb_search","arguments":""}}]},...}], ...}
//	data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"query\":"}}]},...}], ...}
//	data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}], ...}
//	data: {"choices":[],"usage":{...}, ...}          (only with stream_options.include_usage)
//	data: [DONE]
//
// Each "data:" line is one event; Reply.StallAfter and Reply.DisconnectAfter
// count them. Non-streaming requests get one chat.completion JSON object.
//
// A Server is safe for concurrent use by the test and the code under test;
// Close is idempotent and releases every stalled reply.
package openaitest
