package sip

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults and bounds of Config.
const (
	// DefaultListen is the default UDP and TCP listen address.
	DefaultListen = "0.0.0.0:5060"
	// DefaultUserAgent is the default User-Agent and Server header value.
	DefaultUserAgent = "Parley"
	// DefaultSessionExpires is the default session timer interval
	// (RFC 4028 section 4 recommends 1800 s).
	DefaultSessionExpires = 1800 * time.Second
	// MinSessionExpires is the smallest session interval RFC 4028 allows
	// (Min-SE, section 4): shorter requests get 422 Session Interval Too
	// Small.
	MinSessionExpires = 90 * time.Second
	// DefaultInviteTimeout bounds how long an outbound INVITE may ring.
	DefaultInviteTimeout = 60 * time.Second
	// DefaultRealm is the digest realm when Auth.Realm is empty.
	DefaultRealm = "parley"
	// maxRing bounds Config.Ring.
	maxRing = time.Minute
	// maxInviteTimeout bounds Config.InviteTimeout.
	maxInviteTimeout = 10 * time.Minute
)

// Config is the signalling configuration of the SIP server (the `sip:`
// section of parley.yaml). Start from DefaultConfig and overlay the
// user's values; media (RTP ports, codecs) is configured in rtp.Config.
type Config struct {
	// UDP is the host:port to receive SIP over UDP on; "" disables UDP.
	// Port 0 picks a free port (see Server.Addr). Default 0.0.0.0:5060.
	UDP string `yaml:"udp"`
	// TCP is the host:port to receive SIP over TCP on; "" disables TCP.
	// Default 0.0.0.0:5060.
	TCP string `yaml:"tcp"`
	// TLS configures SIP over TLS (RFC 3261 section 26.2); disabled when
	// TLS.Listen is empty (the default).
	TLS TLSConfig `yaml:"tls"`
	// PublicHost is the host name or IP address written in Contact and
	// Via headers, for a server behind NAT or a load balancer. Default:
	// the listen address when it is a specific IP, otherwise the address
	// the caller reached (the Request-URI host when it is an IP), or the
	// host's first non-loopback IPv4 address.
	PublicHost string `yaml:"public_host"`
	// UserAgent is sent in User-Agent (requests) and Server (responses)
	// headers. Default "Parley".
	UserAgent string `yaml:"user_agent"`
	// MaxCalls bounds the calls in progress, inbound and outbound; INVITEs
	// beyond it get 503 Service Unavailable with Retry-After. 0 means no
	// limit other than the RTP port range. Default 0.
	MaxCalls int `yaml:"max_calls"`
	// SessionExpires is the session timer interval of RFC 4028: the far
	// end (or Parley) refreshes the session within it, and a session that
	// is not refreshed in time is ended with a BYE, so that calls whose
	// far end vanished do not stay up. A caller may ask for a shorter one,
	// down to MinSessionExpires (90 s). 0 disables session timers.
	// Default 1800s.
	SessionExpires time.Duration `yaml:"session_expires"`
	// Auth turns on digest authentication (RFC 3261 section 22) of inbound
	// INVITEs when it lists users.
	Auth AuthConfig `yaml:"auth"`
	// Ring is how long inbound calls ring (180 Ringing) before they are
	// answered, 0..1m. Default 0: answer at once.
	Ring time.Duration `yaml:"ring"`
	// InviteTimeout bounds how long an outbound call (Server.Dial) may
	// ring before it is cancelled, 1s..10m. Default 60s.
	InviteTimeout time.Duration `yaml:"invite_timeout"`
	// Outbound holds the credentials Dial answers digest challenges
	// (401/407) of the far end with; empty means challenges fail the call.
	Outbound Credentials `yaml:"outbound"`
}

// TLSConfig configures the TLS listener.
type TLSConfig struct {
	// Listen is the host:port to receive SIP over TLS on (usually port
	// 5061); "" disables TLS.
	Listen string `yaml:"listen"`
	// Cert and Key are the PEM files of the server's certificate chain and
	// private key; both are required with Listen.
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// AuthConfig configures digest authentication of inbound calls.
type AuthConfig struct {
	// Realm is the protection realm shown to callers (their credentials
	// are per realm). Default "parley".
	Realm string `yaml:"realm"`
	// Users maps user names to passwords. When it is empty, inbound calls
	// are not challenged.
	Users map[string]string `yaml:"users"`
}

// Credentials are a user name and password for digest authentication.
type Credentials struct {
	// Username and Password answer the far end's challenge.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		UDP:            DefaultListen,
		TCP:            DefaultListen,
		UserAgent:      DefaultUserAgent,
		SessionExpires: DefaultSessionExpires,
		Auth:           AuthConfig{Realm: DefaultRealm},
		InviteTimeout:  DefaultInviteTimeout,
	}
}

// Validate reports the first invalid field as an error wrapping
// ErrInvalidConfig and naming the field (sip.udp).
func (c Config) Validate() error {
	if c.UDP == "" && c.TCP == "" && c.TLS.Listen == "" {
		return fmt.Errorf("%w: sip.udp, sip.tcp and sip.tls.listen are all empty: set at least one listen address (e.g. 0.0.0.0:5060)", ErrInvalidConfig)
	}
	for _, a := range []struct{ field, addr string }{{"sip.udp", c.UDP}, {"sip.tcp", c.TCP}, {"sip.tls.listen", c.TLS.Listen}} {
		if a.addr == "" {
			continue
		}
		if err := checkListen(a.addr); err != nil {
			return fmt.Errorf("%w: %s %q: %v", ErrInvalidConfig, a.field, a.addr, err)
		}
	}
	if c.TLS.Listen != "" && (c.TLS.Cert == "" || c.TLS.Key == "") {
		return fmt.Errorf("%w: sip.tls.cert and sip.tls.key must name the PEM certificate and key files when sip.tls.listen is set", ErrInvalidConfig)
	}
	if c.PublicHost != "" && !validHost(c.PublicHost) {
		return fmt.Errorf("%w: sip.public_host %q: want a host name or IP address without a port", ErrInvalidConfig, c.PublicHost)
	}
	if strings.ContainsAny(c.UserAgent, "\r\n") {
		return fmt.Errorf("%w: sip.user_agent must be one line", ErrInvalidConfig)
	}
	if c.MaxCalls < 0 {
		return fmt.Errorf("%w: sip.max_calls %d: want 0 (no limit) or more", ErrInvalidConfig, c.MaxCalls)
	}
	if c.SessionExpires != 0 && c.SessionExpires < MinSessionExpires {
		return fmt.Errorf("%w: sip.session_expires %v: want 0 (off) or at least %v (RFC 4028)", ErrInvalidConfig, c.SessionExpires, MinSessionExpires)
	}
	if c.Ring < 0 || c.Ring > maxRing {
		return fmt.Errorf("%w: sip.ring %v: want 0..%v", ErrInvalidConfig, c.Ring, maxRing)
	}
	if c.InviteTimeout < time.Second || c.InviteTimeout > maxInviteTimeout {
		return fmt.Errorf("%w: sip.invite_timeout %v: want 1s..%v", ErrInvalidConfig, c.InviteTimeout, maxInviteTimeout)
	}
	return c.validateAuth()
}

// validateAuth checks the auth and outbound sections.
func (c Config) validateAuth() error {
	if strings.ContainsAny(c.Auth.Realm, "\"\\\r\n") {
		return fmt.Errorf("%w: sip.auth.realm %q must not hold quotes, backslashes or line breaks", ErrInvalidConfig, c.Auth.Realm)
	}
	for name, pw := range c.Auth.Users {
		if name == "" || strings.ContainsAny(name, "\"\\\r\n") {
			return fmt.Errorf("%w: sip.auth.users: user name %q must be non-empty, without quotes, backslashes or line breaks", ErrInvalidConfig, name)
		}
		if pw == "" {
			return fmt.Errorf("%w: sip.auth.users.%s: empty password", ErrInvalidConfig, name)
		}
	}
	if (c.Outbound.Username == "") != (c.Outbound.Password == "") {
		return fmt.Errorf("%w: sip.outbound.username and sip.outbound.password go together: set both or neither", ErrInvalidConfig)
	}
	return nil
}

// checkListen checks a host:port listen address.
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port (0.0.0.0:5060): %v", err)
	}
	if host != "" && net.ParseIP(host) == nil {
		return fmt.Errorf("host %q is not an IP address (use 0.0.0.0 for every interface)", host)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("port %q: want 0..65535", port)
	}
	return nil
}

// validHost reports whether h is an IP address or a DNS name.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 || h == "" {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// retryAfter is the Retry-After value (seconds) sent with 503 responses: a
// busy server or one shutting down asks callers (and proxies) to try again
// shortly, or elsewhere.
const retryAfter = 5
