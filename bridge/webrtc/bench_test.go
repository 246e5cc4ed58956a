package webrtc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/webrtc"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// BenchmarkWHIPAnswer measures the time from POST /whip to 201 Created:
// offer checks, a new peer connection, ICE gathering on 127.0.0.1,
// Accept, and the answer. Each call is hung up outside the timing.
func BenchmarkWHIPAnswer(b *testing.B) {
	srv := newTestServer(b, testConfig())
	offer := newTestPeer(b, true).offer(b)
	b.ReportAllocs()
	for b.Loop() {
		resp := post(b, srv.http.URL+"/whip", offer, nil)
		if body := readBody(b, resp); resp.StatusCode != http.StatusCreated {
			b.Fatalf("POST: %d %s", resp.StatusCode, body)
		}
		b.StopTimer()
		a := srv.nextCall(b)
		if err := a.Call.Hangup(context.Background(), "benchmark"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// benchEndpoint is a cheap bridge.Endpoint: it counts caller frames and
// plays a tone forever, so that every bot frame is encoded.
type benchEndpoint struct {
	frames atomic.Int64
	tone   []int16
	pos    atomic.Int64
}

func (e *benchEndpoint) PushAudio(audio.Frame) error { e.frames.Add(1); return nil }
func (e *benchEndpoint) PushDTMF(byte) error         { return nil }
func (e *benchEndpoint) NextFrame(dst []int16) bool {
	p := int(e.pos.Add(int64(len(dst)))) - len(dst)
	for i := range dst {
		dst[i] = e.tone[(p+i)%len(e.tone)]
	}
	return true
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCalls runs N concurrent calls between pion peers in this
// process, Opus both ways (the bot talks all the time), and reports the
// CPU they cost. One op is one second of all N calls. The peers send a
// pre-encoded packet and count what they receive without decoding, so
// the figure is the server's cost plus the peers' SRTP and ICE, which
// mirror the server's: an upper bound for the server.
func BenchmarkCalls(b *testing.B) {
	for _, n := range []int{10, 50} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) { benchCalls(b, n) })
	}
}

// benchCalls is one size of BenchmarkCalls.
func benchCalls(b *testing.B, n int) {
	pacer, err := audio.NewPacer()
	if err != nil {
		b.Fatal(err)
	}
	defer pacer.Close()
	cfg := testConfig()
	cfg.MaxCalls = n
	ep := &benchEndpoint{tone: tone(audio.PipelineRate, 400, 8000, time.Second)}
	w, err := webrtc.New(cfg, handlerFunc(ep), webrtc.WithPacer(pacer))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	srv := httptest.NewServer(w)
	defer srv.Close()

	enc, err := audio.NewOpusEncoder(audio.Rate48k)
	if err != nil {
		b.Fatal(err)
	}
	pkt, err := enc.Encode(nil, tone(audio.Rate48k, 300, 6000, audio.FrameDuration))
	if err != nil {
		b.Fatal(err)
	}
	peers := make([]*testPeer, n)
	for i := range peers {
		peers[i] = buildPeer(b, peerOptions{countOnly: true})
		peers[i].dial(b, srv.URL+"/whip", nil)
	}
	defer startMicrophones(peers, pkt)()
	pipelinetest.Eventually(b, func() bool { return ep.frames.Load() > int64(20*n) }, "media did not start")

	framesIn, received := ep.frames.Load(), 0
	for _, p := range peers {
		received -= p.received()
	}
	cpu0, wall0 := cpuTime(b), time.Now()
	b.ResetTimer()
	for range b.N {
		<-time.After(time.Second)
	}
	b.StopTimer()
	cpu, wall := cpuTime(b)-cpu0, time.Since(wall0)
	for _, p := range peers {
		received += p.received()
	}
	callSeconds := float64(n) * wall.Seconds()
	b.ReportMetric(float64(cpu.Milliseconds())/callSeconds, "cpu-ms/call-s")
	b.ReportMetric(float64(ep.frames.Load()-framesIn)/callSeconds, "in-frames/call-s")
	b.ReportMetric(float64(received)/callSeconds, "out-packets/call-s")
	if st := pacer.Stats(); st.Sent > 0 {
		b.ReportMetric(100*float64(st.Late)/float64(st.Sent), "late-%")
	}
}

// startMicrophones sends pkt from every peer each 20 ms, on one ticker,
// until the returned stop function is called.
func startMicrophones(peers []*testPeer, pkt []byte) (stop func()) {
	quit := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		tick := time.NewTicker(audio.FrameDuration)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			for _, p := range peers {
				_ = p.track.WriteSample(media.Sample{Data: pkt, Duration: audio.FrameDuration})
			}
		}
	}()
	return func() { close(quit); <-sent }
}

// handlerFunc accepts every call with ep.
func handlerFunc(ep bridge.Endpoint) bridge.Handler {
	return bridge.HandlerFunc(func(context.Context, bridge.Call) (bridge.Endpoint, error) { return ep, nil })
}
