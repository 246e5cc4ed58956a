package rtp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
)

// Ports hands out even RTP ports (RTCP on the next odd port) from the
// configured range to concurrent calls. Ports are handed out round-robin,
// not lowest first, so that a port a call just released rests while the
// stale packets of its old call still arrive. Ports another process holds
// are skipped. It is safe for concurrent use; one Ports is shared by all
// the sessions of a server.
type Ports struct {
	first, last int // even ports, first <= last

	mu    sync.Mutex
	next  int          // next port to try
	inUse map[int]bool // ports reserved by this allocator
}

// NewPorts returns an allocator for the ports min..max (inclusive). The
// range must hold at least one even port whose odd successor is also in
// range.
func NewPorts(min, max int) (*Ports, error) {
	if min < 1 || max > 65535 {
		return nil, fmt.Errorf("%w: port range %d..%d: want ports within 1..65535", ErrInvalidConfig, min, max)
	}
	first, last, ok := evenRange(min, max)
	if !ok {
		return nil, fmt.Errorf("%w: port range %d..%d holds no even RTP port with its RTCP port (want min <= max, at least two ports)", ErrInvalidConfig, min, max)
	}
	return &Ports{first: first, last: last, next: first, inUse: map[int]bool{}}, nil
}

// evenRange returns the first and last even ports p of min..max with p+1
// also in range.
func evenRange(min, max int) (first, last int, ok bool) {
	first = min + min%2
	last = max - 1
	last -= last % 2
	return first, last, first <= last && first > 0
}

// Capacity returns how many port pairs (concurrent calls) the range holds.
func (p *Ports) Capacity() int { return (p.last-p.first)/2 + 1 }

// InUse returns how many port pairs are handed out now.
func (p *Ports) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.inUse)
}

// reserve picks the next free port number round-robin; ok is false when
// every pair is reserved.
func (p *Ports) reserve() (port int, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.Capacity() {
		port = p.next
		p.next += 2
		if p.next > p.last {
			p.next = p.first
		}
		if !p.inUse[port] {
			p.inUse[port] = true
			return port, true
		}
	}
	return 0, false
}

// release returns port to the pool.
func (p *Ports) release(port int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inUse, port)
}

// open binds an RTP socket on an even port and an RTCP socket on the next
// one, at bind. Ports held by other processes are skipped (and left free
// in the pool, to be tried again on a later round). No lock is held while
// the sockets are bound.
func (p *Ports) open(bind netip.Addr) (rtpConn, rtcpConn *net.UDPConn, port int, err error) {
	network := "udp4"
	if bind.Is6() || bind.IsUnspecified() {
		network = "udp" // dual stack on the wildcard address
	}
	var lastErr error
	for range p.Capacity() {
		port, ok := p.reserve()
		if !ok {
			break
		}
		rtpConn, err = net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(bind, uint16(port))))
		if err == nil {
			rtcpConn, err = net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(bind, uint16(port+1))))
			if err == nil {
				return rtpConn, rtcpConn, port, nil
			}
			_ = rtpConn.Close()
		}
		p.release(port)
		lastErr = err
		if !errors.Is(err, syscall.EADDRINUSE) && !errors.Is(err, syscall.EACCES) {
			// Not a busy port: binding will fail on every port
			// (an address this host does not have).
			return nil, nil, 0, fmt.Errorf("rtp: bind %v: %w (check rtp.bind)", bind, err)
		}
	}
	if lastErr != nil {
		return nil, nil, 0, fmt.Errorf("%w in %d..%d (last: %w); retry later, or widen rtp.port_min..rtp.port_max", ErrNoPorts, p.first, p.last+1, lastErr)
	}
	return nil, nil, 0, fmt.Errorf("%w: all %d port pairs of %d..%d are in use; retry later, or widen rtp.port_min..rtp.port_max", ErrNoPorts, p.Capacity(), p.first, p.last+1)
}
