package agentictest

import (
	"context"
	"maps"
	"strings"
	"sync"

	"github.com/parley-voice/parley/nlu"
)

// Parser is a scripted nlu.Parser: each utterance it knows (compared
// case-insensitively, spaces collapsed) returns its scripted Result; any
// other returns nlu.NoIntent with no slots. Like a real parser it honours
// ParseOptions.Intents: a scripted intent outside that list comes back as
// nlu.NoIntent, keeping the slots. It records every call. It is safe for
// concurrent use.
type Parser struct {
	mu      sync.Mutex
	results map[string]nlu.Result
	err     error
	calls   []ParseCall
}

// ParseCall is one call of Parser.Parse: the utterance and the options.
type ParseCall struct {
	// Text is the utterance parsed.
	Text string
	// Options are the options given (a copy).
	Options nlu.ParseOptions
}

// NewParser returns a Parser that knows no utterance yet.
func NewParser() *Parser { return &Parser{results: map[string]nlu.Result{}} }

// Add scripts text to mean intent with confidence and slots (nil for
// none), and returns p for chaining.
func (p *Parser) Add(text, intent string, confidence float64, slots map[string]string) *Parser {
	return p.Set(text, nlu.Result{Intent: intent, Confidence: confidence, Slots: slots})
}

// Set scripts the whole result of text.
func (p *Parser) Set(text string, r nlu.Result) *Parser {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[key(text)] = r
	return p
}

// Fail makes every later Parse return err (nil to stop failing).
func (p *Parser) Fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err
}

// Parse returns the scripted result of text. It returns ctx.Err() once
// ctx is done.
func (p *Parser) Parse(ctx context.Context, text string, opts nlu.ParseOptions) (nlu.Result, error) {
	if err := ctx.Err(); err != nil {
		return nlu.Result{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, ParseCall{Text: text, Options: cloneOptions(opts)})
	if p.err != nil {
		return nlu.Result{}, p.err
	}
	r, ok := p.results[key(text)]
	if !ok {
		r = nlu.Result{Intent: nlu.NoIntent}
	}
	r.Text, r.Language, r.Source = text, opts.Language, "script"
	r.Slots = maps.Clone(r.Slots)
	if r.Slots == nil {
		r.Slots = map[string]string{}
	}
	if len(opts.Intents) > 0 && r.Intent != nlu.NoIntent && !containsString(opts.Intents, r.Intent) {
		r.Intent, r.Confidence = nlu.NoIntent, 0
	}
	if r.Intent != nlu.NoIntent {
		r.Ranking = []nlu.IntentScore{{Intent: r.Intent, Confidence: r.Confidence}}
	}
	return r, nil
}

// Calls returns the calls so far, oldest first.
func (p *Parser) Calls() []ParseCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ParseCall(nil), p.calls...)
}

// LastCall returns the latest call, and false before any.
func (p *Parser) LastCall() (ParseCall, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return ParseCall{}, false
	}
	return p.calls[len(p.calls)-1], true
}

func cloneOptions(o nlu.ParseOptions) nlu.ParseOptions {
	o.Expect = append([]string(nil), o.Expect...)
	o.Intents = append([]string(nil), o.Intents...)
	return o
}

// key normalizes an utterance for lookup.
func key(text string) string { return strings.Join(strings.Fields(strings.ToLower(text)), " ") }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
