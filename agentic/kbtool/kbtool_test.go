package kbtool

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/knowledge"
)

// fakeSearcher returns its hits (up to K) and records the searches.
type fakeSearcher struct {
	hits []knowledge.Hit
	err  error

	mu    sync.Mutex
	calls []knowledge.SearchOptions
	query []string
}

func (f *fakeSearcher) Search(ctx context.Context, query string, opts knowledge.SearchOptions) ([]knowledge.Hit, error) {
	f.mu.Lock()
	f.calls = append(f.calls, opts)
	f.query = append(f.query, query)
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	return f.hits[:min(len(f.hits), max(opts.K, 5))], nil
}

// hit returns a search hit.
func hit(doc, title, heading, text string, score float64) knowledge.Hit {
	return knowledge.Hit{Chunk: knowledge.Chunk{Doc: doc, Title: title, Heading: heading, Text: text}, Score: score}
}

func TestCall(t *testing.T) {
	hits := []knowledge.Hit{
		hit("returns-policy.md", "Returns Policy", "Returns Policy > How long you have", "You have 60 days to return unworn items.", 0.0328765),
		hit("exchanges.md", "Exchanges", "", "Exchanges are free.", 0.02),
		hit("refund-timing.md", "Refund Timing", "Refund Timing > Cards", "Refunds take 5 to 7 business days.", 0.01),
		hit("gift-cards.md", "Gift Cards", "Gift Cards", "Gift cards never expire.", 0.005),
	}
	tests := []struct {
		desc     string
		args     string
		language string
		want     string // JSON
		wantOpts knowledge.SearchOptions
		wantErr  string // a ToolError's message part
	}{
		{
			desc: "the default k, the call's language, the heading or else the title", args: `{"query":"how long do i have to return"}`, language: "en",
			want: `[{"doc":"returns-policy.md","heading":"Returns Policy > How long you have","text":"You have 60 days to return unworn items.","score":0.0329},` +
				`{"doc":"exchanges.md","heading":"Exchanges","text":"Exchanges are free.","score":0.02},` +
				`{"doc":"refund-timing.md","heading":"Refund Timing > Cards","text":"Refunds take 5 to 7 business days.","score":0.01}]`,
			wantOpts: knowledge.SearchOptions{K: 3, Language: "en"},
		},
		{desc: "k as asked", args: `{"query":"refund","k":1}`, language: "en-US", wantOpts: knowledge.SearchOptions{K: 1, Language: "en"},
			want: `[{"doc":"returns-policy.md","heading":"Returns Policy > How long you have","text":"You have 60 days to return unworn items.","score":0.0329}]`},
		{desc: "k as a string", args: `{"query":"refund","k":"2"}`, language: "en", wantOpts: knowledge.SearchOptions{K: 2, Language: "en"}},
		{desc: "k above the maximum is clamped", args: `{"query":"refund","k":99}`, language: "en", wantOpts: knowledge.SearchOptions{K: 8, Language: "en"}},
		{desc: "k below one is clamped", args: `{"query":"refund","k":0}`, language: "en", wantOpts: knowledge.SearchOptions{K: 1, Language: "en"}},
		{desc: "a Chinese query searches the Mandarin articles", args: `{"query":"退货期限"}`, language: "en", wantOpts: knowledge.SearchOptions{K: 3, Language: "zh"}},
		{desc: "an English query on a Mandarin call searches the English articles", args: `{"query":"return window"}`, language: "zh", wantOpts: knowledge.SearchOptions{K: 3, Language: "en"}},
		{desc: "no call language searches everything", args: `{"query":"return window"}`, wantOpts: knowledge.SearchOptions{K: 3}},
		{desc: "an empty query", args: `{"query":"  "}`, wantErr: "query is empty"},
		{desc: "no object", args: `["x"]`, wantErr: "must be an object"},
		{desc: "k not a number", args: `{"query":"x","k":"many"}`, wantErr: "k must be a number"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s := &fakeSearcher{hits: hits}
			tool, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tool.Call(context.Background(), agentic.Call{ID: "c", Language: tc.language}, json.RawMessage(tc.args))
			if tc.wantErr != "" {
				var te *agentic.ToolError
				if !errors.As(err, &te) || te.Tool != Name || !strings.Contains(te.Message, tc.wantErr) {
					t.Fatalf("Call = %s, %v; want a ToolError with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && string(got) != tc.want {
				t.Errorf("result %s\nwant   %s", got, tc.want)
			}
			var parsed []Hit
			if err := json.Unmarshal(got, &parsed); err != nil || len(parsed) != min(tc.wantOpts.K, len(hits)) {
				t.Errorf("result %s has %d hits, want %d (%v)", got, len(parsed), min(tc.wantOpts.K, len(hits)), err)
			}
			if len(s.calls) != 1 || s.calls[0] != tc.wantOpts {
				t.Errorf("searched with %+v, want %+v", s.calls, tc.wantOpts)
			}
		})
	}
}

func TestCallFailures(t *testing.T) {
	boom := errors.New("store closed")
	tool, err := New(&fakeSearcher{err: boom})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tool.Call(context.Background(), agentic.Call{}, json.RawMessage(`{"query":"x"}`)); !errors.Is(err, ErrSearch) || !errors.Is(err, boom) {
		t.Errorf("a failed search: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tool.Call(ctx, agentic.Call{}, json.RawMessage(`{"query":"x"}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled call: %v", err)
	}
	empty, _ := New(&fakeSearcher{})
	if got, err := empty.Call(context.Background(), agentic.Call{}, json.RawMessage(`{"query":"x"}`)); err != nil || string(got) != "[]" {
		t.Errorf("no hits: %s, %v", got, err)
	}
}

func TestLongTextIsCut(t *testing.T) {
	long := strings.Repeat("word ", 100) + strings.Repeat("长", 100)
	tool, err := New(&fakeSearcher{hits: []knowledge.Hit{hit("a.md", "A", "", long, 1)}}, WithMaxTextBytes(230))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tool.Call(context.Background(), agentic.Call{}, json.RawMessage(`{"query":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	var hits []Hit
	_ = json.Unmarshal(got, &hits)
	if text := hits[0].Text; len(text) > 230+len("…") || !strings.HasSuffix(text, "word…") {
		t.Errorf("text %q (%d bytes)", text, len(text))
	}
	for _, n := range []int{100, 101, 102, 103} {
		if c := cut(strings.Repeat("长", 60), n); !strings.HasSuffix(c, "…") || len(c) > n+len("…") {
			t.Errorf("cut at %d: %q", n, c)
		}
	}
}

func TestOptionsAndSpec(t *testing.T) {
	tests := []struct {
		desc string
		s    knowledge.Searcher
		opts []Option
		ok   bool
	}{
		{desc: "defaults", s: &fakeSearcher{}, ok: true},
		{desc: "all options", s: &fakeSearcher{}, opts: []Option{WithK(2), WithMaxK(4), WithMaxTextBytes(500), WithDescription("Search Northwind's help center.")}, ok: true},
		{desc: "nil searcher", s: nil},
		{desc: "k zero", s: &fakeSearcher{}, opts: []Option{WithK(0)}},
		{desc: "k above max", s: &fakeSearcher{}, opts: []Option{WithK(5), WithMaxK(4)}},
		{desc: "tiny text", s: &fakeSearcher{}, opts: []Option{WithMaxTextBytes(10)}},
		{desc: "empty description", s: &fakeSearcher{}, opts: []Option{WithDescription(" ")}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			tool, err := New(tc.s, tc.opts...)
			if !tc.ok {
				if !errors.Is(err, ErrConfig) {
					t.Errorf("New = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			spec := tool.Spec()
			var schema struct {
				Type       string                     `json:"type"`
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			}
			if err := json.Unmarshal(spec.Parameters, &schema); err != nil || spec.Name != "kb_search" || spec.Description == "" ||
				schema.Type != "object" || schema.Properties["query"] == nil || schema.Properties["k"] == nil || len(schema.Required) != 1 {
				t.Errorf("spec %+v: %s (%v)", spec, spec.Parameters, err)
			}
		})
	}
}

func TestConcurrentCalls(t *testing.T) {
	tool, err := New(&fakeSearcher{hits: []knowledge.Hit{hit("a.md", "A", "", "text", 1)}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := tool.Call(context.Background(), agentic.Call{Language: "en"}, json.RawMessage(`{"query":"x"}`)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func FuzzCall(f *testing.F) {
	for _, seed := range []string{`{"query":"return window","k":3}`, `{"query":"x","k":"2"}`, `{"query":""}`, `{"k":1e308}`, `[]`, `{"query":"退货","k":-5}`, `null`} {
		f.Add(seed)
	}
	tool, err := New(&fakeSearcher{hits: []knowledge.Hit{hit("a.md", "A", "H", "text", 0.5)}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, args string) {
		got, err := tool.Call(context.Background(), agentic.Call{Language: "en"}, json.RawMessage(args))
		if err != nil {
			var te *agentic.ToolError
			if !errors.As(err, &te) {
				t.Fatalf("Call(%q) = %v, not a ToolError", args, err)
			}
			return
		}
		var hits []Hit
		if err := json.Unmarshal(got, &hits); err != nil || len(hits) != 1 {
			t.Fatalf("Call(%q) = %s (%v)", args, got, err)
		}
	})
}
