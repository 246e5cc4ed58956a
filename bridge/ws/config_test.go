package ws

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/bridge/bridgetest"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		desc  string
		cfg   Config
		field string // "" for a valid config
	}{
		{"defaults", DefaultConfig(), ""},
		{"zero value", Config{}, ""},
		{"public URL", Config{PublicURL: "wss://voice.example.com/media/twilio", AuthToken: "x"}, ""},
		{"pings off", Config{PingInterval: -1}, ""},
		{"relative path", Config{Path: "media"}, "twilio.path"},
		{"public URL with another scheme", Config{PublicURL: "ftp://voice.example.com"}, "twilio.public_url"},
		{"public URL without a host", Config{PublicURL: "wss:///media"}, "twilio.public_url"},
		{"origin with a path", Config{AllowedOrigins: []string{"https://a.example/app"}}, "twilio.allowed_origins[0]"},
		{"origin without a scheme", Config{AllowedOrigins: []string{"https://ok.example", "a.example"}}, "twilio.allowed_origins[1]"},
		{"negative max calls", Config{MaxCalls: -1}, "twilio.max_calls"},
		{"huge send queue", Config{SendQueue: 5000}, "twilio.send_queue"},
		{"tiny message size", Config{MaxMessageSize: 100}, "twilio.max_message_size"},
		{"negative bad messages", Config{MaxBadMessages: -2}, "twilio.max_bad_messages"},
		{"start timeout too short", Config{StartTimeout: time.Millisecond}, "twilio.start_timeout"},
		{"negative media timeout", Config{MediaTimeout: -time.Second}, "twilio.media_timeout"},
		{"write timeout too long", Config{WriteTimeout: time.Hour}, "twilio.write_timeout"},
		{"ping interval too short", Config{PingInterval: time.Millisecond}, "twilio.ping_interval"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("Validate = %v, want ErrInvalidConfig naming %s", err, tc.field)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	got := Config{SendQueue: 7}.withDefaults()
	want := DefaultConfig()
	if got.Path != want.Path || got.MaxCalls != want.MaxCalls || got.StartTimeout != want.StartTimeout ||
		got.MediaTimeout != want.MediaTimeout || got.PingInterval != want.PingInterval ||
		got.WriteTimeout != want.WriteTimeout || !*got.MarkEvery || got.SendQueue != 7 ||
		got.MaxMessageSize != want.MaxMessageSize || got.MaxBadMessages != want.MaxBadMessages {
		t.Errorf("withDefaults = %+v", got)
	}
}

// TestConfigYAML decodes the section as the server does: over the
// defaults, with durations as strings.
func TestConfigYAML(t *testing.T) {
	src := "path: /tw\nauth_token: secret\npublic_url: wss://v.example.com\nmax_calls: 20\n" +
		"start_timeout: 3s\nmedia_timeout: 15s\nmark_every: false\nallowed_origins: [https://a.example]\n"
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Path != "/tw" || cfg.AuthToken != "secret" || cfg.MaxCalls != 20 || cfg.StartTimeout != 3*time.Second ||
		cfg.MediaTimeout != 15*time.Second || *cfg.MarkEvery || len(cfg.AllowedOrigins) != 1 {
		t.Errorf("decoded %+v", cfg)
	}
}

func TestNewOptions(t *testing.T) {
	h := bridgetest.NewHandler(1)
	cases := []struct {
		desc string
		run  func() error
		want error
	}{
		{"nil handler", func() error { _, err := New(Config{}, nil); return err }, ErrInvalidOption},
		{"nil logger", func() error { _, err := New(Config{}, h, WithLogger(nil)); return err }, ErrInvalidOption},
		{"nil pacer", func() error { _, err := New(Config{}, h, WithPacer(nil)); return err }, ErrInvalidOption},
		{"nil clock", func() error { _, err := New(Config{}, h, WithClock(nil)); return err }, ErrInvalidOption},
		{"bad config", func() error { _, err := New(Config{MaxCalls: -3}, h); return err }, ErrInvalidConfig},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, tc.want) {
				t.Errorf("New = %v, want %v", err, tc.want)
			}
		})
	}
}
