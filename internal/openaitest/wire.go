package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// errorBody is OpenAI's error JSON.
type errorBody struct {
	Error wireError `json:"error"`
}

type wireError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// wire returns e as sent, with empty param and code as null.
func (e APIError) wire() wireError {
	out := wireError{Message: e.Message, Type: e.Type}
	if e.Param != "" {
		out.Param = &e.Param
	}
	if e.Code != "" {
		out.Code = &e.Code
	}
	return out
}

// writeError sends an error reply.
func writeError(w http.ResponseWriter, reply Reply) {
	for k, v := range reply.Header {
		w.Header()[k] = v
	}
	if reply.RawBody != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(reply.Status)
		_, _ = w.Write([]byte(reply.RawBody))
		return
	}
	e := defaultError(reply.Status)
	if reply.Error != nil {
		e = *reply.Error
	}
	body, _ := json.Marshal(errorBody{Error: e.wire()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(reply.Status)
	_, _ = w.Write(body)
}

// completion is a non-streaming chat.completion object.
type completion struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	Choices           []choice `json:"choices"`
	Usage             Usage    `json:"usage"`
	SystemFingerprint string   `json:"system_fingerprint"`
}

type choice struct {
	Index        int          `json:"index"`
	Message      replyMessage `json:"message"`
	Logprobs     *struct{}    `json:"logprobs"`
	FinishReason string       `json:"finish_reason"`
}

type replyMessage struct {
	Role      string         `json:"role"`
	Content   *string        `json:"content"`
	Refusal   *string        `json:"refusal"`
	ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
}

// chunk is one chat.completion.chunk event.
type chunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model"`
	SystemFingerprint string        `json:"system_fingerprint"`
	Choices           []chunkChoice `json:"choices"`
	Usage             *Usage        `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int       `json:"index"`
	Delta        delta     `json:"delta"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

type delta struct {
	Role      string         `json:"role,omitempty"`
	Content   *string        `json:"content,omitempty"`
	ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
}

// usage estimates a reply's token counts at four bytes a token.
func usage(req Request, reply Reply) Usage {
	if reply.Usage != nil {
		return *reply.Usage
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += 4 + len(m.Content)/4
	}
	out := len(reply.content()) / 4
	for _, c := range reply.ToolCalls {
		out += 4 + len(c.Arguments)/4
	}
	return Usage{PromptTokens: prompt, CompletionTokens: out, TotalTokens: prompt + out}
}

// writeCompletion sends a non-streaming reply.
func (s *Server) writeCompletion(w http.ResponseWriter, r *http.Request, req Request, reply Reply) {
	msg := replyMessage{Role: "assistant"}
	if c := reply.content(); c != "" || len(reply.ToolCalls) == 0 {
		msg.Content = &c
	}
	for _, c := range reply.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, wireCall(c, nil, c.Arguments))
	}
	body, _ := json.Marshal(completion{
		ID: fmt.Sprintf("chatcmpl-%d", req.N), Object: "chat.completion", Created: s.created,
		Model: req.Model, SystemFingerprint: "fp_openaitest", Usage: usage(req, reply),
		Choices: []choice{{Message: msg, FinishReason: reply.finishReason()}},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if reply.Stall && reply.StallAfter > 0 {
		flush(w)
		if !s.stall(r, req.N, reply.Release) {
			return
		}
	}
	if reply.Disconnect {
		_, _ = w.Write(body[:len(body)/2])
		flush(w)
		disconnect()
	}
	_, _ = w.Write(body)
}

// wireCall returns a tool call as sent; index is set in stream deltas.
func wireCall(c ToolCall, index *int, args string) wireToolCall {
	out := wireToolCall{Index: index, ID: c.ID, Type: "function"}
	out.Function.Name = c.Name
	out.Function.Arguments = args
	return out
}

// stream sends the events of one streaming reply, counting them for the
// reply's faults.
type stream struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	req   Request
	reply Reply
	sent  int
}

// writeStream sends a streaming reply.
func (s *Server) writeStream(w http.ResponseWriter, r *http.Request, req Request, reply Reply) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush(w)
	st := &stream{s: s, w: w, r: r, req: req, reply: reply}
	empty := ""
	if !st.delta(delta{Role: "assistant", Content: &empty}, nil) {
		return
	}
	for _, p := range reply.pieces() {
		if !st.delta(delta{Content: &p}, nil) {
			return
		}
	}
	for i, c := range reply.ToolCalls {
		idx := i
		head := wireCall(c, &idx, "")
		if !st.delta(delta{ToolCalls: []wireToolCall{head}}, nil) {
			return
		}
		for _, frag := range c.fragments() {
			part := wireToolCall{Index: &idx}
			part.Function.Arguments = frag
			if !st.delta(delta{ToolCalls: []wireToolCall{part}}, nil) {
				return
			}
		}
	}
	if reply.StreamError != nil {
		body, _ := json.Marshal(errorBody{Error: reply.StreamError.wire()})
		st.event(body)
		return
	}
	finish := reply.finishReason()
	if !st.delta(delta{}, &finish) {
		return
	}
	if req.IncludeUsage {
		u := usage(req, reply)
		body, _ := json.Marshal(chunk{ID: st.id(), Object: "chat.completion.chunk", Created: s.created, Model: req.Model, SystemFingerprint: "fp_openaitest", Choices: []chunkChoice{}, Usage: &u})
		if !st.event(body) {
			return
		}
	}
	st.event([]byte("[DONE]"))
}

// id returns the completion's id.
func (st *stream) id() string { return fmt.Sprintf("chatcmpl-%d", st.req.N) }

// delta sends one chunk with d; it reports whether the stream goes on.
func (st *stream) delta(d delta, finish *string) bool {
	body, _ := json.Marshal(chunk{
		ID: st.id(), Object: "chat.completion.chunk", Created: st.s.created, Model: st.req.Model,
		SystemFingerprint: "fp_openaitest",
		Choices:           []chunkChoice{{Delta: d, FinishReason: finish}},
	})
	return st.event(body)
}

// event applies the faults due before the next event, then sends data.
func (st *stream) event(data []byte) bool {
	if st.reply.Disconnect && st.sent == st.reply.DisconnectAfter {
		disconnect()
	}
	if st.reply.Stall && st.reply.StallAfter > 0 && st.sent == st.reply.StallAfter {
		if !st.s.stall(st.r, st.req.N, st.reply.Release) {
			return false
		}
	}
	if st.r.Context().Err() != nil {
		st.s.abort(st.req.N)
		return false
	}
	if _, err := fmt.Fprintf(st.w, "data: %s\n\n", data); err != nil {
		st.s.abort(st.req.N)
		return false
	}
	flush(st.w)
	st.sent++
	return true
}

// flush sends what was written so far.
func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
