package sip

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge/bridgetest"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*Config)
		field string // "" for a valid configuration
	}{
		{"defaults", func(*Config) {}, ""},
		{"UDP only", func(c *Config) { c.TCP = "" }, ""},
		{"IPv6 listener", func(c *Config) { c.UDP = "[::1]:5062" }, ""},
		{"no transport", func(c *Config) { c.UDP, c.TCP = "", "" }, "sip.udp"},
		{"UDP without a port", func(c *Config) { c.UDP = "0.0.0.0" }, "sip.udp"},
		{"TCP with a host name", func(c *Config) { c.TCP = "example.com:5060" }, "sip.tcp"},
		{"port out of range", func(c *Config) { c.UDP = "0.0.0.0:70000" }, "sip.udp"},
		{"TLS without a certificate", func(c *Config) { c.TLS.Listen = "0.0.0.0:5061" }, "sip.tls.cert"},
		{"bad public host", func(c *Config) { c.PublicHost = "sip.example.com:5060" }, "sip.public_host"},
		{"public host name", func(c *Config) { c.PublicHost = "sip.example.com" }, ""},
		{"negative max calls", func(c *Config) { c.MaxCalls = -1 }, "sip.max_calls"},
		{"session timer below 90 s", func(c *Config) { c.SessionExpires = time.Minute }, "sip.session_expires"},
		{"session timer off", func(c *Config) { c.SessionExpires = 0 }, ""},
		{"ring too long", func(c *Config) { c.Ring = 2 * time.Minute }, "sip.ring"},
		{"invite timeout zero", func(c *Config) { c.InviteTimeout = 0 }, "sip.invite_timeout"},
		{"user without a password", func(c *Config) { c.Auth.Users = map[string]string{"alice": ""} }, "sip.auth.users.alice"},
		{"realm with a quote", func(c *Config) { c.Auth.Realm = `a"b` }, "sip.auth.realm"},
		{"outbound user alone", func(c *Config) { c.Outbound.Username = "x" }, "sip.outbound.username"},
		{"user agent on two lines", func(c *Config) { c.UserAgent = "a\r\nb" }, "sip.user_agent"},
	}
	for _, tc := range tests {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.desc, err)
		case tc.field != "" && (!errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field)):
			t.Errorf("%s: %v, want an ErrInvalidConfig naming %s", tc.desc, err, tc.field)
		}
	}
}

func TestNewServerErrors(t *testing.T) {
	h := bridgetest.NewHandler(1)
	bad := testConfig()
	bad.MaxCalls = -1
	if _, err := NewServer(bad, testMedia(), h); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("invalid config: %v", err)
	}
	if _, err := NewServer(testConfig(), testMedia(), nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil handler: %v", err)
	}
	if _, err := NewServer(testConfig(), testMedia(), h, WithLogger(nil)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil logger: %v", err)
	}
	hs := startServer(t, harnessOpts{})
	taken := testConfig()
	taken.UDP, taken.TCP = hs.srv.Addr("udp").String(), ""
	if _, err := NewServer(taken, testMedia(), h); err == nil || !strings.Contains(err.Error(), "sip.udp") {
		t.Errorf("address in use: %v", err)
	}
	srv, err := NewServer(testConfig(), testMedia(), h)
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.Close()
	if err := srv.Serve(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Serve after Close: %v", err)
	}
}
