package server

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/agentic/webhook"
	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/bridge/sip"
	"github.com/parley-voice/parley/bridge/webrtc"
	"github.com/parley-voice/parley/bridge/ws"
	"github.com/parley-voice/parley/pipeline/vad"
	"github.com/parley-voice/parley/server/recording"
	"github.com/parley-voice/parley/server/records"
)

// Config is the configuration of a Parley server (parley.yaml). Start from
// DefaultConfig; Load overlays a file on it.
type Config struct {
	// Language is the default language of calls, a BCP 47 tag ("en",
	// "zh"). Default "en".
	Language string `yaml:"language"`
	// VAD configures voice activity detection.
	VAD vad.Config `yaml:"vad"`
	// STT selects and configures speech recognition.
	STT STTConfig `yaml:"stt"`
	// TTS selects and configures speech synthesis.
	TTS TTSConfig `yaml:"tts"`
	// NLU configures intent classification and slot filling.
	NLU NLUConfig `yaml:"nlu"`
	// Knowledge configures the knowledge base the agent answers from.
	Knowledge KnowledgeConfig `yaml:"knowledge"`
	// Agent selects and configures the agent.
	Agent AgentConfig `yaml:"agent"`
	// Tools are the webhook tools flows and models can call, by name.
	Tools webhook.Tools `yaml:"tools"`
	// Demo runs the example order service for the retail demo.
	Demo DemoConfig `yaml:"demo"`
	// HTTP configures the HTTP listener of `parley serve`.
	HTTP HTTPConfig `yaml:"http"`
	// Call configures each call: turn-taking, greeting, limits.
	Call CallConfig `yaml:"call"`
	// Records configures the call records database.
	Records records.Config `yaml:"records"`
	// Recordings configures the calls' dual-channel recordings.
	Recordings recording.Config `yaml:"recordings"`
	// Shutdown configures the graceful shutdown.
	Shutdown ShutdownConfig `yaml:"shutdown"`
	// Transports opens or closes each way in.
	Transports TransportsConfig `yaml:"transports"`
	// Handoff says where handed-off calls go.
	Handoff HandoffConfig `yaml:"handoff"`
	// Log configures the server's logs.
	Log LogConfig `yaml:"log"`
	// SIP configures SIP signalling (transports.sip).
	SIP sip.Config `yaml:"sip"`
	// RTP configures the media of SIP calls.
	RTP rtp.Config `yaml:"rtp"`
	// WebRTC configures browser calls over WHIP (transports.webrtc).
	WebRTC webrtc.Config `yaml:"webrtc"`
	// Twilio configures Twilio Media Streams (transports.twilio).
	Twilio ws.Config `yaml:"twilio"`
	// Dir is the folder of the configuration file; relative paths in the
	// file (intent, flow and knowledge files) are relative to it. Empty
	// for built-in configuration: the working directory.
	Dir string `yaml:"-"`
}

// DefaultConfig returns the configuration `parley serve` runs with when no
// file is given.
func DefaultConfig() Config {
	return Config{
		Language:  "en",
		VAD:       vad.DefaultConfig(),
		STT:       DefaultSTTConfig(),
		TTS:       DefaultTTSConfig(),
		NLU:       DefaultNLUConfig(),
		Knowledge: DefaultKnowledgeConfig(),
		Agent:     DefaultAgentConfig(),

		HTTP:       DefaultHTTPConfig(),
		Call:       DefaultCallConfig(),
		Records:    records.DefaultConfig(),
		Recordings: recording.DefaultConfig(),
		Shutdown:   ShutdownConfig{Grace: 30 * time.Second},
		Transports: DefaultTransportsConfig(),
		Handoff:    DefaultHandoffConfig(),
		SIP:        sip.DefaultConfig(),
		RTP:        rtp.DefaultConfig(),
		WebRTC:     webrtc.DefaultConfig(),
		Twilio:     ws.DefaultConfig(),
	}
}

// Validate reports the first invalid value as a *ConfigError naming the
// field (without file and line; Load adds them).
func (c Config) Validate() error {
	if c.Language == "" {
		return &ConfigError{Field: "language", Err: errors.New("must not be empty (e.g. en or zh)")}
	}
	if err := c.VAD.Validate(); err != nil {
		return &ConfigError{Field: "vad", Err: err}
	}
	if err := c.STT.Validate(); err != nil {
		return prefixed("stt", err)
	}
	if err := c.TTS.Validate(); err != nil {
		return prefixed("tts", err)
	}
	sections := []struct {
		name string
		err  error
	}{
		{"nlu", c.NLU.Validate()}, {"knowledge", c.Knowledge.Validate()}, {"agent", c.Agent.Validate()},
		{"tools", c.Tools.Validate()}, {"demo", c.Demo.Validate()},
	}
	for _, s := range sections {
		if s.err != nil {
			return prefixed(s.name, s.err)
		}
	}
	return c.serveSections()
}

// prefixed puts a section name in front of the field of a nested error.
func prefixed(section string, err error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		f := section
		if ce.Field != "" {
			f += "." + ce.Field
		}
		return &ConfigError{Field: f, Err: ce.Err}
	}
	return &ConfigError{Field: section, Err: err}
}

// ConfigError is a problem in a configuration file, located by file, line
// and field.
type ConfigError struct {
	// File is the configuration file; empty for built-in configuration.
	File string
	// Line is 1-based; 0 when unknown.
	Line int
	// Field is the dotted YAML path of the field ("stt.openai.model").
	Field string
	// Err says what is wrong.
	Err error
}

// Error returns "file:line: field: problem".
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	// Section validators name their section too: say it once.
	section, _, _ := strings.Cut(e.Field, ".")
	msg := strings.TrimPrefix(e.Err.Error(), e.Field+": ")
	b.WriteString(strings.TrimPrefix(msg, section+": "))
	return b.String()
}

// Unwrap returns the underlying error; errors.Is(err, ErrConfig) holds too.
func (e *ConfigError) Unwrap() []error { return []error{ErrConfig, e.Err} }

// LoadConfig reads a YAML configuration file over DefaultConfig, rejecting
// unknown fields and invalid values with a *ConfigError that gives the
// file, line and field.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return Config{}, err
	}
	cfg.Dir = filepath.Dir(path)
	return cfg, nil
}

// ParseConfig is LoadConfig on data already read; name labels errors.
func ParseConfig(name string, data []byte) (Config, error) {
	cfg := DefaultConfig()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, yamlError(name, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, cfg.Validate()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, yamlError(name, err)
	}
	if err := cfg.Validate(); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.File = name
			ce.Field = refineField(&root, ce.Field, ce.Err.Error())
			ce.Line = lineOf(&root, ce.Field)
			return Config{}, ce
		}
		return Config{}, &ConfigError{File: name, Err: err}
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a yaml.v3 error into a ConfigError with the first
// problem's line.
func yamlError(name string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		problem := m[2]
		field := ""
		if f := regexp.MustCompile(`field (\S+) not found`).FindStringSubmatch(problem); f != nil {
			field = f[1]
			problem = "unknown field (check its spelling and the section it is in)"
		}
		return &ConfigError{File: name, Line: line, Field: field, Err: errors.New(problem)}
	}
	return &ConfigError{File: name, Err: errors.New(strings.TrimPrefix(msg, "yaml: "))}
}

var fieldLike = regexp.MustCompile(`[a-z_][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z_][a-z0-9_]*(?:\[\d+\])?)*`)

// refineField extends a section-level field with a more precise path named
// in the message ("vad" + "segmenter.min_speech must be ...") when that
// path exists in the file.
func refineField(root *yaml.Node, field, msg string) string {
	for _, cand := range fieldLike.FindAllString(msg, -1) {
		full := field + "." + strings.TrimPrefix(cand, field+".")
		if find(root, full) != nil {
			return full
		}
	}
	return field
}

// lineOf returns the line of the deepest node of the dotted path present in
// the document. A part may index a sequence: "tools[1].url".
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range strings.Split(path, ".") {
		name, idx := splitIndex(part)
		key, val := child(n, name)
		if key == nil {
			break
		}
		line, n = key.Line, val
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				break
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

// find returns the value node of a dotted path, or nil.
func find(root *yaml.Node, path string) *yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, part := range strings.Split(path, ".") {
		name, idx := splitIndex(part)
		_, v := child(n, name)
		if v == nil {
			return nil
		}
		n = v
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return nil
			}
			n = n.Content[idx]
		}
	}
	return n
}

// splitIndex splits "tools[1]" into "tools" and 1; idx is -1 without an
// index.
func splitIndex(part string) (name string, idx int) {
	open := strings.IndexByte(part, '[')
	if open < 0 || !strings.HasSuffix(part, "]") {
		return part, -1
	}
	i, err := strconv.Atoi(part[open+1 : len(part)-1])
	if err != nil || i < 0 {
		return part, -1
	}
	return part[:open], i
}

func child(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
