package ws

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// talker is an endpoint for benchmarks: it drops caller audio and always
// has bot audio.
type talker struct {
	bot    []int16
	frames int
}

func newTalker() *talker { return &talker{bot: tone(440, 16000, 320, 8000)} }

func (e *talker) PushAudio(audio.Frame) error { e.frames++; return nil }
func (e *talker) PushDTMF(byte) error         { return nil }
func (e *talker) NextFrame(dst []int16) bool  { copy(dst, e.bot); return true }

// newOfflineCall returns a started call with no connection, to measure the
// per-message and per-tick paths alone.
func newOfflineCall(ep bridge.Endpoint) *Call {
	cfg := DefaultConfig()
	clock := newFakeClock()
	c := &Call{
		cfg: &cfg, now: clock.Now, log: slog.New(slog.DiscardHandler), ep: ep,
		done: make(chan struct{}), closeSent: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.q.init(cfg.SendQueue)
	c.out.init(c, testSid)
	c.in.init(c)
	c.in.startSeen = true
	c.started.Store(true)
	c.lastMediaNs.Store(clock.Now().UnixNano())
	return c
}

// mediaMessages returns n media messages of 20 ms of a tone, stamped
// 20 ms apart, as Twilio sends them.
func mediaMessages(n int) [][]byte {
	pcm := tone(440, 8000, 160*n, 8000)
	out := make([][]byte, n)
	for i := range out {
		payload := base64.StdEncoding.EncodeToString(audio.EncodeULaw(nil, pcm[i*160:(i+1)*160]))
		out[i] = fmt.Appendf(nil, `{"event":"media","sequenceNumber":"%d","media":{"track":"inbound","chunk":"%d","timestamp":"%d","payload":"%s"},"streamSid":"%s"}`,
			i+3, i+1, i*20, payload, testSid)
	}
	return out
}

// BenchmarkInboundMedia measures one media message from Twilio: decode,
// base64, mu-law, 8 -> 16 kHz, PushAudio.
func BenchmarkInboundMedia(b *testing.B) {
	ep := newTalker()
	c := newOfflineCall(ep)
	msgs := mediaMessages(500)
	b.ReportAllocs()
	b.SetBytes(int64(len(msgs[0])))
	b.ResetTimer()
	for i := range b.N {
		c.handle(msgs[i%len(msgs)])
	}
	b.StopTimer()
	if ep.frames != b.N || c.ended() {
		b.Fatalf("%d frames pushed for %d messages (ended %v: %v)", ep.frames, b.N, c.ended(), c.err)
	}
}

// BenchmarkDecodeMedia measures the message decoder alone.
func BenchmarkDecodeMedia(b *testing.B) {
	var d decoder
	msg := mediaMessages(1)[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for range b.N {
		if _, err := d.decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutboundTick measures one pacer tick of a talking call:
// NextFrame, 16 -> 8 kHz, mu-law, base64, the media message into the send
// queue, and the writer taking it out (without the socket write).
func BenchmarkOutboundTick(b *testing.B) {
	c := newOfflineCall(newTalker())
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.tick(audio.Tick{})
		var ok bool
		if buf, _, ok = c.q.pop(buf); !ok {
			b.Fatal("tick queued nothing")
		}
	}
	b.StopTimer()
	if st := c.Stats(); st.Dropped != 0 || st.FramesOut != uint64(b.N) {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkStreams runs N concurrent calls over loopback WebSockets, each
// with caller audio in and bot audio out every 20 ms; one op is one 20 ms
// round of all calls. cpu-%/call is the process CPU (the simulated Twilio
// clients included, so it is an upper bound for the server) per call, in
// percent of one core.
func BenchmarkStreams(b *testing.B) {
	for _, n := range []int{50, 200} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) { benchStreams(b, n) })
	}
}

func benchStreams(b *testing.B, n int) {
	h := bridge.HandlerFunc(func(context.Context, bridge.Call) (bridge.Endpoint, error) { return newTalker(), nil })
	tw, err := New(Config{MaxCalls: n}, h)
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(DefaultPath, tw)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer tw.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + DefaultPath
	start := []byte(`{"event":"start","streamSid":"` + testSid + `","start":{"streamSid":"` + testSid +
		`","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`)
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range conns {
		conn, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		conns[i] = conn
		if err := conn.WriteMessage(websocket.TextMessage, start); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go discard(conn, &wg)
	}
	pipelinetest.Eventually(b, func() bool { return tw.Stats().Accepted == uint64(n) }, "%d calls accepted", n)
	msgs := mediaMessages(1)
	tick := time.NewTicker(audio.FrameDuration)
	defer tick.Stop()
	cpu0 := cpuTime()
	wall0 := time.Now()
	b.ResetTimer()
	for range b.N {
		<-tick.C
		for _, conn := range conns {
			if err := conn.WriteMessage(websocket.TextMessage, msgs[0]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	st := tw.Stats()
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/float64(n), "cpu-%/call")
	b.ReportMetric(float64(st.Calls.Dropped), "dropped")
	b.ReportMetric(float64(st.Calls.Pacer.Late)/float64(max(st.Calls.Pacer.Sent, 1))*100, "late-%")
}

// discard reads and drops everything the server sends.
func discard(conn *websocket.Conn, wg *sync.WaitGroup) {
	defer wg.Done()
	var buf [1024]byte
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return
		}
		for {
			if _, err := r.Read(buf[:]); err != nil {
				break
			}
		}
	}
}

// cpuTime returns the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
