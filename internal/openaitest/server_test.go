package openaitest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"
	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newClient returns a go-openai client of s.
func newClient(s *Server, key string) *goopenai.Client {
	cfg := goopenai.DefaultConfig(key)
	cfg.BaseURL = s.URL()
	cfg.HTTPClient = s.Client()
	return goopenai.NewClientWithConfig(cfg)
}

// request returns a small chat request.
func request(stream bool) goopenai.ChatCompletionRequest {
	return goopenai.ChatCompletionRequest{
		Model:         "gpt-test",
		Stream:        stream,
		Temperature:   0.5,
		Messages:      []goopenai.ChatCompletionMessage{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hello"}},
		StreamOptions: &goopenai.StreamOptions{IncludeUsage: stream},
	}
}

// streamed is what a client read from a stream.
type streamed struct {
	content string
	deltas  []string
	calls   map[int]*goopenai.ToolCall
	finish  goopenai.FinishReason
	usage   *goopenai.Usage
	err     error
}

// readStream reads a whole stream the way a client assembles tool calls.
func readStream(ctx context.Context, c *goopenai.Client, req goopenai.ChatCompletionRequest) streamed {
	var out streamed
	out.calls = map[int]*goopenai.ToolCall{}
	st, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		out.err = err
		return out
	}
	defer st.Close()
	for {
		resp, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out.err = err
			return out
		}
		if resp.Usage != nil {
			out.usage = resp.Usage
		}
		for _, ch := range resp.Choices {
			if ch.Delta.Content != "" {
				out.deltas = append(out.deltas, ch.Delta.Content)
				out.content += ch.Delta.Content
			}
			for _, tc := range ch.Delta.ToolCalls {
				cur := out.calls[*tc.Index]
				if cur == nil {
					cur = &goopenai.ToolCall{ID: tc.ID, Type: tc.Type, Function: goopenai.FunctionCall{Name: tc.Function.Name}}
					out.calls[*tc.Index] = cur
				}
				cur.Function.Arguments += tc.Function.Arguments
			}
			if ch.FinishReason != "" {
				out.finish = ch.FinishReason
			}
		}
	}
}

func TestStreamingReplies(t *testing.T) {
	tests := []struct {
		desc    string
		reply   Reply
		content string
		deltas  []string
		calls   []ToolCall
		finish  goopenai.FinishReason
	}{
		{desc: "text is streamed word by word", reply: Text("Hello there, caller."), content: "Hello there, caller.", deltas: []string{"Hello", " there,", " caller."}, finish: "stop"},
		{desc: "pieces are streamed as given", reply: Stream("It costs $4", ".95 today", "."), content: "It costs $4.95 today.", deltas: []string{"It costs $4", ".95 today", "."}, finish: "stop"},
		{desc: "tool calls arrive in fragments with index, id and name first",
			reply:   Calls("One moment.", ToolCall{ID: "call_a", Name: "kb_search", Arguments: `{"query":"return window","k":3}`}, Call("end_call", `{"reason":"done"}`)),
			content: "One moment.", calls: []ToolCall{{ID: "call_a", Name: "kb_search", Arguments: `{"query":"return window","k":3}`}, {ID: "call_1", Name: "end_call", Arguments: `{"reason":"done"}`}}, finish: "tool_calls"},
		{desc: "malformed arguments are sent verbatim", reply: Calls("", Call("kb_search", `{"query": "ret`)), calls: []ToolCall{{ID: "call_1", Name: "kb_search", Arguments: `{"query": "ret`}}, finish: "tool_calls"},
		{desc: "multibyte arguments keep their runes whole", reply: Calls("", ToolCall{Name: "kb_search", Arguments: `{"query":"退货政策是什么"}`, Fragments: 7}), calls: []ToolCall{{ID: "call_1", Name: "kb_search", Arguments: `{"query":"退货政策是什么"}`}}, finish: "tool_calls"},
		{desc: "a scripted finish reason is kept", reply: Reply{Content: "cut", FinishReason: "length"}, content: "cut", finish: "length"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s := NewServer()
			defer s.Close()
			s.Enqueue(tc.reply)
			got := readStream(context.Background(), newClient(s, "sk-test"), request(true))
			if got.err != nil {
				t.Fatalf("stream: %v", got.err)
			}
			if got.content != tc.content || got.finish != tc.finish {
				t.Errorf("content %q finish %q, want %q %q", got.content, got.finish, tc.content, tc.finish)
			}
			if tc.deltas != nil && strings.Join(got.deltas, "|") != strings.Join(tc.deltas, "|") {
				t.Errorf("deltas %q, want %q", got.deltas, tc.deltas)
			}
			if len(got.calls) != len(tc.calls) {
				t.Fatalf("%d tool calls, want %d", len(got.calls), len(tc.calls))
			}
			for i, want := range tc.calls {
				c := got.calls[i]
				if c.ID != want.ID || c.Function.Name != want.Name || c.Function.Arguments != want.Arguments || c.Type != "function" {
					t.Errorf("call %d = %+v, want %+v", i, *c, want)
				}
			}
			if got.usage == nil || got.usage.TotalTokens == 0 {
				t.Errorf("usage %+v, want counts", got.usage)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || !reqs[0].Stream || !reqs[0].IncludeUsage || reqs[0].Model != "gpt-test" || reqs[0].Header.Get("Authorization") != "Bearer sk-test" {
				t.Errorf("recorded %+v", reqs)
			}
		})
	}
}

func TestNonStreamingReply(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Enqueue(Text(`{"intent":"order_status"}`), Calls("", Call("classify", `{"intent":"deny"}`)))
	c := newClient(s, "")
	resp, err := c.CreateChatCompletion(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != `{"intent":"order_status"}` || resp.Choices[0].FinishReason != "stop" || resp.Usage.TotalTokens == 0 {
		t.Errorf("first reply %+v", resp)
	}
	resp, err = c.CreateChatCompletion(context.Background(), request(false))
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.Choices[0].Message.ToolCalls
	if len(calls) != 1 || calls[0].Function.Name != "classify" || calls[0].Function.Arguments != `{"intent":"deny"}` || resp.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("second reply %+v", resp)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Stream || reqs[0].Temperature == nil || *reqs[0].Temperature != 0.5 || reqs[1].LastMessage().Content != "hello" {
		t.Errorf("recorded %+v", reqs)
	}
}

func TestErrorReplies(t *testing.T) {
	tests := []struct {
		desc       string
		reply      Reply
		status     int
		code       any
		retryAfter string
	}{
		{desc: "401 invalid key", reply: ErrorReply(http.StatusUnauthorized, ""), status: 401, code: "invalid_api_key"},
		{desc: "404 model not found", reply: ErrorReply(http.StatusNotFound, ""), status: 404, code: "model_not_found"},
		{desc: "429 with Retry-After", reply: RateLimited("2"), status: 429, code: "rate_limit_exceeded", retryAfter: "2"},
		{desc: "500 server error", reply: ErrorReply(http.StatusInternalServerError, "boom"), status: 500},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(tc.desc, func(t *testing.T) {
				s := NewServer()
				defer s.Close()
				s.Enqueue(tc.reply)
				var err error
				if stream {
					err = readStream(context.Background(), newClient(s, "k"), request(true)).err
				} else {
					_, err = newClient(s, "k").CreateChatCompletion(context.Background(), request(false))
				}
				var ae *goopenai.APIError
				if !errors.As(err, &ae) {
					t.Fatalf("error %v is not an *APIError", err)
				}
				if ae.HTTPStatusCode != tc.status || ae.Message == "" || (tc.code != nil && ae.Code != tc.code) {
					t.Errorf("error %+v, want status %d code %v", ae, tc.status, tc.code)
				}
			})
		}
	}
	t.Run("Retry-After reaches the client", func(t *testing.T) {
		s := NewServer()
		defer s.Close()
		s.Enqueue(RateLimited("3"))
		resp, err := s.Client().Post(s.URL()+"/chat/completions", "application/json", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
			t.Errorf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

func TestFaults(t *testing.T) {
	t.Run("a stall before the first byte ends when the client cancels", func(t *testing.T) {
		s := NewServer()
		defer s.Close()
		s.Enqueue(Stalled(nil, "never"))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan streamed, 1)
		go func() { done <- readStream(ctx, newClient(s, ""), request(true)) }()
		pipelinetest.Eventually(t, func() bool { return s.Len() == 1 }, "request arrives")
		cancel()
		if got := <-done; !errors.Is(got.err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", got.err)
		}
		pipelinetest.Eventually(t, func() bool { return len(s.Aborted()) == 1 }, "server sees the request end")
	})
	t.Run("a mid-stream stall resumes on release", func(t *testing.T) {
		s := NewServer()
		defer s.Close()
		release := make(chan struct{})
		s.Enqueue(Reply{Content: "one two three", Stall: true, StallAfter: 2, Release: release})
		c := newClient(s, "")
		st, err := c.CreateChatCompletionStream(context.Background(), request(true))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, want := range []string{"", "one"} {
			resp, err := st.Recv()
			if err != nil || resp.Choices[0].Delta.Content != want {
				t.Fatalf("recv %+v %v, want %q", resp, err, want)
			}
		}
		close(release)
		resp, err := st.Recv()
		if err != nil || resp.Choices[0].Delta.Content != " two" {
			t.Fatalf("after release: %+v %v", resp, err)
		}
	})
	t.Run("a mid-stream disconnect is an unexpected EOF", func(t *testing.T) {
		s := NewServer()
		defer s.Close()
		s.Enqueue(Reply{Content: "one two three four", Disconnect: true, DisconnectAfter: 3})
		got := readStream(context.Background(), newClient(s, ""), request(true))
		if !errors.Is(got.err, io.ErrUnexpectedEOF) || got.content != "one two" {
			t.Errorf("content %q error %v, want the first two words then unexpected EOF", got.content, got.err)
		}
	})
	t.Run("a disconnect in a JSON body", func(t *testing.T) {
		s := NewServer()
		defer s.Close()
		s.Enqueue(Reply{Content: "a complete answer", Disconnect: true})
		if _, err := newClient(s, "").CreateChatCompletion(context.Background(), request(false)); err == nil {
			t.Error("no error for a body cut short")
		}
	})
	t.Run("an error event mid-stream", func(t *testing.T) {
		s := NewServer()
		defer s.Close()
		s.Enqueue(Reply{Content: "partial", StreamError: &APIError{Message: "overloaded", Type: "server_error"}})
		got := readStream(context.Background(), newClient(s, ""), request(true))
		var ae *goopenai.APIError
		if !errors.As(got.err, &ae) || ae.Message != "overloaded" || got.content != "partial" {
			t.Errorf("content %q error %v", got.content, got.err)
		}
	})
	t.Run("Close releases a stalled request", func(t *testing.T) {
		s := NewServer()
		s.Enqueue(Stalled(nil, ""))
		done := make(chan streamed, 1)
		go func() { done <- readStream(context.Background(), newClient(s, ""), request(true)) }()
		pipelinetest.Eventually(t, func() bool { return s.Len() == 1 }, "request arrives")
		s.Close()
		s.Close()
		if got := <-done; got.err == nil {
			t.Error("no error from a closed server")
		}
	})
}

func TestRequestChecks(t *testing.T) {
	call := goopenai.ToolCall{ID: "call_1", Type: "function", Function: goopenai.FunctionCall{Name: "kb_search", Arguments: "{}"}}
	tests := []struct {
		desc     string
		messages []goopenai.ChatCompletionMessage
		key      string
		status   int
	}{
		{desc: "a tool result answering a call is accepted", status: 200, messages: []goopenai.ChatCompletionMessage{
			{Role: "user", Content: "hi"}, {Role: "assistant", ToolCalls: []goopenai.ToolCall{call}}, {Role: "tool", ToolCallID: "call_1", Content: "[]"}}},
		{desc: "a tool result without a call is refused", status: 400, messages: []goopenai.ChatCompletionMessage{
			{Role: "user", Content: "hi"}, {Role: "tool", ToolCallID: "call_9", Content: "[]"}}},
		{desc: "a call without its result is refused", status: 400, messages: []goopenai.ChatCompletionMessage{
			{Role: "user", Content: "hi"}, {Role: "assistant", ToolCalls: []goopenai.ToolCall{call}}, {Role: "user", Content: "and?"}}},
		{desc: "a wrong key is refused", key: "wrong", status: 401, messages: []goopenai.ChatCompletionMessage{{Role: "user", Content: "hi"}}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s := NewServer(WithAPIKey("right"))
			defer s.Close()
			s.Enqueue(Text("ok"))
			key := tc.key
			if key == "" {
				key = "right"
			}
			req := request(false)
			req.Messages = tc.messages
			_, err := newClient(s, key).CreateChatCompletion(context.Background(), req)
			var ae *goopenai.APIError
			switch {
			case tc.status == 200 && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.status != 200 && (!errors.As(err, &ae) || ae.HTTPStatusCode != tc.status):
				t.Fatalf("error %v, want HTTP %d", err, tc.status)
			}
			if tc.status != 200 && s.Pending() != 1 {
				t.Error("a refused request used up the scripted reply")
			}
			if r := s.Requests()[0]; (tc.status == 400) != (r.Err != nil) || (r.Err != nil && !errors.Is(r.Err, ErrBadRequest)) {
				t.Errorf("Request.Err = %v", r.Err)
			}
		})
	}
}

func TestUnscriptedAndDefault(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := newClient(s, "")
	_, err := c.CreateChatCompletion(context.Background(), request(false))
	var ae *goopenai.APIError
	if !errors.As(err, &ae) || ae.HTTPStatusCode != 500 || !strings.Contains(ae.Message, "no reply scripted for request 1") {
		t.Errorf("unscripted request: %v", err)
	}
	s.SetDefault(Text("again"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := readStream(context.Background(), c, request(true)); got.err != nil || got.content != "again" {
				t.Errorf("default reply: %+v", got)
			}
		})
	}
	wg.Wait()
	if s.Len() != 9 {
		t.Errorf("%d requests recorded, want 9", s.Len())
	}
}

func TestRequestDetails(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Enqueue(Text("ok"))
	req := request(false)
	req.Tools = []goopenai.Tool{{Type: "function", Function: &goopenai.FunctionDefinition{Name: "kb_search", Description: "search", Parameters: map[string]any{"type": "object"}}}}
	req.ToolChoice = goopenai.ToolChoice{Type: "function", Function: goopenai.ToolFunction{Name: "kb_search"}}
	req.MaxTokens = 50
	req.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: "json_object"}
	req.Messages = append(req.Messages, goopenai.ChatCompletionMessage{Role: "user", MultiContent: []goopenai.ChatMessagePart{{Type: "text", Text: "part one"}, {Type: "text", Text: "part two"}}})
	if _, err := newClient(s, "").CreateChatCompletion(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	r := s.Requests()[0]
	if len(r.Tools) != 1 || r.Tools[0].Name != "kb_search" || string(r.Tools[0].Parameters) != `{"type":"object"}` {
		t.Errorf("tools %+v", r.Tools)
	}
	if r.ToolChoiceString() != "kb_search" || r.MaxTokens != 50 || !strings.Contains(string(r.ResponseFormat), "json_object") {
		t.Errorf("tool choice %q max tokens %d format %s", r.ToolChoiceString(), r.MaxTokens, r.ResponseFormat)
	}
	if got := r.LastMessage().Content; got != "part one\npart two" {
		t.Errorf("multi-part content %q", got)
	}
}
