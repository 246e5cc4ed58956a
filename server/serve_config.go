package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/server/recording"
	"github.com/parley-voice/parley/server/records"
)

// HTTPConfig is the `http:` section: the listener of the web UI, the API,
// WHIP, the media WebSocket and /metrics.
type HTTPConfig struct {
	// Listen is the address to bind, host:port. Default ":8080" (all
	// interfaces); "127.0.0.1:0" picks a free port on loopback.
	Listen string `yaml:"listen"`
	// ReadHeaderTimeout bounds reading a request's headers (slow-client
	// protection). Default 10s.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// WriteTimeout bounds writing a response of the JSON API and the
	// recordings; event streams and WebSockets are exempt. Default 2m.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout closes idle keep-alive connections. Default 2m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxBodyBytes bounds a request body (a WHIP offer is a few KiB).
	// Default 1 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// EventBuffer is how many live events wait for a slow /api/events
	// client before it loses events (and is told how many). Default 256.
	EventBuffer int `yaml:"event_buffer"`
}

// CallConfig is the `call:` section: how each call runs. The pipeline's
// settings (turn-taking thresholds under `turn:`, queues, timeouts) are
// inline; its language defaults to the top-level language. The session's
// speech segmenter is `call.turn.vad`; the `vad:` section chooses the
// detector.
type CallConfig struct {
	pipeline.Config `yaml:",inline"`
	// Greeting makes the agent speak first when a call is answered.
	// Default true.
	Greeting bool `yaml:"greeting"`
	// MaxCalls is how many calls run at once; further calls are refused
	// as busy (SIP 503, HTTP 503). Default 100.
	MaxCalls int `yaml:"max_calls"`
	// MaxDuration hangs a call up after this long. Default 1h; 0 means no
	// limit.
	MaxDuration time.Duration `yaml:"max_duration"`
	// HangupDelay is how long the server waits after the bot's last words
	// before hanging up (end_call), so the far end's playout buffer has
	// played them. Default 400ms.
	HangupDelay time.Duration `yaml:"hangup_delay"`
}

// ShutdownConfig is the `shutdown:` section.
type ShutdownConfig struct {
	// Grace is how long live calls may go on after a shutdown starts (new
	// calls are refused meanwhile); calls still live then are hung up.
	// Default 30s.
	Grace time.Duration `yaml:"grace"`
}

// TransportsConfig is the `transports:` section: which ways in are open.
type TransportsConfig struct {
	// SIP answers SIP calls (sip:, rtp:). Default true.
	SIP bool `yaml:"sip"`
	// WebRTC answers browser calls over WHIP at /whip. Default true.
	WebRTC bool `yaml:"webrtc"`
	// Twilio answers Twilio Media Streams at twilio.path. Default true.
	Twilio bool `yaml:"twilio"`
	// Web serves the softphone page at /. Default true.
	Web bool `yaml:"web"`
}

// HandoffConfig is the `handoff:` section: where calls go when the agent
// hands them to a human.
type HandoffConfig struct {
	// Queues maps a queue name (as flows and the LLM agent name it:
	// general, billing, ...) to its settings.
	Queues map[string]QueueConfig `yaml:"queues"`
	// DefaultQueue is used when a handoff names no queue. Default
	// "general".
	DefaultQueue string `yaml:"default_queue"`
	// UnavailableMessage is spoken before hanging up when a handoff cannot
	// be carried out (no transfer target for the queue, or the transfer
	// failed).
	UnavailableMessage string `yaml:"unavailable_message"`
}

// QueueConfig is one handoff queue.
type QueueConfig struct {
	// TransferTo is the SIP URI (sip:agents@pbx.example.com) or phone
	// number (+15551234567, tel:+15551234567) a blind transfer sends the
	// queue's calls to.
	TransferTo string `yaml:"transfer_to"`
}

// LogConfig is the `log:` section.
type LogConfig struct {
	// Format is text (the default) or json.
	Format string `yaml:"format"`
	// Level is debug, info (the default), warn or error.
	Level string `yaml:"level"`
}

// DefaultHTTPConfig and the other Default functions return the defaults
// documented on each section.
func DefaultHTTPConfig() HTTPConfig {
	return HTTPConfig{Listen: ":8080", ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxBodyBytes: 1 << 20, EventBuffer: 256}
}

// DefaultCallConfig: the pipeline's defaults in the server's language,
// a greeting, 100 calls of at most an hour.
func DefaultCallConfig() CallConfig {
	pc := pipeline.DefaultConfig()
	pc.Language = "" // the top-level language
	return CallConfig{Config: pc, Greeting: true, MaxCalls: 100, MaxDuration: time.Hour,
		HangupDelay: 400 * time.Millisecond}
}

// DefaultHandoffConfig: no transfer targets, the general queue, an
// apology.
func DefaultHandoffConfig() HandoffConfig {
	return HandoffConfig{DefaultQueue: "general",
		UnavailableMessage: "I'm sorry, nobody is available to take your call right now. Please call again later. Goodbye."}
}

// DefaultTransportsConfig opens every transport.
func DefaultTransportsConfig() TransportsConfig {
	return TransportsConfig{SIP: true, WebRTC: true, Twilio: true, Web: true}
}

// Validate reports the first invalid value of the section.
func (c HTTPConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return &ConfigError{Field: "listen", Err: fmt.Errorf("%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", c.Listen)}
	}
	durations := []struct {
		field string
		d     time.Duration
	}{{"read_header_timeout", c.ReadHeaderTimeout}, {"write_timeout", c.WriteTimeout}, {"idle_timeout", c.IdleTimeout}}
	for _, d := range durations {
		if d.d < time.Second || d.d > time.Hour {
			return &ConfigError{Field: d.field, Err: fmt.Errorf("must be in [1s, 1h], got %v", d.d)}
		}
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		return &ConfigError{Field: "max_body_bytes", Err: fmt.Errorf("must be in [1024, 1073741824], got %d", c.MaxBodyBytes)}
	}
	if c.EventBuffer < 1 || c.EventBuffer > 65536 {
		return &ConfigError{Field: "event_buffer", Err: fmt.Errorf("must be in [1, 65536], got %d", c.EventBuffer)}
	}
	return nil
}

// Validate reports the first invalid value of the section.
func (c CallConfig) Validate() error {
	if err := c.Config.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), pipeline.ErrInvalidConfig.Error()+": ")
		msg = strings.TrimPrefix(msg, "call.")
		field, rest, ok := strings.Cut(msg, " ")
		if !ok || !fieldLike.MatchString(field) {
			return &ConfigError{Err: errors.New(msg)}
		}
		field = strings.TrimSuffix(field, ":")
		return &ConfigError{Field: field, Err: errors.New(strings.TrimPrefix(rest, ": "))}
	}
	switch {
	case c.MaxCalls < 1 || c.MaxCalls > 100000:
		return &ConfigError{Field: "max_calls", Err: fmt.Errorf("must be in [1, 100000], got %d", c.MaxCalls)}
	case c.MaxDuration < 0 || (c.MaxDuration > 0 && c.MaxDuration < time.Second) || c.MaxDuration > 7*24*time.Hour:
		return &ConfigError{Field: "max_duration", Err: fmt.Errorf("must be 0 (no limit) or in [1s, 168h], got %v", c.MaxDuration)}
	case c.HangupDelay < 0 || c.HangupDelay > 10*time.Second:
		return &ConfigError{Field: "hangup_delay", Err: fmt.Errorf("must be in [0, 10s], got %v", c.HangupDelay)}
	}
	return nil
}

// Validate reports the first invalid value of the section.
func (c ShutdownConfig) Validate() error {
	if c.Grace < 0 || c.Grace > time.Hour {
		return &ConfigError{Field: "grace", Err: fmt.Errorf("must be in [0, 1h], got %v", c.Grace)}
	}
	return nil
}

var phoneNumber = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{2,30}$`)

// isTransferTarget reports whether s names a party a call can be
// transferred to: a SIP URI or a phone number.
func isTransferTarget(s string) bool {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "sip:") || strings.HasPrefix(l, "sips:"):
		_, rest, _ := strings.Cut(s, ":")
		return rest != "" && !strings.ContainsAny(rest, " \t\r\n<>")
	case strings.HasPrefix(l, "tel:"):
		return phoneNumber.MatchString(s[4:])
	}
	return phoneNumber.MatchString(s)
}

// Validate reports the first invalid value of the section.
func (c HandoffConfig) Validate() error {
	names := make([]string, 0, len(c.Queues))
	for n := range c.Queues {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if t := c.Queues[n].TransferTo; !isTransferTarget(t) {
			return &ConfigError{Field: "queues." + n + ".transfer_to",
				Err: fmt.Errorf("%q is not a SIP URI or phone number (e.g. sip:agents@pbx.example.com or +15551234567)", t)}
		}
	}
	if c.DefaultQueue == "" {
		return &ConfigError{Field: "default_queue", Err: errors.New("must not be empty (e.g. general)")}
	}
	return nil
}

// Validate reports the first invalid value of the section.
func (c LogConfig) Validate() error {
	if c.Format != "" && c.Format != "text" && c.Format != "json" {
		return &ConfigError{Field: "format", Err: fmt.Errorf("unknown format %q: use text or json", c.Format)}
	}
	if _, err := c.level(); err != nil {
		return &ConfigError{Field: "level", Err: err}
	}
	return nil
}

func (c LogConfig) level() (slog.Level, error) {
	switch strings.ToLower(c.Level) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown level %q: use debug, info, warn or error", c.Level)
}

// NewLogger returns the logger c describes, writing to w.
func (c LogConfig) NewLogger(w io.Writer) (*slog.Logger, error) {
	lvl, err := c.level()
	if err != nil {
		return nil, &ConfigError{Field: "log.level", Err: err}
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// sectionError turns a section's validation error into a ConfigError under
// section, without the package's sentinel text ("records: invalid option:
// path: ..." becomes field records.path).
func sectionError(section string, err error, sentinel error) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		return prefixed(section, err)
	}
	msg := strings.TrimPrefix(err.Error(), sentinel.Error()+": ")
	if field, rest, ok := strings.Cut(msg, ": "); ok && fieldLike.MatchString(field) && !strings.Contains(field, " ") {
		return &ConfigError{Field: section + "." + field, Err: errors.New(rest)}
	}
	return &ConfigError{Field: section, Err: errors.New(msg)}
}

// serveSections validates the sections `parley serve` adds.
func (c Config) serveSections() error {
	checks := []struct {
		name string
		err  error
	}{
		{"http", c.HTTP.Validate()}, {"call", c.Call.Validate()}, {"shutdown", c.Shutdown.Validate()},
		{"handoff", c.Handoff.Validate()}, {"log", c.Log.Validate()},
	}
	for _, ch := range checks {
		if ch.err != nil {
			return prefixed(ch.name, ch.err)
		}
	}
	if err := c.Records.Validate(); err != nil {
		return sectionError("records", err, records.ErrConfig)
	}
	if err := c.Recordings.Validate(); err != nil {
		return sectionError("recordings", err, recording.ErrConfig)
	}
	return c.transportSections()
}
