package rtp

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Defaults of Config.
const (
	// DefaultPortMin and DefaultPortMax bound the default RTP port range.
	DefaultPortMin = 10000
	DefaultPortMax = 20000
	// DefaultMediaTimeout is how long a call may go without media from
	// the far end before it ends.
	DefaultMediaTimeout = 30 * time.Second
)

// Config is the media configuration shared by all calls (the `rtp:`
// section of parley.yaml). Zero fields take the defaults of DefaultConfig.
type Config struct {
	// Bind is the local IP address RTP sockets bind to. Default "0.0.0.0"
	// (every interface, IPv4 and IPv6 where the host allows it).
	Bind string `yaml:"bind"`
	// PublicIP is the address written in SDP (c=) for the far end to send
	// to. Default: Bind when it is a specific address, otherwise the
	// host's first non-loopback IPv4 address (127.0.0.1 if it has none).
	// Set it to the public address when Parley runs behind a 1:1 NAT.
	PublicIP string `yaml:"public_ip"`
	// PortMin and PortMax bound the UDP ports used for RTP (even) and RTCP
	// (RTP + 1). Default 10000-20000, room for 5000 concurrent calls.
	PortMin int `yaml:"port_min"`
	PortMax int `yaml:"port_max"`
	// Codecs lists the audio codecs to accept or offer, most preferred
	// first, from "PCMU", "PCMA", "G722", "opus" (case does not matter).
	// Default PCMU, PCMA, G722, opus. telephone-event (RFC 4733) is always
	// offered and accepted.
	Codecs []string `yaml:"codecs"`
	// MediaTimeout ends a call (bridge.ErrMediaTimeout) when no RTP or
	// RTCP arrived for this long while the far end is meant to be sending
	// (not while it holds the call). Default 30s; negative disables.
	MediaTimeout time.Duration `yaml:"media_timeout"`
	// Symmetric sends RTP to the address packets come from (comedia, for
	// callers behind NAT) once the first packet arrives, instead of the
	// SDP address. Default true.
	Symmetric *bool `yaml:"symmetric"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	sym := true
	return Config{
		Bind:         "0.0.0.0",
		PortMin:      DefaultPortMin,
		PortMax:      DefaultPortMax,
		Codecs:       []string{CodecPCMU, CodecPCMA, CodecG722, CodecOpus},
		MediaTimeout: DefaultMediaTimeout,
		Symmetric:    &sym,
	}
}

// Validate reports the first invalid field as an error naming it (rtp.x).
// Zero fields are valid: they take their defaults.
func (c Config) Validate() error {
	if c.Bind != "" {
		if _, err := netip.ParseAddr(c.Bind); err != nil {
			return fmt.Errorf("%w: rtp.bind %q is not an IP address (use 0.0.0.0 for every interface)", ErrInvalidConfig, c.Bind)
		}
	}
	if c.PublicIP != "" {
		a, err := netip.ParseAddr(c.PublicIP)
		if err != nil || a.IsUnspecified() {
			return fmt.Errorf("%w: rtp.public_ip %q is not a usable IP address (the far end sends RTP to it)", ErrInvalidConfig, c.PublicIP)
		}
	}
	d := c.withDefaults()
	if d.PortMin < 1 || d.PortMin > 65535 {
		return fmt.Errorf("%w: rtp.port_min %d: want 1..65535", ErrInvalidConfig, c.PortMin)
	}
	if d.PortMax < 1 || d.PortMax > 65535 {
		return fmt.Errorf("%w: rtp.port_max %d: want 1..65535", ErrInvalidConfig, c.PortMax)
	}
	if _, _, ok := evenRange(d.PortMin, d.PortMax); !ok {
		return fmt.Errorf("%w: rtp.port_min..rtp.port_max (%d..%d) holds no even RTP port with its RTCP port (want port_min <= port_max, at least two ports)", ErrInvalidConfig, d.PortMin, d.PortMax)
	}
	seen := map[string]bool{}
	for i, name := range c.Codecs {
		canon, ok := canonicalCodec(name)
		if !ok {
			return fmt.Errorf("%w: rtp.codecs[%d] %q: want one of PCMU, PCMA, G722, opus", ErrInvalidConfig, i, name)
		}
		if seen[canon] {
			return fmt.Errorf("%w: rtp.codecs[%d] %q is listed twice", ErrInvalidConfig, i, name)
		}
		seen[canon] = true
	}
	return nil
}

// withDefaults fills zero fields with the defaults (without checking).
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Bind == "" {
		c.Bind = d.Bind
	}
	if c.PortMin == 0 {
		c.PortMin = d.PortMin
	}
	if c.PortMax == 0 {
		c.PortMax = d.PortMax
	}
	if len(c.Codecs) == 0 {
		c.Codecs = d.Codecs
	}
	if c.MediaTimeout == 0 {
		c.MediaTimeout = d.MediaTimeout
	}
	if c.Symmetric == nil {
		c.Symmetric = d.Symmetric
	}
	return c
}

// resolved is a validated Config with defaults applied and addresses
// parsed, as a Session uses it.
type resolved struct {
	bind      netip.Addr
	public    netip.Addr
	codecs    []codecSpec
	timeout   time.Duration // <= 0: disabled
	symmetric bool
}

// resolve validates c and fills in the defaults, including the public
// address (which may look at the host's interfaces).
func (c Config) resolve() (resolved, error) {
	if err := c.Validate(); err != nil {
		return resolved{}, err
	}
	d := c.withDefaults()
	r := resolved{timeout: d.MediaTimeout, symmetric: *d.Symmetric}
	r.bind = netip.MustParseAddr(d.Bind).Unmap()
	for _, name := range d.Codecs {
		canon, _ := canonicalCodec(name)
		r.codecs = append(r.codecs, codecByName(canon))
	}
	switch {
	case d.PublicIP != "":
		r.public = netip.MustParseAddr(d.PublicIP).Unmap()
	case !r.bind.IsUnspecified():
		r.public = r.bind
	default:
		r.public = hostAddress()
	}
	return r, nil
}

// hostAddress returns the host's first non-loopback IPv4 address, or
// 127.0.0.1 when it has none.
func hostAddress() netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if ok && ip.Unmap().Is4() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
				return ip.Unmap()
			}
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}

// canonicalCodec maps a codec name in any case to its canonical spelling.
func canonicalCodec(name string) (string, bool) {
	for _, c := range []string{CodecPCMU, CodecPCMA, CodecG722, CodecOpus} {
		if strings.EqualFold(strings.TrimSpace(name), c) {
			return c, true
		}
	}
	return "", false
}
