package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/internal/openaitest"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// wait returns the result of a Respond started with harness.respond, or
// fails the test when it does not come.
func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("Respond did not return")
		return nil
	}
}

// step waits for a state of the turn, then moves the clock.
type step struct {
	what    string
	until   func(h *harness, tool *fakeTool) bool
	advance time.Duration
}

// requests waits for n requests at the server.
func requests(n int) step {
	return step{what: fmt.Sprintf("%d requests", n), until: func(h *harness, _ *fakeTool) bool { return h.srv.Len() >= n }}
}

// texts waits for n sentences written.
func texts(n int) step {
	return step{what: fmt.Sprintf("%d sentences", n), until: func(h *harness, _ *fakeTool) bool { return len(h.rec.texts()) >= n }}
}

// toolCalls waits for n calls of the tool.
func toolCalls(n int) step {
	return step{what: fmt.Sprintf("%d tool calls", n), until: func(_ *harness, tool *fakeTool) bool { return len(tool.recorded()) >= n }}
}

// ticker waits for a ticker of period d (a wait between attempts).
func ticker(d time.Duration) step {
	return step{what: fmt.Sprintf("a %v ticker", d), until: func(h *harness, _ *fakeTool) bool {
		return slices.Contains(h.clock.tickers(), d)
	}}
}

// then returns s advancing the clock by d once its state is reached.
func (s step) then(d time.Duration) step { s.advance = d; return s }

// blocks is a tool that answers only when its context ends.
func blocks(ctx context.Context, _ json.RawMessage) (json.RawMessage, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestTimeouts(t *testing.T) {
	const fallback = "Sorry, I'm having trouble right now. Let me transfer you to a colleague."
	tests := []struct {
		desc    string
		cfg     func(*Config)
		replies []openaitest.Reply
		tool    func(ctx context.Context, args json.RawMessage) (json.RawMessage, error)
		steps   []step
		want    []string
		wantErr error
	}{
		{
			desc:    "a stall before the first token: the fallback after first_token_timeout, not retried",
			replies: []openaitest.Reply{openaitest.Stalled(nil, "too late")},
			steps:   []step{requests(1).then(4 * time.Second)},
			want:    []string{fallback, "<handoff>!"},
			wantErr: ErrTimeout,
		},
		{
			desc:    "a role chunk is not a first token",
			replies: []openaitest.Reply{{Content: "too late", Stall: true, StallAfter: 1}},
			steps:   []step{requests(1).then(4 * time.Second)},
			want:    []string{fallback, "<handoff>!"},
			wantErr: ErrTimeout,
		},
		{
			desc:    "a stall mid-answer: what was said stands, then the fallback",
			replies: []openaitest.Reply{{Content: "Your order shipped. It arrives", Stall: true, StallAfter: 5}},
			steps:   []step{texts(1).then(4 * time.Second)},
			want:    []string{"Your order shipped.", fallback, "<handoff>!"},
			wantErr: ErrTimeout,
		},
		{
			desc:    "HTTP 429 with Retry-After, then success: the retry waits as asked",
			replies: []openaitest.Reply{openaitest.RateLimited("1"), openaitest.Text("Here you go.")},
			steps:   []step{ticker(time.Second).then(time.Second)},
			want:    []string{"Here you go."},
		},
		{
			desc:    "HTTP 500 and 502, then success within the retries, with growing waits",
			replies: []openaitest.Reply{openaitest.ErrorReply(http.StatusInternalServerError, ""), openaitest.ErrorReply(http.StatusBadGateway, ""), openaitest.Text("Here you go.")},
			steps:   []step{ticker(187500 * time.Microsecond).then(187500 * time.Microsecond), ticker(375 * time.Millisecond).then(375 * time.Millisecond)},
			want:    []string{"Here you go."},
		},
		{
			desc:    "HTTP 500 past the retries: the fallback",
			replies: []openaitest.Reply{openaitest.ErrorReply(500, ""), openaitest.ErrorReply(500, ""), openaitest.ErrorReply(500, "")},
			steps:   []step{ticker(187500 * time.Microsecond).then(187500 * time.Microsecond), ticker(375 * time.Millisecond).then(375 * time.Millisecond)},
			want:    []string{fallback, "<handoff>!"},
			wantErr: ErrUnavailable,
		},
		{
			desc:    "a Retry-After longer than max_backoff fails at once",
			replies: []openaitest.Reply{openaitest.RateLimited("30")},
			want:    []string{fallback, "<handoff>!"},
			wantErr: ErrRateLimited,
		},
		{
			desc:    "a disconnect before the first token is retried",
			replies: []openaitest.Reply{{Content: "lost", Disconnect: true, DisconnectAfter: 1}, openaitest.Text("Here you go.")},
			steps:   []step{ticker(187500 * time.Microsecond).then(187500 * time.Microsecond)},
			want:    []string{"Here you go."},
		},
		{
			desc: "a tool that does not answer within tool_timeout gives the model an error result",
			replies: []openaitest.Reply{
				openaitest.Calls("", openaitest.Call("kb_search", `{"query":"x"}`)),
				openaitest.Text("I can't check that right now."),
			},
			tool:  blocks,
			steps: []step{toolCalls(1).then(5 * time.Second)},
			want:  []string{"<tool_call>", "I can't check that right now."},
		},
		{
			desc:    "a turn past turn_timeout: what was said stands, then the fallback",
			cfg:     func(c *Config) { c.ToolTimeout = time.Minute },
			replies: []openaitest.Reply{openaitest.Calls("Let me look.", openaitest.Call("kb_search", `{"query":"x"}`))},
			tool:    blocks,
			steps:   []step{toolCalls(1).then(15 * time.Second)},
			want:    []string{"Let me look.", fallback, "<handoff>!"},
			wantErr: ErrTimeout,
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			tool := kbTool()
			if tc.tool != nil {
				tool.fn = tc.tool
			}
			h := newHarness(t, cfg, []agentic.Tool{tool}, tc.replies...)
			start := h.clock.Now()
			done := h.respond(context.Background(), request("where is my order"), h.rec)
			var elapsed time.Duration
			for _, s := range tc.steps {
				pipelinetest.Eventually(t, func() bool { return s.until(h, tool) }, "%s", s.what)
				h.clock.Advance(s.advance)
				elapsed += s.advance
			}
			err := wait(t, done)
			if (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("Respond = %v, want %v", err, tc.wantErr)
			}
			if got := h.rec.summary(); quoted(got) != quoted(tc.want) {
				t.Errorf("wrote %s\nwant  %s", quoted(got), quoted(tc.want))
			}
			if got := h.clock.Now().Sub(start); got != elapsed {
				t.Errorf("clock moved %v, want %v", got, elapsed)
			}
			if n := h.srv.Pending(); n != 0 {
				t.Errorf("%d scripted replies unused", n)
			}
		})
	}
}

func TestBargeIn(t *testing.T) {
	tests := []struct {
		desc      string
		reply     openaitest.Reply
		wantTexts []string
	}{
		{desc: "while waiting for the first token", reply: openaitest.Stalled(nil, "never said")},
		{desc: "mid-answer, after a sentence", reply: openaitest.Reply{Content: "Your order shipped. It arrives on Friday.", Stall: true, StallAfter: 5}, wantTexts: []string{"Your order shipped."}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newHarness(t, testConfig(), []agentic.Tool{kbTool()}, tc.reply)
			ctx, cancel := context.WithCancel(context.Background())
			rec := &recorder{ctx: ctx}
			h.rec = rec
			done := h.respond(ctx, request("where is my order"), rec)
			pipelinetest.Eventually(t, func() bool { return h.srv.Len() == 1 && len(rec.texts()) == len(tc.wantTexts) }, "the request is under way")
			cancel()
			if err := wait(t, done); !errors.Is(err, context.Canceled) {
				t.Errorf("Respond = %v, want context.Canceled", err)
			}
			pipelinetest.Eventually(t, func() bool { return slices.Contains(h.srv.Aborted(), 1) }, "the server sees the request end")
			if got := rec.texts(); quoted(got) != quoted(tc.wantTexts) {
				t.Errorf("wrote %s, want %s (no fallback after a barge-in)", quoted(got), quoted(tc.wantTexts))
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	cfg := DefaultConfig()
	tests := []struct {
		desc   string
		n      int
		hint   time.Duration
		left   time.Duration
		jitter float64
		want   time.Duration
		ok     bool
	}{
		{desc: "first retry, no jitter", n: 1, left: time.Minute, want: 125 * time.Millisecond, ok: true},
		{desc: "first retry, full jitter", n: 1, left: time.Minute, jitter: 0.999999, want: 249999875 * time.Nanosecond, ok: true},
		{desc: "doubles", n: 3, left: time.Minute, jitter: 1, want: time.Second, ok: true},
		{desc: "capped at max_backoff", n: 10, left: time.Minute, jitter: 1, want: 2 * time.Second, ok: true},
		{desc: "Retry-After makes it longer", n: 1, hint: 1500 * time.Millisecond, left: time.Minute, want: 1500 * time.Millisecond, ok: true},
		{desc: "Retry-After past max_backoff is refused", n: 1, hint: 3 * time.Second, left: time.Minute, want: 3 * time.Second},
		{desc: "a wait past the turn's end is refused", n: 1, hint: time.Second, left: 900 * time.Millisecond, want: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, ok := backoff(cfg, tc.n, tc.hint, tc.left, tc.jitter)
			if got != tc.want || ok != tc.ok {
				t.Errorf("backoff = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		desc   string
		header http.Header
		want   time.Duration
	}{
		{desc: "none", header: http.Header{}, want: 0},
		{desc: "seconds", header: http.Header{"Retry-After": {"2"}}, want: 2 * time.Second},
		{desc: "fractional seconds", header: http.Header{"Retry-After": {"0.5"}}, want: 500 * time.Millisecond},
		{desc: "milliseconds win", header: http.Header{"Retry-After": {"2"}, "Retry-After-Ms": {"150"}}, want: 150 * time.Millisecond},
		{desc: "an HTTP date", header: http.Header{"Retry-After": {now.Add(3 * time.Second).Format(http.TimeFormat)}}, want: 3 * time.Second},
		{desc: "a date in the past", header: http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, want: 0},
		{desc: "garbage", header: http.Header{"Retry-After": {"soon"}}, want: 0},
		{desc: "negative", header: http.Header{"Retry-After": {"-4"}}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := retryAfter(tc.header, now); got != tc.want {
				t.Errorf("retryAfter = %v, want %v", got, tc.want)
			}
		})
	}
}
