package rtp

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// nopEndpoint is a bridge.Endpoint that drops caller audio and plays a
// fixed bot frame, so benchmarks measure the media path only.
type nopEndpoint struct{ frame []int16 }

// newNopEndpoint returns an endpoint playing a 440 Hz tone.
func newNopEndpoint() *nopEndpoint {
	return &nopEndpoint{frame: sine(audio.PipelineRate, 440, 6000, 320)}
}

func (e *nopEndpoint) PushAudio(audio.Frame) error { return nil }
func (e *nopEndpoint) PushDTMF(byte) error         { return nil }
func (e *nopEndpoint) NextFrame(dst []int16) bool  { copy(dst, e.frame); return true }

// benchSession returns a session negotiated with codec towards a socket
// that nobody reads, with a nopEndpoint, not started.
func benchSession(b *testing.B, codec string) (*Session, *stream) {
	b.Helper()
	sink := newUDPPeer(b)
	s := newTestSession(b, testPorts(b), testConfig(codec))
	offer := fmt.Appendf(nil, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 8 9 111 101\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n", sink.addr().Port())
	if _, err := s.Answer(offer); err != nil {
		b.Fatal(err)
	}
	s.ep = newNopEndpoint()
	return s, s.media.Load()
}

// BenchmarkReceivePacket measures the per-packet receive path (parse,
// latch, RFC 3550 statistics, jitter buffer push) and the playout of one
// frame (pop, decode, resample to 16 kHz, push to the endpoint).
func BenchmarkReceivePacket(b *testing.B) {
	for _, codec := range []string{CodecPCMU, CodecG722, CodecOpus} {
		b.Run(codec, func(b *testing.B) {
			s, st := benchSession(b, codec)
			payload := make([]byte, 160)
			if codec == CodecOpus {
				enc, err := audio.NewOpusEncoder(16000)
				if err != nil {
					b.Fatal(err)
				}
				payload, _ = enc.Encode(nil, sine(16000, 440, 6000, 320))
			}
			pkt := rtpPacket(st.recvPT, 0, 0, 0x5555, false, payload)
			from := localRTP(s)
			step := st.codec.frameTS()
			var seq uint16
			var ts uint32
			b.ReportAllocs()
			for b.Loop() {
				binary.BigEndian.PutUint16(pkt[2:], seq)
				binary.BigEndian.PutUint32(pkt[4:], ts)
				s.handleRTP(pkt, from.Addr(), from.Port())
				s.playout(st)
				seq++
				ts += step
			}
		})
	}
}

// BenchmarkSendTick measures one tick of the send path: the endpoint's
// frame, resampling, encoding, the RTP header and the UDP write.
func BenchmarkSendTick(b *testing.B) {
	for _, codec := range []string{CodecPCMU, CodecG722, CodecOpus} {
		b.Run(codec, func(b *testing.B) {
			s, st := benchSession(b, codec)
			b.ReportAllocs()
			for b.Loop() {
				s.send(st, 0)
			}
			if s.Stats().SendErrors != 0 {
				b.Fatalf("%d send errors", s.Stats().SendErrors)
			}
		})
	}
}

// BenchmarkCapacity runs N calls of G.711 media on one shared pacer, each
// session sending to itself over 127.0.0.1 (so each does the receive and
// the send work of one call), for a few seconds, and reports the CPU a
// call costs and the share of late or lost packets.
func BenchmarkCapacity(b *testing.B) {
	for _, n := range []int{200, 1000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			for range b.N {
				runCapacity(b, n, 3*time.Second)
			}
		})
	}
}

// runCapacity measures n looped calls for d.
func runCapacity(b *testing.B, n int, d time.Duration) {
	pacer, err := audio.NewPacer(audio.WithPacerWorkers(runtime.GOMAXPROCS(0)))
	if err != nil {
		b.Fatal(err)
	}
	defer pacer.Close()
	ports := testPorts(b)
	sessions := make([]*Session, 0, n)
	for range n {
		s := newTestSession(b, ports, testConfig(CodecPCMU), WithPacer(pacer))
		if _, err := s.Answer(offerFrom(localRTP(s))); err != nil {
			b.Fatal(err)
		}
		if err := s.Start(newNopEndpoint()); err != nil {
			b.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	warm := time.NewTimer(time.Second) // let every session reach steady state
	<-warm.C
	before := pacer.Stats()
	var r0, r1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	start := time.Now()
	var in0 uint64
	for _, s := range sessions {
		in0 += s.Stats().PacketsIn
	}
	measure := time.NewTimer(d)
	<-measure.C
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	wall := time.Since(start)
	after := pacer.Stats()
	var in, late, lost, concealed uint64
	for _, s := range sessions {
		st := s.Stats()
		in += st.PacketsIn
		late += st.Late
		lost += uint64(max(st.Lost, 0))
		concealed += st.ConcealedFrames
	}
	user := time.Duration(syscall.TimevalToNsec(r1.Utime) - syscall.TimevalToNsec(r0.Utime))
	sys := time.Duration(syscall.TimevalToNsec(r1.Stime) - syscall.TimevalToNsec(r0.Stime))
	perCall := float64(user+sys) / float64(wall) / float64(n)
	b.ReportMetric(perCall*100, "%cpu/call")
	b.ReportMetric(100*float64(sys)/float64(user+sys), "%kernel")
	b.ReportMetric(1/perCall, "calls/core")
	b.ReportMetric(float64(in-in0)/wall.Seconds()/float64(n), "pkts/s/call")
	b.ReportMetric(100*float64(late+lost)/float64(max(in, 1)), "late+lost_%")
	b.ReportMetric(100*float64(after.Late-before.Late)/float64(max(after.Sent-before.Sent, 1)), "late_ticks_%")
	b.ReportMetric(float64(concealed)/float64(n), "concealed/call")
}
