package rtp

import (
	"math"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/pipeline/audio"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testPortMin..testPortMax is the range the tests bind on 127.0.0.1;
// ports other processes hold are skipped by Ports.
const (
	testPortMin = 30000
	testPortMax = 39999
)

// testPorts returns an allocator of the test range. Tests running at the
// same time each have their own; a port another one holds is skipped.
func testPorts(t testing.TB) *Ports {
	t.Helper()
	p, err := NewPorts(testPortMin, testPortMax)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testConfig returns a config bound to 127.0.0.1 with the given codecs.
func testConfig(codecs ...string) Config {
	return Config{Bind: "127.0.0.1", PortMin: testPortMin, PortMax: testPortMax, Codecs: codecs}
}

// newTestSession creates a session closed at the end of the test.
func newTestSession(t testing.TB, ports *Ports, cfg Config, opts ...Option) *Session {
	t.Helper()
	s, err := NewSession(cfg, ports, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testPacer returns a pacer closed at the end of the test.
func testPacer(t testing.TB) *audio.Pacer {
	t.Helper()
	p, err := audio.NewPacer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// pair is two sessions in a call with each other: caller made the offer,
// callee answered it.
type pair struct {
	caller, callee     *Session
	callerEP, calleeEP *bridgetest.Endpoint
}

// newPair negotiates and starts two sessions. callerCfg and calleeCfg
// may differ (codec preferences).
func newPair(t testing.TB, callerCfg, calleeCfg Config, opts ...Option) *pair {
	t.Helper()
	ports := testPorts(t)
	p := &pair{
		caller: newTestSession(t, ports, callerCfg, opts...), callee: newTestSession(t, ports, calleeCfg, opts...),
		callerEP: &bridgetest.Endpoint{}, calleeEP: &bridgetest.Endpoint{},
	}
	offer, err := p.caller.Offer()
	if err != nil {
		t.Fatal(err)
	}
	answer, err := p.callee.Answer(offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.caller.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if err := p.caller.Start(p.callerEP); err != nil {
		t.Fatal(err)
	}
	if err := p.callee.Start(p.calleeEP); err != nil {
		t.Fatal(err)
	}
	return p
}

// chirp returns n samples at 16 kHz of a linear sweep from f0 to f1 Hz at
// amplitude amp: a signal whose alignment is unambiguous.
func chirp(n int, f0, f1, amp float64) []int16 {
	out := make([]int16, n)
	dur := float64(n) / audio.PipelineRate
	for i := range out {
		t := float64(i) / audio.PipelineRate
		phase := 2 * math.Pi * (f0*t + (f1-f0)*t*t/(2*dur))
		out[i] = int16(amp * math.Sin(phase))
	}
	return out
}

// sine returns n samples of a tone of amplitude amp at rate Hz.
func sine(rate int, hz, amp float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return out
}

// onset returns the index of the first sample of x louder than level, or
// -1.
func onset(x []int16, level int16) int {
	for i, v := range x {
		if v > level || v < -level {
			return i
		}
	}
	return -1
}

// alignedSNR finds ref in got (near the first loud sample of got) and
// returns the signal-to-noise ratio in dB of the best alignment, over the
// middle of ref (skipping the edges, where filters ring), and the offset
// of ref in got.
func alignedSNR(ref, got []int16) (snr float64, at int) {
	start := onset(got, 300)
	if start < 0 {
		return math.Inf(-1), -1
	}
	best, bestAt := math.Inf(-1), -1
	lo, hi := len(ref)/8, len(ref)*7/8
	for lag := max(start-200, 0); lag <= start+200; lag++ {
		if lag+hi > len(got) {
			break
		}
		var sig, noise float64
		for i := lo; i < hi; i++ {
			r := float64(ref[i])
			e := float64(got[lag+i]) - r
			sig += r * r
			noise += e * e
		}
		if v := 10 * math.Log10(sig/math.Max(noise, 1e-9)); v > best {
			best, bestAt = v, lag
		}
	}
	return best, bestAt
}

// segmentSNR finds ref in got segment by segment (100 ms each, skipping
// the first and last), realigning each within 30 ms of the last, and
// returns the median SNR in dB. A loaded machine makes the pacer skip
// ticks and the jitter buffer add or drop frames; per-segment alignment
// measures the codec path across such shifts.
func segmentSNR(ref, got []int16) float64 {
	_, at := alignedSNR(ref, got)
	if at < 0 {
		return math.Inf(-1)
	}
	const seg = 1600
	var snrs []float64
	for start := seg; start+2*seg <= len(ref); start += seg {
		best, bestLag := math.Inf(-1), at
		for lag := max(at-480, 0); lag <= at+480 && lag+start+seg <= len(got); lag++ {
			var sig, noise float64
			for i := start; i < start+seg; i++ {
				r := float64(ref[i])
				e := float64(got[lag+i]) - r
				sig += r * r
				noise += e * e
			}
			if v := 10 * math.Log10(sig/math.Max(noise, 1e-9)); v > best {
				best, bestLag = v, lag
			}
		}
		snrs = append(snrs, best)
		at = bestLag
	}
	if len(snrs) == 0 {
		return math.Inf(-1)
	}
	slices.Sort(snrs)
	return snrs[len(snrs)/2]
}

// bestSNR returns the signal-to-noise ratio in dB of out against ref,
// after aligning out by the delay in 0..maxDelay that maximises it, over
// the second half of the signals (past any codec start-up).
func bestSNR(ref, out []int16, maxDelay int) float64 {
	best := math.Inf(-1)
	n := min(len(ref), len(out)) - maxDelay
	for d := 0; d <= maxDelay; d++ {
		var sig, noise float64
		for i := n / 2; i < n; i++ {
			r := float64(ref[i])
			e := float64(out[i+d]) - r
			sig += r * r
			noise += e * e
		}
		snr := 10 * math.Log10(sig/math.Max(noise, 1e-9))
		best = math.Max(best, snr)
	}
	return best
}

// rmsLevel returns the RMS of x.
func rmsLevel(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var sum float64
	for _, v := range x {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(x)))
}

// udpPeer is a raw UDP socket on 127.0.0.1 for tests that play the far
// end by hand.
type udpPeer struct {
	conn *net.UDPConn
}

// newUDPPeer binds a socket on a free port, closed at the end of the test.
func newUDPPeer(t testing.TB) *udpPeer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &udpPeer{conn: c}
}

// addr returns the socket's address.
func (u *udpPeer) addr() netip.AddrPort { return u.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// send writes b to dest.
func (u *udpPeer) send(t testing.TB, b []byte, dest netip.AddrPort) {
	t.Helper()
	if _, err := u.conn.WriteToUDPAddrPort(b, dest); err != nil {
		t.Fatal(err)
	}
}

// recv reads one datagram, failing the test after wait.
func (u *udpPeer) recv(t testing.TB, wait time.Duration) ([]byte, netip.AddrPort) {
	t.Helper()
	buf := make([]byte, 2000)
	_ = u.conn.SetReadDeadline(time.Now().Add(wait))
	n, from, err := u.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("no datagram within %v: %v", wait, err)
	}
	return buf[:n], from
}

// localRTP returns the session's RTP address on 127.0.0.1.
func localRTP(s *Session) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(s.LocalPort()))
}
