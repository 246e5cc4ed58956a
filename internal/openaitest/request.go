package openaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Request is one request as the server understood it.
type Request struct {
	// N numbers the server's requests from 1.
	N int
	// Method and Path are the HTTP method and URL path.
	Method, Path string
	// Header is the request's header (Authorization, Accept...).
	Header http.Header
	// Body is the raw request body.
	Body []byte
	// Model is the requested model.
	Model string
	// Messages are the chat messages, in order.
	Messages []Message
	// Tools are the function tools offered.
	Tools []Tool
	// ToolChoice is the raw tool_choice ("auto", "none", "required" or an
	// object naming a function); nil when absent.
	ToolChoice json.RawMessage
	// Temperature is nil when the request did not set it.
	Temperature *float64
	// MaxTokens and MaxCompletionTokens are 0 when absent.
	MaxTokens, MaxCompletionTokens int
	// Stream reports a streaming request; IncludeUsage its
	// stream_options.include_usage.
	Stream, IncludeUsage bool
	// ResponseFormat is the raw response_format; nil when absent.
	ResponseFormat json.RawMessage
	// Err, when not nil, is why the request was refused with HTTP 400; it
	// wraps ErrBadRequest.
	Err error
}

// Message is one chat message of a request.
type Message struct {
	// Role is "system", "developer", "user", "assistant" or "tool".
	Role string
	// Content is the text; for content given as parts, the text parts
	// joined.
	Content string
	// Name is the optional participant name.
	Name string
	// ToolCalls are an assistant message's tool calls.
	ToolCalls []ToolCall
	// ToolCallID is the call a tool message answers.
	ToolCallID string
}

// Tool is a function tool offered in a request.
type Tool struct {
	// Name, Description and Parameters are the function's.
	Name, Description string
	Parameters        json.RawMessage
}

// ToolChoiceString returns tool_choice when it is a string ("auto", "none",
// "required"), or the function's name when it is an object naming one;
// empty when absent.
func (r Request) ToolChoiceString() string {
	var s string
	if json.Unmarshal(r.ToolChoice, &s) == nil {
		return s
	}
	var obj struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(r.ToolChoice, &obj) == nil {
		return obj.Function.Name
	}
	return ""
}

// LastMessage returns the request's last message; the zero Message when it
// has none.
func (r Request) LastMessage() Message {
	if len(r.Messages) == 0 {
		return Message{}
	}
	return r.Messages[len(r.Messages)-1]
}

// wireRequest is the JSON of a chat completion request.
type wireRequest struct {
	Model               string          `json:"model"`
	Messages            []wireMessage   `json:"messages"`
	Tools               []wireTool      `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	Temperature         *float64        `json:"temperature"`
	MaxTokens           int             `json:"max_tokens"`
	MaxCompletionTokens int             `json:"max_completion_tokens"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	ResponseFormat json.RawMessage `json:"response_format"`
}

type wireMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCalls  []wireToolCall  `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

type wireToolCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type wireTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

// parseRequest reads the request's body into a Request numbered n; Err says
// what is wrong with a request the server refuses.
func parseRequest(r *http.Request, body []byte, n int) Request {
	req := Request{N: n, Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		req.Err = fmt.Errorf("%w: unexpected %s %s (want POST /v1/chat/completions)", ErrBadRequest, r.Method, r.URL.Path)
		return req
	}
	var w wireRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		req.Err = fmt.Errorf("%w: the body is not a chat completion request: %w", ErrBadRequest, err)
		return req
	}
	req.Model, req.ToolChoice, req.Temperature = w.Model, nullable(w.ToolChoice), w.Temperature
	req.MaxTokens, req.MaxCompletionTokens, req.Stream = w.MaxTokens, w.MaxCompletionTokens, w.Stream
	req.IncludeUsage = w.StreamOptions != nil && w.StreamOptions.IncludeUsage
	req.ResponseFormat = nullable(w.ResponseFormat)
	for _, t := range w.Tools {
		req.Tools = append(req.Tools, Tool{Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters})
	}
	for i, m := range w.Messages {
		msg, err := m.message()
		if err != nil {
			req.Err = fmt.Errorf("%w: messages[%d]: %w", ErrBadRequest, i, err)
			return req
		}
		req.Messages = append(req.Messages, msg)
	}
	req.Err = validate(req, w.Tools)
	return req
}

// nullable returns nil for an absent or null raw value.
func nullable(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// message converts a wire message, reading content given as a string or
// as parts.
func (m wireMessage) message() (Message, error) {
	msg := Message{Role: m.Role, Name: m.Name, ToolCallID: m.ToolCallID}
	if c := nullable(m.Content); c != nil {
		if err := json.Unmarshal(c, &msg.Content); err != nil {
			var parts []struct {
				Type, Text string
			}
			if err := json.Unmarshal(c, &parts); err != nil {
				return msg, fmt.Errorf("content is neither a string nor an array of parts")
			}
			var texts []string
			for _, p := range parts {
				if p.Type == "text" {
					texts = append(texts, p.Text)
				}
			}
			msg.Content = strings.Join(texts, "\n")
		}
	}
	for _, c := range m.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments})
	}
	return msg, nil
}

// validate applies the checks OpenAI makes before answering: a model,
// messages of known roles, tools with names, and tool messages that answer
// exactly the calls of the assistant message before them.
func validate(req Request, tools []wireTool) error {
	if req.Model == "" {
		return fmt.Errorf("%w: you must provide a model parameter", ErrBadRequest)
	}
	if len(req.Messages) == 0 {
		return fmt.Errorf("%w: messages: must contain at least one message", ErrBadRequest)
	}
	for i, t := range tools {
		if t.Type != "function" || t.Function.Name == "" {
			return fmt.Errorf("%w: tools[%d]: want a function tool with a name", ErrBadRequest, i)
		}
	}
	pending := map[string]bool{}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "developer", "user", "assistant":
		case "tool":
			if !pending[m.ToolCallID] {
				return fmt.Errorf("%w: messages[%d]: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (tool_call_id %q)", ErrBadRequest, i, m.ToolCallID)
			}
			delete(pending, m.ToolCallID)
			continue
		default:
			return fmt.Errorf("%w: messages[%d]: unknown role %q", ErrBadRequest, i, m.Role)
		}
		if len(pending) > 0 {
			return fmt.Errorf("%w: messages[%d]: an assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'", ErrBadRequest, i)
		}
		for _, c := range m.ToolCalls {
			if m.Role != "assistant" || c.ID == "" || c.Name == "" {
				return fmt.Errorf("%w: messages[%d]: tool calls need an assistant message, an id and a function name", ErrBadRequest, i)
			}
			pending[c.ID] = true
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w: an assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'", ErrBadRequest)
	}
	return nil
}
