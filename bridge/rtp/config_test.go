package rtp

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestConfigValidate checks that every invalid field is reported by its
// parley.yaml name and that zero values are valid.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		field string // "" for valid
	}{
		{"zero value takes the defaults", Config{}, ""},
		{"defaults", DefaultConfig(), ""},
		{"IPv6 bind and codecs in any case", Config{Bind: "::1", Codecs: []string{"pcma", "OPUS", "g722"}}, ""},
		{"negative timeout disables it", Config{MediaTimeout: -1}, ""},
		{"bind not an address", Config{Bind: "eth0"}, "rtp.bind"},
		{"public IP not an address", Config{PublicIP: "sip.example.com"}, "rtp.public_ip"},
		{"public IP unspecified", Config{PublicIP: "0.0.0.0"}, "rtp.public_ip"},
		{"port_min out of range", Config{PortMin: -5}, "rtp.port_min"},
		{"port_max out of range", Config{PortMax: 70000}, "rtp.port_max"},
		{"range upside down", Config{PortMin: 20000, PortMax: 10000}, "rtp.port_min..rtp.port_max"},
		{"range of one port", Config{PortMin: 10000, PortMax: 10000}, "rtp.port_min..rtp.port_max"},
		{"unknown codec", Config{Codecs: []string{"PCMU", "G729"}}, "rtp.codecs[1]"},
		{"codec twice", Config{Codecs: []string{"PCMU", "pcmu"}}, "rtp.codecs[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Validate() = %v, want an ErrInvalidConfig naming %s", err, tc.field)
			}
		})
	}
}

// TestConfigResolve checks the defaults a session runs with.
func TestConfigResolve(t *testing.T) {
	off := false
	for _, tc := range []struct {
		name        string
		cfg         Config
		wantPublic  string // "" when it depends on the host
		wantCodecs  string
		wantTimeout time.Duration
		wantSym     bool
	}{
		{"specific bind is the public address", Config{Bind: "127.0.0.1"}, "127.0.0.1", "PCMU/8000 PCMA/8000 G722/8000 opus/48000", DefaultMediaTimeout, true},
		{"public IP wins", Config{Bind: "127.0.0.1", PublicIP: "203.0.113.5", Codecs: []string{"opus"}, MediaTimeout: time.Second, Symmetric: &off}, "203.0.113.5", "opus/48000", time.Second, false},
		{"wildcard bind looks at the interfaces", Config{}, "", "PCMU/8000 PCMA/8000 G722/8000 opus/48000", DefaultMediaTimeout, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.cfg.resolve()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range r.codecs {
				names = append(names, c.String())
			}
			if got := strings.Join(names, " "); got != tc.wantCodecs {
				t.Errorf("codecs %q, want %q", got, tc.wantCodecs)
			}
			if tc.wantPublic != "" && r.public.String() != tc.wantPublic {
				t.Errorf("public %v, want %s", r.public, tc.wantPublic)
			}
			if !r.public.IsValid() || r.public.IsUnspecified() {
				t.Errorf("public %v is not usable in SDP", r.public)
			}
			if r.timeout != tc.wantTimeout || r.symmetric != tc.wantSym {
				t.Errorf("timeout %v symmetric %v, want %v %v", r.timeout, r.symmetric, tc.wantTimeout, tc.wantSym)
			}
		})
	}
}

// TestPorts checks skipping of ports held by other processes, exhaustion
// and release.
func TestPorts(t *testing.T) {
	base := freeBlock(t, 8)
	ports, err := NewPorts(base, base+5) // pairs base, base+2, base+4
	if err != nil {
		t.Fatal(err)
	}
	if ports.Capacity() != 3 {
		t.Fatalf("Capacity = %d, want 3", ports.Capacity())
	}
	// Another process holds the RTCP port of the second pair.
	busy, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: base + 3})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := Config{Bind: "127.0.0.1", PortMin: base, PortMax: base + 5}
	a, err := NewSession(cfg, ports)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewSession(cfg, ports)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.LocalPort() != base || b.LocalPort() != base+4 {
		t.Fatalf("ports %d and %d, want %d and %d (skipping the busy pair)", a.LocalPort(), b.LocalPort(), base, base+4)
	}
	if _, err := NewSession(cfg, ports); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("third session: %v, want ErrNoPorts", err)
	}
	_ = a.Close()
	if ports.InUse() != 1 {
		t.Fatalf("InUse = %d after a Close, want 1", ports.InUse())
	}
	c, err := NewSession(cfg, ports)
	if err != nil {
		t.Fatalf("a session after a Close: %v", err)
	}
	defer c.Close()
	if c.LocalPort() != base {
		t.Errorf("session on %d, want the released %d", c.LocalPort(), base)
	}
}

// TestPortsRoundRobin checks that a released pair rests while others are
// free, so stale packets of its last call do not reach the next one.
func TestPortsRoundRobin(t *testing.T) {
	base := freeBlock(t, 8)
	ports, err := NewPorts(base, base+5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Bind: "127.0.0.1", PortMin: base, PortMax: base + 5}
	var got []int
	var open []*Session
	for i := range 4 {
		s, err := NewSession(cfg, ports)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.LocalPort())
		open = append(open, s)
		if i == 1 {
			_ = open[0].Close() // the first pair is free again
		}
	}
	for _, s := range open {
		_ = s.Close()
	}
	want := []int{base, base + 2, base + 4, base}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ports %v, want %v", got, want)
		}
	}
}

// TestNewPortsErrors checks the ranges NewPorts refuses.
func TestNewPortsErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max int
	}{
		{"zero", 0, 100},
		{"beyond 65535", 65000, 70000},
		{"upside down", 2000, 1000},
		{"odd single port", 1001, 1002},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewPorts(tc.min, tc.max); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("NewPorts(%d, %d) = %v, want ErrInvalidConfig", tc.min, tc.max, err)
			}
		})
	}
}

// freeBlock finds n consecutive free UDP ports on 127.0.0.1 starting at
// an even port of the test range.
func freeBlock(t *testing.T, n int) int {
	t.Helper()
	for base := (testPortMax - 200) &^ 1; base > testPortMin; base -= 2 * n {
		var held []*net.UDPConn
		ok := true
		for p := base; p < base+n; p++ {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
			if err != nil {
				ok = false
				break
			}
			held = append(held, c)
		}
		for _, c := range held {
			_ = c.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free block of ports")
	return 0
}
