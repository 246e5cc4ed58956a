package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/agentic/flow"
	"github.com/parley-voice/parley/agentic/hybrid"
	"github.com/parley-voice/parley/agentic/kbtool"
	"github.com/parley-voice/parley/agentic/llm"
	"github.com/parley-voice/parley/agentic/webhook"
	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/disk"
	"github.com/parley-voice/parley/knowledge/hashed"
	kbopenai "github.com/parley-voice/parley/knowledge/openai"
	"github.com/parley-voice/parley/knowledge/qdrant"
	"github.com/parley-voice/parley/nlu"
	llmnlu "github.com/parley-voice/parley/nlu/llm"
)

// Agent and provider names of the brain's sections.
const (
	AgentFlow   = "flow"
	AgentLLM    = "llm"
	AgentHybrid = "hybrid"

	NLULocal = "local"
	NLULLM   = "llm"

	StoreDisk   = "disk"
	StoreQdrant = "qdrant"

	EmbedderHashed = "hashed"
	EmbedderOpenAI = "openai"
)

// NLUConfig is the `nlu:` section: the intent files and how utterances are
// classified.
type NLUConfig struct {
	nlu.Config `yaml:",inline"`
	// Provider is local (the embedded classifier, the default) or llm (an
	// OpenAI-compatible chat model, with the local classifier as its
	// fallback).
	Provider string `yaml:"provider"`
	// LLM configures the llm provider.
	LLM llmnlu.Config `yaml:"llm"`
}

// Validate reports the first invalid value.
func (c NLUConfig) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return &ConfigError{Field: "nlu", Err: errors.New(strings.TrimPrefix(err.Error(), nlu.ErrConfig.Error()+": "))}
	}
	switch c.Provider {
	case NLULocal:
	case NLULLM:
		if err := c.LLM.Validate(); err != nil {
			return prefixed("llm", err)
		}
	default:
		return &ConfigError{Field: "provider", Err: fmt.Errorf("unknown provider %q: use local or llm", c.Provider)}
	}
	return nil
}

// KnowledgeConfig is the `knowledge:` section: the articles the agent
// answers from, and where their index lives.
type KnowledgeConfig struct {
	// Folder holds the articles (Markdown, text, HTML). The server ingests
	// it at start (only changed files are re-read). Empty means no
	// knowledge base.
	Folder string `yaml:"folder"`
	// Store is disk (an SQLite file, the default) or qdrant.
	Store string `yaml:"store"`
	// Embedder is hashed (no model needed, the default) or openai.
	Embedder string `yaml:"embedder"`
	// Search tunes chunking and ranking.
	Search knowledge.Config `yaml:"search"`
	// Disk, Qdrant, Hashed and OpenAI configure the providers.
	Disk   disk.Config     `yaml:"disk"`
	Qdrant qdrant.Config   `yaml:"qdrant"`
	Hashed hashed.Config   `yaml:"hashed"`
	OpenAI kbopenai.Config `yaml:"openai"`
}

// Validate reports the first invalid value.
func (c KnowledgeConfig) Validate() error {
	if !slices.Contains([]string{StoreDisk, StoreQdrant}, c.Store) {
		return &ConfigError{Field: "store", Err: fmt.Errorf("unknown store %q: use disk or qdrant", c.Store)}
	}
	if !slices.Contains([]string{EmbedderHashed, EmbedderOpenAI}, c.Embedder) {
		return &ConfigError{Field: "embedder", Err: fmt.Errorf("unknown embedder %q: use hashed or openai", c.Embedder)}
	}
	checks := []struct {
		field string
		err   error
	}{{"search", c.Search.Validate()}, {"disk", c.Disk.Validate()}, {"hashed", c.Hashed.Validate()}}
	if c.Store == StoreQdrant {
		checks = append(checks, struct {
			field string
			err   error
		}{"qdrant", c.Qdrant.Validate()})
	}
	if c.Embedder == EmbedderOpenAI {
		checks = append(checks, struct {
			field string
			err   error
		}{"openai", c.OpenAI.Validate()})
	}
	for _, ch := range checks {
		if ch.err != nil {
			return prefixed(ch.field, ch.err)
		}
	}
	return nil
}

// AgentConfig is the `agent:` section: what answers the caller.
type AgentConfig struct {
	// Type is flow (YAML flows with the local NLU and knowledge, no LLM:
	// the default), llm (a chat model with tools) or hybrid (flows for the
	// intents that have one, the LLM for the rest).
	Type string `yaml:"type"`
	// Flow configures the flow agent.
	Flow flow.Config `yaml:"flow"`
	// LLM configures the chat model of the llm and hybrid agents.
	LLM llm.Config `yaml:"llm"`
}

// Validate reports the first invalid value.
func (c AgentConfig) Validate() error {
	switch c.Type {
	case AgentFlow, AgentLLM, AgentHybrid:
	default:
		return &ConfigError{Field: "type", Err: fmt.Errorf("unknown agent type %q: use flow, llm or hybrid", c.Type)}
	}
	if c.Type != AgentLLM {
		if err := c.Flow.Validate(); err != nil {
			return prefixed("flow", errors.New(strings.TrimPrefix(err.Error(), flow.ErrConfig.Error()+": ")))
		}
	}
	if c.Type != AgentFlow {
		if err := c.LLM.Validate(); err != nil {
			return prefixed("llm", err)
		}
	}
	return nil
}

// DefaultNLUConfig, DefaultKnowledgeConfig and DefaultAgentConfig return
// the defaults documented on each section.
func DefaultNLUConfig() NLUConfig {
	return NLUConfig{Config: nlu.DefaultConfig(), Provider: NLULocal, LLM: llmnlu.DefaultConfig()}
}

// DefaultKnowledgeConfig: no folder, the disk store and the hashed
// embedder.
func DefaultKnowledgeConfig() KnowledgeConfig {
	return KnowledgeConfig{Store: StoreDisk, Embedder: EmbedderHashed, Search: knowledge.DefaultConfig(),
		Disk: disk.DefaultConfig(), Qdrant: qdrant.DefaultConfig(), Hashed: hashed.DefaultConfig(),
		OpenAI: kbopenai.DefaultConfig()}
}

// DefaultAgentConfig: the flow agent reading flows.yaml.
func DefaultAgentConfig() AgentConfig {
	return AgentConfig{Type: AgentFlow, Flow: flow.DefaultConfig(), LLM: llm.DefaultConfig()}
}

// Brain is what understands and answers callers: the NLU, the knowledge
// base, the tools and the agent factory, built from a Config. Close it
// when done.
type Brain struct {
	// Parser understands caller utterances.
	Parser nlu.Parser
	// Knowledge answers questions; nil without a knowledge folder.
	Knowledge *knowledge.Base
	// Tools are the webhook tools (and kb_search when there is a
	// knowledge base), by name.
	Tools map[string]agentic.Tool
	// Agents makes the agent of each call.
	Agents agentic.Factory
	// Ingest reports the start-up ingest of the knowledge folder.
	Ingest knowledge.IngestReport

	closers closers
}

// Close releases the knowledge store.
func (b *Brain) Close() error {
	b.closers.close()
	return nil
}

// resolve returns path relative to the configuration file's folder unless
// it is absolute.
func (c Config) resolve(path string) string {
	if path == "" || filepath.IsAbs(path) || c.Dir == "" {
		return path
	}
	return filepath.Join(c.Dir, path)
}

// NewBrain builds the NLU, knowledge base, tools and agents of cfg. It
// ingests the knowledge folder (incrementally) before returning.
func NewBrain(ctx context.Context, cfg Config, log *slog.Logger) (*Brain, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Brain{Tools: map[string]agentic.Tool{}}
	ok := false
	defer func() {
		if !ok {
			b.closers.close()
		}
	}()
	parser, domains, err := cfg.newParser(log)
	if err != nil {
		return nil, err
	}
	b.Parser = parser
	if cfg.Knowledge.Folder != "" {
		if b.Knowledge, b.Ingest, err = cfg.openKnowledge(ctx, log, &b.closers); err != nil {
			return nil, err
		}
		kt, err := kbtool.New(b.Knowledge)
		if err != nil {
			return nil, err
		}
		b.Tools[kt.Spec().Name] = kt
	}
	hooks, err := webhook.NewTools(cfg.Tools, webhook.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("%w: tools: %w", ErrConfig, err)
	}
	for name, t := range hooks {
		b.Tools[name] = t
	}
	if b.Agents, err = cfg.newAgents(b, domains, log); err != nil {
		return nil, err
	}
	ok = true
	return b, nil
}

// newParser loads the intent files and builds the configured parser.
func (cfg Config) newParser(log *slog.Logger) (nlu.Parser, []*nlu.Domain, error) {
	nc := cfg.NLU.Config
	nc.Intents = make([]string, len(cfg.NLU.Intents))
	for i, f := range cfg.NLU.Intents {
		nc.Intents[i] = cfg.resolve(f)
	}
	local, err := nlu.Load(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: nlu: %w", ErrConfig, err)
	}
	if cfg.NLU.Provider != NLULLM {
		return local, local.Domains(), nil
	}
	p, err := llmnlu.New(cfg.NLU.LLM, local.Domains(), local, llmnlu.WithLogger(log))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: nlu.llm: %w", ErrConfig, err)
	}
	return p, local.Domains(), nil
}

// openKnowledge opens the store and embedder and ingests the folder.
func (cfg Config) openKnowledge(ctx context.Context, log *slog.Logger, cs *closers) (*knowledge.Base, knowledge.IngestReport, error) {
	kc := cfg.Knowledge
	var emb knowledge.Embedder
	var err error
	switch kc.Embedder {
	case EmbedderOpenAI:
		emb, err = kbopenai.New(ctx, kbopenai.WithConfig(kc.OpenAI), kbopenai.WithLogger(log))
	default:
		emb, err = hashed.New(hashed.WithConfig(kc.Hashed))
	}
	if err != nil {
		return nil, knowledge.IngestReport{}, fmt.Errorf("knowledge embedder: %w", err)
	}
	var store knowledge.Store
	switch kc.Store {
	case StoreQdrant:
		store, err = qdrant.Open(ctx, qdrant.WithConfig(kc.Qdrant))
	default:
		// A relative path is under the working directory, as for
		// `parley kb`, so that both use one store.
		store, err = disk.Open(ctx, disk.WithConfig(kc.Disk))
	}
	if err != nil {
		return nil, knowledge.IngestReport{}, fmt.Errorf("knowledge store: %w", err)
	}
	base, err := knowledge.Open(store, emb, knowledge.WithConfig(kc.Search), knowledge.WithLogger(log))
	if err != nil {
		store.Close()
		return nil, knowledge.IngestReport{}, fmt.Errorf("knowledge: %w", err)
	}
	*cs = append(*cs, base.Close)
	dir := cfg.resolve(kc.Folder)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, knowledge.IngestReport{}, fmt.Errorf("%w: knowledge.folder: %s is not a folder (give the folder of the help articles)", ErrConfig, dir)
	}
	rep, err := base.Ingest(ctx, dir)
	if err != nil {
		return nil, rep, fmt.Errorf("knowledge: ingest %s: %w", dir, err)
	}
	return base, rep, nil
}

// newAgents builds the configured agent factory.
func (cfg Config) newAgents(b *Brain, domains []*nlu.Domain, log *slog.Logger) (agentic.Factory, error) {
	tools := make([]agentic.Tool, 0, len(b.Tools))
	for _, name := range sortedNames(b.Tools) {
		tools = append(tools, b.Tools[name])
	}
	var llmAgents agentic.Factory
	if cfg.Agent.Type != AgentFlow {
		f, err := llm.New(cfg.Agent.LLM, tools, llm.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("%w: agent.llm: %w", ErrConfig, err)
		}
		if cfg.Agent.Type == AgentLLM {
			return f, nil
		}
		llmAgents = f
	}
	path := cfg.Agent.Flow.Path(cfg.Dir)
	flows, err := flow.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: agent.flow: %w", ErrConfig, err)
	}
	opts := []flow.Option{flow.WithTools(b.Tools), flow.WithDomains(domains...), flow.WithLogger(log)}
	if b.Knowledge != nil {
		opts = append(opts, flow.WithSearcher(b.Knowledge))
	}
	flows2, err := flow.New(flows, b.Parser, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: agent.flow: %s: %w", ErrConfig, path, err)
	}
	if llmAgents == nil {
		return flows2, nil
	}
	return hybrid.New(flows2, llmAgents, hybrid.WithLogger(log))
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
