package webrtc_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/webrtc"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*webrtc.Config)
		field  string // "" means valid
		detail string
	}{
		{"defaults", func(*webrtc.Config) {}, "", ""},
		{"ephemeral ports", func(c *webrtc.Config) { c.UDPPortMin, c.UDPPortMax = 0, 0 }, "", ""},
		{"one port", func(c *webrtc.Config) { c.UDPPortMin, c.UDPPortMax = 40000, 40000 }, "", ""},
		{"min only zero", func(c *webrtc.Config) { c.UDPPortMin = 0 }, "webrtc.udp_port_min", "ephemeral"},
		{"min too big", func(c *webrtc.Config) { c.UDPPortMin = 70000 }, "webrtc.udp_port_min", "70000"},
		{"max below min", func(c *webrtc.Config) { c.UDPPortMax = 19000 }, "webrtc.udp_port_max", "19000"},
		{"public IP", func(c *webrtc.Config) { c.PublicIPs = []string{"203.0.113.7", "2001:db8::1"} }, "", ""},
		{"bad public IP", func(c *webrtc.Config) { c.PublicIPs = []string{"203.0.113.7", "example.com"} }, "webrtc.public_ips[1]", "example.com"},
		{"bad local IP", func(c *webrtc.Config) { c.LocalIPs = []string{"10.0.0"} }, "webrtc.local_ips[0]", "10.0.0"},
		{"STUN", func(c *webrtc.Config) {
			c.STUNServers = []string{"stun:stun.example.com:3478", "stuns:stun.example.com"}
		}, "", ""},
		{"TURN is not STUN", func(c *webrtc.Config) { c.STUNServers = []string{"turn:turn.example.com"} }, "webrtc.stun_servers[0]", "turn:"},
		{"not a URI", func(c *webrtc.Config) { c.STUNServers = []string{"stun.example.com"} }, "webrtc.stun_servers[0]", "stun:"},
		{"no calls", func(c *webrtc.Config) { c.MaxCalls = 0 }, "webrtc.max_calls", "got 0"},
		{"ICE timeout too short", func(c *webrtc.Config) { c.ICETimeout = 100 * time.Millisecond }, "webrtc.ice_timeout", "100ms"},
		{"connect timeout zero", func(c *webrtc.Config) { c.ConnectTimeout = 0 }, "webrtc.connect_timeout", "got 0s"},
		{"gather timeout too long", func(c *webrtc.Config) { c.GatherTimeout = time.Minute }, "webrtc.gather_timeout", "1m0s"},
		{"bitrate too low", func(c *webrtc.Config) { c.OpusBitrate = 1000 }, "webrtc.opus_bitrate", "1000"},
		{"token with a space", func(c *webrtc.Config) { c.Token = "a b" }, "webrtc.token", "spaces"},
		{"one origin", func(c *webrtc.Config) { c.CORSOrigin = "https://example.com:8443" }, "", ""},
		{"same origin only", func(c *webrtc.Config) { c.CORSOrigin = "" }, "", ""},
		{"origin with a path", func(c *webrtc.Config) { c.CORSOrigin = "https://example.com/app" }, "webrtc.cors_origin", "example.com/app"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := webrtc.DefaultConfig()
			tc.edit(&cfg)
			err := cfg.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, webrtc.ErrInvalidConfig) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tc.field+":") || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("Validate = %q, want it to name %s and say %q", err, tc.field, tc.detail)
			}
			if _, nerr := webrtc.New(cfg, bridgetest.NewHandler(1)); !errors.Is(nerr, webrtc.ErrInvalidConfig) {
				t.Errorf("New with the invalid config: %v, want ErrInvalidConfig", nerr)
			}
		})
	}
}

func TestConfigYAML(t *testing.T) {
	const doc = `
udp_port_min: 0
udp_port_max: 0
public_ips: [203.0.113.7]
local_ips: [127.0.0.1]
include_loopback: false
stun_servers: ["stun:stun.example.com:3478"]
max_calls: 20
ice_timeout: 4s
connect_timeout: 20s
gather_timeout: 500ms
token: abc
cors_origin: ""
opus_bitrate: 24000
`
	cfg := webrtc.DefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	want := webrtc.Config{
		PublicIPs: []string{"203.0.113.7"}, LocalIPs: []string{"127.0.0.1"}, STUNServers: []string{"stun:stun.example.com:3478"},
		MaxCalls: 20, ICETimeout: 4 * time.Second, ConnectTimeout: 20 * time.Second, GatherTimeout: 500 * time.Millisecond,
		Token: "abc", OpusBitrate: 24000,
	}
	if cfg.UDPPortMin != 0 || cfg.UDPPortMax != 0 || cfg.IncludeLoopback || cfg.MaxCalls != want.MaxCalls ||
		cfg.ICETimeout != want.ICETimeout || cfg.ConnectTimeout != want.ConnectTimeout || cfg.GatherTimeout != want.GatherTimeout ||
		cfg.Token != want.Token || cfg.CORSOrigin != "" || cfg.OpusBitrate != want.OpusBitrate ||
		cfg.PublicIPs[0] != want.PublicIPs[0] || cfg.LocalIPs[0] != want.LocalIPs[0] || cfg.STUNServers[0] != want.STUNServers[0] {
		t.Errorf("decoded %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestNewOptions(t *testing.T) {
	h := bridgetest.NewHandler(1)
	tests := []struct {
		name string
		opt  webrtc.Option
	}{
		{"nil logger", webrtc.WithLogger(nil)},
		{"nil pacer", webrtc.WithPacer(nil)},
		{"nil clock", webrtc.WithNow(nil)},
		{"nil afterFunc", webrtc.WithAfterFunc(nil)},
		{"relative base path", webrtc.WithBasePath("whip")},
		{"base path with a query", webrtc.WithBasePath("/whip?x=1")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := webrtc.New(testConfig(), h, tc.opt); !errors.Is(err, webrtc.ErrInvalidOption) {
				t.Errorf("New: %v, want ErrInvalidOption", err)
			}
		})
	}
	if _, err := webrtc.New(testConfig(), nil); !errors.Is(err, webrtc.ErrInvalidOption) {
		t.Errorf("New with a nil handler: %v, want ErrInvalidOption", err)
	}
}
