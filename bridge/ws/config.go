package ws

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Defaults of Config (see its fields).
const (
	// DefaultPath is the default twilio.path.
	DefaultPath = "/media/twilio"
	// DefaultMaxCalls is the default twilio.max_calls.
	DefaultMaxCalls = 1000
	// DefaultStartTimeout is the default twilio.start_timeout.
	DefaultStartTimeout = 5 * time.Second
	// DefaultMediaTimeout is the default twilio.media_timeout.
	DefaultMediaTimeout = 10 * time.Second
	// DefaultPingInterval is the default twilio.ping_interval.
	DefaultPingInterval = 5 * time.Second
	// DefaultWriteTimeout is the default twilio.write_timeout.
	DefaultWriteTimeout = 2 * time.Second
	// DefaultSendQueue is the default twilio.send_queue, in messages.
	DefaultSendQueue = 50
	// DefaultMaxMessageSize is the default twilio.max_message_size, in
	// bytes.
	DefaultMaxMessageSize = 64 << 10
	// DefaultMaxBadMessages is the default twilio.max_bad_messages.
	DefaultMaxBadMessages = 20
)

// Config is the Twilio Media Streams transport's configuration, the
// `twilio:` section of parley.yaml. Zero fields take the defaults of
// DefaultConfig.
type Config struct {
	// Path is where the server mounts the WebSocket endpoint, the path of
	// the url in the TwiML <Connect><Stream url="wss://host/media/twilio">.
	// Default "/media/twilio".
	Path string `yaml:"path"`
	// AuthToken is the Twilio account's auth token. When set, every
	// upgrade request must carry a valid X-Twilio-Signature (HMAC-SHA1 of
	// the stream URL keyed with the token, base64), and requests without
	// one get HTTP 403. Empty accepts unsigned streams: only do that
	// behind a network that only Twilio can reach.
	AuthToken string `yaml:"auth_token"`
	// PublicURL is the stream URL as Twilio signs it, the url attribute of
	// the TwiML <Stream> (wss://voice.example.com/media/twilio). Set it
	// when a proxy or load balancer terminates TLS or rewrites the host
	// or path. A URL without a path ("wss://voice.example.com") takes the
	// request's path. Default: ws:// or wss:// (TLS, or an
	// X-Forwarded-Proto of https or wss), the request's Host header and
	// path.
	PublicURL string `yaml:"public_url"`
	// AllowedOrigins lists the browser origins ("https://app.example.com")
	// allowed to open a stream. Twilio sends no Origin header; a request
	// that carries an Origin not listed here is refused (HTTP 403), so
	// that web pages cannot open streams with a visitor's browser.
	// Default none.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// MaxCalls bounds concurrent streams; more get HTTP 503 before the
	// upgrade, and Twilio goes on with the TwiML after <Connect>.
	// Default 1000.
	MaxCalls int `yaml:"max_calls"`
	// StartTimeout closes a stream that sent no start message this long
	// after connecting. Default 5s.
	StartTimeout time.Duration `yaml:"start_timeout"`
	// MediaTimeout ends a call (bridge.ErrMediaTimeout) when no media
	// message arrived for this long. Twilio streams media every 20 ms for
	// the whole call, silence included, so a gap means a dead stream.
	// Default 10s.
	MediaTimeout time.Duration `yaml:"media_timeout"`
	// PingInterval is how often a WebSocket ping goes to Twilio, so that
	// proxies keep the connection open and a dead TCP connection fails a
	// write; a negative value turns pings off. Default 5s.
	PingInterval time.Duration `yaml:"ping_interval"`
	// WriteTimeout bounds each write to the WebSocket; a write that takes
	// longer ends the call with ErrConnectionLost. Default 2s.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// MarkEvery sends a mark message after each bot talkspurt, so that
	// Call.Stats knows how much bot audio Twilio has played. Default
	// true.
	MarkEvery *bool `yaml:"mark_every"`
	// SendQueue is how many outbound messages (20 ms of bot audio each, or
	// a mark) wait for a slow connection; when it is full the oldest is
	// dropped and counted (CallStats.Dropped). Default 50 (one second).
	SendQueue int `yaml:"send_queue"`
	// MaxMessageSize bounds one inbound message in bytes; a bigger one
	// ends the call (close code 1009). A 20 ms media message is about
	// 400 bytes. Default 65536.
	MaxMessageSize int `yaml:"max_message_size"`
	// MaxBadMessages ends a call (close code 1008 or 1007) after this many
	// malformed or unusable messages. Unknown events are not counted:
	// they are ignored, so that new Twilio events do not break calls.
	// Default 20.
	MaxBadMessages int `yaml:"max_bad_messages"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	on := true
	return Config{
		Path:           DefaultPath,
		MaxCalls:       DefaultMaxCalls,
		StartTimeout:   DefaultStartTimeout,
		MediaTimeout:   DefaultMediaTimeout,
		PingInterval:   DefaultPingInterval,
		WriteTimeout:   DefaultWriteTimeout,
		MarkEvery:      &on,
		SendQueue:      DefaultSendQueue,
		MaxMessageSize: DefaultMaxMessageSize,
		MaxBadMessages: DefaultMaxBadMessages,
	}
}

// withDefaults returns c with zero fields set from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Path == "" {
		c.Path = d.Path
	}
	if c.MarkEvery == nil {
		c.MarkEvery = d.MarkEvery
	}
	for _, f := range []struct{ v, def *time.Duration }{
		{&c.StartTimeout, &d.StartTimeout}, {&c.MediaTimeout, &d.MediaTimeout},
		{&c.PingInterval, &d.PingInterval}, {&c.WriteTimeout, &d.WriteTimeout},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	for _, f := range []struct{ v, def *int }{
		{&c.MaxCalls, &d.MaxCalls}, {&c.SendQueue, &d.SendQueue},
		{&c.MaxMessageSize, &d.MaxMessageSize}, {&c.MaxBadMessages, &d.MaxBadMessages},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return c
}

// Validate reports the first invalid field as an ErrInvalidConfig error
// that names it (twilio.x) and says what is accepted. Zero fields are
// valid: they take the defaults.
func (c Config) Validate() error {
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		return configError("path", "%q: want an absolute path such as %q", c.Path, DefaultPath)
	}
	if err := validatePublicURL(c.PublicURL); err != nil {
		return err
	}
	for i, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return configError(fmt.Sprintf("allowed_origins[%d]", i), "%q: want an origin such as https://app.example.com", o)
		}
	}
	ints := []struct {
		name     string
		v, lo, h int
	}{
		{"max_calls", c.MaxCalls, 1, 100000},
		{"send_queue", c.SendQueue, 1, 3000},
		{"max_message_size", c.MaxMessageSize, 1024, 16 << 20},
		{"max_bad_messages", c.MaxBadMessages, 1, 1000000},
	}
	for _, f := range ints {
		if f.v != 0 && (f.v < f.lo || f.v > f.h) {
			return configError(f.name, "%d: want %d..%d (or 0 for the default)", f.v, f.lo, f.h)
		}
	}
	durs := []struct {
		name     string
		v, lo, h time.Duration
	}{
		{"start_timeout", c.StartTimeout, 100 * time.Millisecond, 5 * time.Minute},
		{"media_timeout", c.MediaTimeout, 100 * time.Millisecond, time.Hour},
		{"write_timeout", c.WriteTimeout, 10 * time.Millisecond, time.Minute},
		{"ping_interval", max(c.PingInterval, 0), 100 * time.Millisecond, time.Hour},
	}
	for _, f := range durs {
		if f.v != 0 && (f.v < f.lo || f.v > f.h) {
			return configError(f.name, "%v: want %v..%v (or 0 for the default)", f.v, f.lo, f.h)
		}
	}
	return nil
}

// validatePublicURL checks twilio.public_url.
func validatePublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return configError("public_url", "%q: %v", s, err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return configError("public_url", "%q: want a wss:// (or ws://) URL as in the TwiML <Stream url>", s)
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" {
		return configError("public_url", "%q: want scheme://host[:port][/path] as in the TwiML <Stream url>", s)
	}
	return nil
}

// configError builds an ErrInvalidConfig error naming twilio.field.
func configError(field, format string, args ...any) error {
	return fmt.Errorf("%w: twilio.%s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
}
