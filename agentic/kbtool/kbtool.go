// Package kbtool is the knowledge search as an agent tool: kb_search finds
// the help-article sections that answer a caller's question, for an LLM
// agent to answer from.
package kbtool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/knowledge"
)

// Name is the tool's name.
const Name = "kb_search"

// Defaults of the options.
const (
	// DefaultK is how many hits a call returns when the model asks for no
	// number.
	DefaultK = 3
	// DefaultMaxK is the most hits a call returns, whatever the model asks.
	DefaultMaxK = 8
	// DefaultMaxTextBytes bounds each hit's text: a section of an article
	// is a few hundred words; longer ones are cut at a word boundary.
	DefaultMaxTextBytes = 1500
)

// DefaultDescription is the description the model reads.
const DefaultDescription = "Search the company's help articles (policies, orders, shipping, returns, refunds, stores and hours, products, accounts). " +
	"Call it before answering any such question, with the caller's question as a short search query. " +
	"Returns the best matching sections, best first: doc (the article), heading, text and score."

// Hit is one search result as the model receives it.
type Hit struct {
	// Doc is the article's path ("returns-policy.md").
	Doc string `json:"doc"`
	// Heading is the section's headings ("Returns Policy > How long you
	// have"), or the article's title.
	Heading string `json:"heading"`
	// Text is the section's text, cut to the maximum length.
	Text string `json:"text"`
	// Score is the search's relevance, higher is better, rounded to four
	// decimals.
	Score float64 `json:"score"`
}

// Tool is the kb_search tool. It is safe for concurrent use.
type Tool struct {
	s        knowledge.Searcher
	settings settings
	params   json.RawMessage
}

var _ agentic.Tool = (*Tool)(nil)

// settings is what the options build.
type settings struct {
	k, maxK, maxText int
	description      string
}

// Option configures New; an invalid value makes New fail with ErrConfig.
type Option func(*settings) error

// WithK sets how many hits a call returns when the model gives no k
// (default DefaultK).
func WithK(k int) Option {
	return func(s *settings) error {
		if k < 1 || k > 50 {
			return fmt.Errorf("%w: WithK(%d): want 1 to 50", ErrConfig, k)
		}
		s.k = k
		return nil
	}
}

// WithMaxK sets the most hits a call returns (default DefaultMaxK). More
// hits give the model more to go on and cost prompt tokens and latency.
func WithMaxK(n int) Option {
	return func(s *settings) error {
		if n < 1 || n > 50 {
			return fmt.Errorf("%w: WithMaxK(%d): want 1 to 50", ErrConfig, n)
		}
		s.maxK = n
		return nil
	}
}

// WithMaxTextBytes bounds each hit's text, in bytes (default
// DefaultMaxTextBytes).
func WithMaxTextBytes(n int) Option {
	return func(s *settings) error {
		if n < 100 || n > 1<<20 {
			return fmt.Errorf("%w: WithMaxTextBytes(%d): want 100 to 1048576", ErrConfig, n)
		}
		s.maxText = n
		return nil
	}
}

// WithDescription replaces the description the model reads, for example to
// name the company's products.
func WithDescription(d string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(d) == "" {
			return fmt.Errorf("%w: WithDescription: empty description", ErrConfig)
		}
		s.description = d
		return nil
	}
}

// New returns the kb_search tool over s.
func New(s knowledge.Searcher, opts ...Option) (*Tool, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: the searcher is nil", ErrConfig)
	}
	st := settings{k: DefaultK, maxK: DefaultMaxK, maxText: DefaultMaxTextBytes, description: DefaultDescription}
	for _, o := range opts {
		if err := o(&st); err != nil {
			return nil, err
		}
	}
	if st.k > st.maxK {
		return nil, fmt.Errorf("%w: the default k (%d) is above the maximum (%d)", ErrConfig, st.k, st.maxK)
	}
	params, err := json.Marshal(map[string]any{
		"type": "object",
		"properties": map[string]any{
			"query": map[string]any{"type": "string", "description": "What to look for, in the caller's language: a short question or keywords."},
			"k":     map[string]any{"type": "integer", "minimum": 1, "maximum": st.maxK, "description": fmt.Sprintf("How many sections to return; default %d.", st.k)},
		},
		"required": []string{"query"},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Tool{s: s, settings: st, params: params}, nil
}

// Spec describes kb_search: parameters {query: string, k: integer}.
func (t *Tool) Spec() agentic.ToolSpec {
	return agentic.ToolSpec{Name: Name, Description: t.settings.description, Parameters: append(json.RawMessage(nil), t.params...)}
}

// args are kb_search's arguments.
type args struct {
	Query string          `json:"query"`
	K     json.RawMessage `json:"k"`
}

// Call searches for the query and returns a JSON array of Hits, best
// first ([] when nothing matches). It searches the articles in the query's
// language: Mandarin when the query holds Chinese characters, English when
// a Mandarin call's model searches in English, else the call's language.
// Bad arguments are a *agentic.ToolError for the model; a failed search
// wraps ErrSearch; once ctx is done it returns ctx.Err().
func (t *Tool) Call(ctx context.Context, call agentic.Call, raw json.RawMessage) (json.RawMessage, error) {
	var a args
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, &agentic.ToolError{Tool: Name, Message: "the arguments must be an object such as {\"query\": \"return window\", \"k\": 3}", Err: err}
	}
	query := strings.TrimSpace(a.Query)
	if query == "" {
		return nil, &agentic.ToolError{Tool: Name, Message: "query is empty: pass the caller's question as query"}
	}
	k, err := t.k(a.K)
	if err != nil {
		return nil, err
	}
	hits, err := t.s.Search(ctx, query, knowledge.SearchOptions{K: k, Language: queryLanguage(query, call.Language)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %w", ErrSearch, err)
	}
	out := make([]Hit, 0, min(len(hits), k))
	for _, h := range hits[:min(len(hits), k)] {
		heading := h.Heading
		if heading == "" {
			heading = h.Title
		}
		out = append(out, Hit{Doc: h.Doc, Heading: heading, Text: cut(h.Text, t.settings.maxText), Score: math.Round(h.Score*1e4) / 1e4})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the model reads "a > b", not "a \u003e b"
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("%w: encoding the hits: %w", ErrSearch, err)
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

// k reads the k argument: a number (models sometimes send "3"), clamped to
// [1, maxK]; the default when absent.
func (t *Tool) k(raw json.RawMessage) (int, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return t.settings.k, nil
	}
	var f float64
	if err := json.Unmarshal([]byte(s), &f); err != nil || math.IsNaN(f) {
		return 0, &agentic.ToolError{Tool: Name, Message: fmt.Sprintf("k must be a number from 1 to %d", t.settings.maxK), Err: errors.New(s)}
	}
	return int(max(1, min(f, float64(t.settings.maxK)))), nil
}

// queryLanguage returns the language to search in for query on a call in
// callLang.
func queryLanguage(query, callLang string) string {
	lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(callLang)), "-")
	for _, r := range query {
		if unicode.Is(unicode.Han, r) {
			return "zh"
		}
	}
	if lang == "zh" {
		return "en" // the model searched in English
	}
	return lang
}

// cut returns text cut to at most n bytes at a word boundary, with an
// ellipsis when it was cut.
func cut(text string, n int) string {
	text = strings.TrimSpace(text)
	if len(text) <= n {
		return text
	}
	end := n
	for end > 0 && !utf8.RuneStart(text[end]) {
		end--
	}
	if sp := strings.LastIndexAny(text[:end], " \n\t"); sp > n/2 {
		end = sp
	}
	return strings.TrimSpace(text[:end]) + "…"
}
