package llmnlu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/nlu"
)

// Sources of a Result.
const (
	// SourceLLM marks a result classified by the model.
	SourceLLM = "llm"
	// SourceLocal marks the local parser's result, used when the model
	// failed.
	SourceLocal = "local"
)

// defaultConfidence is taken for a model answer without a confidence.
const defaultConfidence = 0.9

// errTimeout is the cancellation cause of a request past Config.Timeout.
var errTimeout = errors.New("nlu/llm: timeout")

// Parser classifies utterances with a chat model, constrained to the
// domain's intents, and falls back to a local parser. It is safe for
// concurrent use.
type Parser struct {
	cfg      Config
	client   *goopenai.Client
	fallback nlu.Parser
	domains  map[string]*domainPrompt
	first    string // the language of the first domain
	log      *slog.Logger
	after    AfterFunc
}

var _ nlu.Parser = (*Parser)(nil)

// New returns a Parser for domains (one per language) that asks the model
// of cfg, with fallback (normally the local parser of the same domains)
// for what the model cannot answer. Empty cfg.APIKey and cfg.BaseURL are
// filled from the environment. Errors wrap ErrConfig.
func New(cfg Config, domains []*nlu.Domain, fallback nlu.Parser, opts ...Option) (*Parser, error) {
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	cfg = cfg.FromEnv(s.getenv)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if fallback == nil {
		return nil, fmt.Errorf("%w: the fallback parser is nil: pass the local parser", ErrConfig)
	}
	if len(domains) == 0 {
		return nil, fmt.Errorf("%w: no domains: load at least one intent file", ErrConfig)
	}
	p := &Parser{cfg: cfg, fallback: fallback, domains: map[string]*domainPrompt{}, log: s.log, after: s.after}
	for _, d := range domains {
		dp, err := newDomainPrompt(d, cfg)
		if err != nil {
			return nil, err
		}
		lang := primaryTag(d.Language)
		if _, dup := p.domains[lang]; dup {
			return nil, fmt.Errorf("%w: two domains for language %q", ErrConfig, lang)
		}
		p.domains[lang] = dp
		if p.first == "" {
			p.first = lang
		}
	}
	cc := goopenai.DefaultConfig(cfg.APIKey)
	cc.BaseURL = cfg.baseURL()
	cc.HTTPClient = s.http
	p.client = goopenai.NewClientWithConfig(cc)
	return p, nil
}

// primaryTag returns a language tag's primary subtag, lower case.
func primaryTag(tag string) string {
	p, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	return p
}

// Parse understands text. It runs the fallback parser first (it is local
// and fast): its errors (an unknown intent or slot in opts, a language it
// lacks) are returned as they are. Then it asks the model; when the model
// fails, times out or answers something that is not a classification, the
// fallback's result is returned (Source "local") and the failure is logged.
// Otherwise the result has the model's intent (nlu.NoIntent for an intent
// outside the domain or opts.Intents, or a confidence below
// Config.MinConfidence), slots merged from both (see mergeSlots), the
// fallback's entities, and Source "llm". It returns ctx.Err() once ctx is
// done.
func (p *Parser) Parse(ctx context.Context, text string, opts nlu.ParseOptions) (nlu.Result, error) {
	local, err := p.fallback.Parse(ctx, text, opts)
	if err != nil {
		return local, err
	}
	if local.Slots == nil {
		local.Slots = map[string]string{}
	}
	if local.Source == "" {
		local.Source = SourceLocal
	}
	lang := primaryTag(opts.Language)
	if lang == "" {
		lang = p.first
	}
	dp, ok := p.domains[lang]
	if !ok || strings.TrimSpace(text) == "" {
		return local, nil
	}
	c, err := p.ask(ctx, dp, text, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nlu.Result{}, ctx.Err()
		}
		p.log.Warn("intent model failed; using the local parser", "err", err, "language", lang)
		return local, nil
	}
	return p.result(dp, text, lang, opts, c, local), nil
}

// ask sends the utterance to the model within Config.Timeout.
func (p *Parser) ask(ctx context.Context, dp *domainPrompt, text string, opts nlu.ParseOptions) (classification, error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := p.after(p.cfg.Timeout, func() { cancel(errTimeout) })
	defer stop()
	resp, err := p.client.CreateChatCompletion(actx, p.request(dp, text, opts))
	if err != nil {
		if errors.Is(context.Cause(actx), errTimeout) {
			return classification{}, fmt.Errorf("%w: no answer within timeout (%v)", ErrTimeout, p.cfg.Timeout)
		}
		return classification{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(resp.Choices) == 0 {
		return classification{}, fmt.Errorf("%w: no choices", ErrOutput)
	}
	msg := resp.Choices[0].Message
	for _, tc := range msg.ToolCalls {
		if tc.Function.Name == toolName {
			return decodeClassification(tc.Function.Arguments)
		}
	}
	if strings.TrimSpace(msg.Content) == "" {
		return classification{}, fmt.Errorf("%w: neither a %s call nor JSON content", ErrOutput, toolName)
	}
	return decodeClassification(msg.Content)
}

// request builds the chat request for one utterance.
func (p *Parser) request(dp *domainPrompt, text string, opts nlu.ParseOptions) goopenai.ChatCompletionRequest {
	req := goopenai.ChatCompletionRequest{
		Model: p.cfg.Model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: dp.system},
			{Role: goopenai.ChatMessageRoleUser, Content: userMessage(text, opts)},
		},
	}
	if reasoningModel(p.cfg.Model) {
		req.MaxCompletionTokens = p.cfg.MaxTokens
	} else {
		req.MaxTokens = p.cfg.MaxTokens
		req.Temperature = float32(p.cfg.Temperature)
		if req.Temperature == 0 {
			// go-openai leaves a zero temperature out (the server's
			// default is 1): send the smallest one instead.
			req.Temperature = math.SmallestNonzeroFloat32
		}
	}
	if p.cfg.Mode == ModeJSON {
		req.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
		return req
	}
	req.Tools = []goopenai.Tool{dp.tool}
	req.ToolChoice = goopenai.ToolChoice{Type: goopenai.ToolTypeFunction, Function: goopenai.ToolFunction{Name: toolName}}
	return req
}

// reasoningModel reports OpenAI models that take max_completion_tokens and
// a fixed temperature.
func reasoningModel(model string) bool {
	for _, pre := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, pre) {
			return true
		}
	}
	return false
}

// result turns the model's classification into a Result.
func (p *Parser) result(dp *domainPrompt, text, lang string, opts nlu.ParseOptions, c classification, local nlu.Result) nlu.Result {
	conf := defaultConfidence
	if c.HasConf {
		conf = c.Confidence
	}
	intent := c.Intent
	known := dp.intents[intent] && (len(opts.Intents) == 0 || slices.Contains(opts.Intents, intent))
	r := nlu.Result{Text: text, Language: lang, Intent: nlu.NoIntent, Confidence: conf, Entities: local.Entities, Source: SourceLLM}
	if known {
		r.Ranking = append(r.Ranking, nlu.IntentScore{Intent: intent, Confidence: conf})
		if conf >= p.cfg.MinConfidence {
			r.Intent = intent
		}
	} else {
		r.Confidence = local.Confidence // the model named no intent: the best one's is the local parser's
	}
	for _, s := range local.Ranking {
		if len(r.Ranking) == 5 {
			break
		}
		if s.Intent != intent && s.Intent != nlu.NoIntent {
			r.Ranking = append(r.Ranking, s)
		}
	}
	r.Slots = mergeSlots(dp.d, r.Intent, opts.Expect, c.Slots, local.Slots)
	return r
}
