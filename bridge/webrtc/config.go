package webrtc

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/pion/stun/v4"
)

// Config is the WebRTC configuration shared by all browser calls (the
// `webrtc:` section of parley.yaml). Start from DefaultConfig and overlay
// the user's values: zero values mean what the field says, not "default".
type Config struct {
	// UDPPortMin and UDPPortMax bound the UDP ports ICE binds for media.
	// Each call takes one port per local address it gathers candidates
	// on, so the range must hold max_calls times the number of local
	// addresses. Both 0 means ephemeral ports chosen by the kernel.
	// Default 20000-20999.
	UDPPortMin int `yaml:"udp_port_min"`
	UDPPortMax int `yaml:"udp_port_max"`
	// PublicIPs are the addresses a 1:1 NAT maps to this host (a cloud
	// VM's public IP); they are advertised as extra host candidates next
	// to the local addresses, on the same ports. Default none.
	PublicIPs []string `yaml:"public_ips"`
	// LocalIPs restricts the local addresses ICE gathers candidates on
	// (for example to skip container bridges). Default empty: every
	// address of every interface that is up.
	LocalIPs []string `yaml:"local_ips"`
	// IncludeLoopback also offers 127.0.0.1 and ::1 candidates, so that a
	// browser on the same machine connects without a network. Default
	// true.
	IncludeLoopback bool `yaml:"include_loopback"`
	// STUNServers are stun: or stuns: URIs (RFC 7064) used to learn this
	// host's public address when it is behind a NAT that public_ips does
	// not describe. Gathering then waits for the servers' answers (up to
	// gather_timeout). They are also announced to WHIP clients in Link
	// headers (RFC 9725 section 4.6). Default none: Parley needs no
	// network at run time.
	STUNServers []string `yaml:"stun_servers"`
	// MaxCalls bounds the browser calls being set up or in progress;
	// further offers get HTTP 503 with Retry-After. In [1, 10000].
	// Default 100.
	MaxCalls int `yaml:"max_calls"`
	// ICETimeout ends a call (bridge.ErrMediaTimeout) when nothing has
	// arrived from the browser for this long: ICE reports the connection
	// disconnected after half of it (at most 5s) and failed after all of
	// it. A shorter value frees a vanished caller's resources sooner, a
	// longer one rides out longer network outages. In [500ms, 5m].
	// Default 10s.
	ICETimeout time.Duration `yaml:"ice_timeout"`
	// ConnectTimeout ends a call whose browser has not completed ICE and
	// DTLS this long after the answer was sent (a client that never
	// connects). In [1s, 5m]. Default 15s.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// GatherTimeout bounds the wait for ICE candidate gathering before
	// the answer is sent (this server does not trickle candidates: the
	// answer carries all of them). Host candidates take milliseconds;
	// STUN servers take a round trip. On timeout the answer carries the
	// candidates gathered so far. In [100ms, 30s]. Default 3s.
	GatherTimeout time.Duration `yaml:"gather_timeout"`
	// Token, when set, is the bearer token WHIP requests must carry
	// ("Authorization: Bearer <token>", RFC 9725 section 4.5); requests
	// without it get HTTP 401. The softphone page passes ?token=... on.
	// Default empty: no authentication.
	Token string `yaml:"token"`
	// CORSOrigin is the Access-Control-Allow-Origin answered to browsers
	// of other origins: "*" for any page, one origin
	// ("https://example.com") for that page only, or empty to answer
	// same-origin requests only. Default "*".
	CORSOrigin string `yaml:"cors_origin"`
	// OpusBitrate is the bitrate of the bot audio sent to the browser,
	// in bits per second. In [6000, 510000]. Default 32000, ample for
	// wideband speech.
	OpusBitrate int `yaml:"opus_bitrate"`
}

// Bounds of the configuration values.
const (
	maxCallsLimit     = 10000
	minICETimeout     = 500 * time.Millisecond
	maxICETimeout     = 5 * time.Minute
	minConnectTimeout = time.Second
	maxConnectTimeout = 5 * time.Minute
	minGatherTimeout  = 100 * time.Millisecond
	maxGatherTimeout  = 30 * time.Second
	minOpusBitrate    = 6000
	maxOpusBitrate    = 510000
)

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		UDPPortMin:      20000,
		UDPPortMax:      20999,
		IncludeLoopback: true,
		MaxCalls:        100,
		ICETimeout:      10 * time.Second,
		ConnectTimeout:  15 * time.Second,
		GatherTimeout:   3 * time.Second,
		CORSOrigin:      "*",
		OpusBitrate:     32000,
	}
}

// Validate reports the first invalid field as an error wrapping
// ErrInvalidConfig that names it as in parley.yaml (webrtc.x).
func (c Config) Validate() error {
	if err := c.validatePorts(); err != nil {
		return err
	}
	for i, s := range c.PublicIPs {
		if net.ParseIP(s) == nil {
			return invalid(fmt.Sprintf("public_ips[%d]", i), "%q is not an IP address (write the NAT's public address, e.g. 203.0.113.7)", s)
		}
	}
	for i, s := range c.LocalIPs {
		if net.ParseIP(s) == nil {
			return invalid(fmt.Sprintf("local_ips[%d]", i), "%q is not an IP address of this host", s)
		}
	}
	for i, s := range c.STUNServers {
		u, err := stun.ParseURI(s)
		if err != nil || (u.Scheme != stun.SchemeTypeSTUN && u.Scheme != stun.SchemeTypeSTUNS) {
			return invalid(fmt.Sprintf("stun_servers[%d]", i), "%q is not a stun: or stuns: URI (e.g. stun:stun.example.com:3478)", s)
		}
	}
	checks := []struct {
		bad        bool
		field, msg string
		args       []any
	}{
		{c.MaxCalls < 1 || c.MaxCalls > maxCallsLimit, "max_calls", "must be in [1, %d], got %d", []any{maxCallsLimit, c.MaxCalls}},
		{c.ICETimeout < minICETimeout || c.ICETimeout > maxICETimeout, "ice_timeout", "must be in [%v, %v], got %v", []any{minICETimeout, maxICETimeout, c.ICETimeout}},
		{c.ConnectTimeout < minConnectTimeout || c.ConnectTimeout > maxConnectTimeout, "connect_timeout", "must be in [%v, %v], got %v", []any{minConnectTimeout, maxConnectTimeout, c.ConnectTimeout}},
		{c.GatherTimeout < minGatherTimeout || c.GatherTimeout > maxGatherTimeout, "gather_timeout", "must be in [%v, %v], got %v", []any{minGatherTimeout, maxGatherTimeout, c.GatherTimeout}},
		{c.OpusBitrate < minOpusBitrate || c.OpusBitrate > maxOpusBitrate, "opus_bitrate", "must be in [%d, %d] bits per second, got %d", []any{minOpusBitrate, maxOpusBitrate, c.OpusBitrate}},
		{strings.ContainsAny(c.Token, " \t\r\n"), "token", "must not contain spaces or line breaks (it is sent in an HTTP header)", nil},
		{!validOrigin(c.CORSOrigin), "cors_origin", "must be \"*\", empty, or one origin like https://example.com, got %q", []any{c.CORSOrigin}},
	}
	for _, ch := range checks {
		if ch.bad {
			return invalid(ch.field, ch.msg, ch.args...)
		}
	}
	return nil
}

// validatePorts checks udp_port_min and udp_port_max.
func (c Config) validatePorts() error {
	if c.UDPPortMin == 0 && c.UDPPortMax == 0 {
		return nil
	}
	if c.UDPPortMin < 1 || c.UDPPortMin > 65535 {
		return invalid("udp_port_min", "must be in [1, 65535] (or 0 together with udp_port_max for ephemeral ports), got %d", c.UDPPortMin)
	}
	if c.UDPPortMax < c.UDPPortMin || c.UDPPortMax > 65535 {
		return invalid("udp_port_max", "must be in [udp_port_min, 65535] = [%d, 65535], got %d", c.UDPPortMin, c.UDPPortMax)
	}
	return nil
}

// validOrigin reports whether s is "*", empty, or a bare scheme://host[:port].
func validOrigin(s string) bool {
	if s == "" || s == "*" {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// invalid returns an ErrInvalidConfig error naming webrtc.field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: webrtc.%s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
}
