package webrtc

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/parley-voice/parley/pipeline/audio"
)

// nullEndpoint is a bridge.Endpoint that keeps nothing and plays a tone.
type nullEndpoint struct{ tone []int16 }

func (e *nullEndpoint) PushAudio(audio.Frame) error { return nil }
func (e *nullEndpoint) PushDTMF(byte) error         { return nil }
func (e *nullEndpoint) NextFrame(dst []int16) bool {
	if e.tone == nil {
		e.tone = make([]int16, frameSamples)
		for i := range e.tone {
			e.tone[i] = int16(8000 * math.Sin(float64(i)*2*math.Pi*400/audio.PipelineRate))
		}
	}
	copy(dst, e.tone)
	return true
}

// benchCall returns a call with its media state, without a peer
// connection.
func benchCall(b *testing.B, now func() time.Time) *call {
	b.Helper()
	dec, err := audio.NewOpusDecoder(audio.PipelineRate)
	if err != nil {
		b.Fatal(err)
	}
	jb, err := audio.NewJitterBuffer(audio.PipelineRate, dec, audio.WithClockRate(opusClockRate), audio.WithJitterNow(now))
	if err != nil {
		b.Fatal(err)
	}
	enc, err := audio.NewOpusEncoder(audio.PipelineRate)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	return &call{
		log: slog.New(slog.DiscardHandler), ep: &nullEndpoint{}, in: jb, enc: enc, ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), tickBuf: make([]int16, frameSamples), started: make(chan struct{}), endCh: make(chan struct{}),
	}
}

// BenchmarkTick measures the pacer's send function (NextFrame and the
// hand-off to the writer) with the writer's pop: the per-frame work on
// the shared pacer worker.
func BenchmarkTick(b *testing.B) {
	c := benchCall(b, time.Now)
	pcm := make([]int16, frameSamples)
	b.ReportAllocs()
	for b.Loop() {
		c.tick(audio.Tick{})
		<-c.wake
		c.due.Store(0)
		c.out.pop(pcm)
	}
}

// BenchmarkInboundFrame measures one caller packet end to end inside the
// transport: RTP parse, jitter buffer push, pop with Opus decode to
// 16 kHz, and the push to the endpoint.
func BenchmarkInboundFrame(b *testing.B) {
	clock := time.Unix(0, 0)
	c := benchCall(b, func() time.Time { return clock })
	enc, err := audio.NewOpusEncoder(audio.Rate48k)
	if err != nil {
		b.Fatal(err)
	}
	src := make([]int16, 960)
	for i := range src {
		src[i] = int16(6000 * math.Sin(float64(i)*2*math.Pi*300/audio.Rate48k))
	}
	payload, err := enc.Encode(nil, src)
	if err != nil {
		b.Fatal(err)
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SSRC: 42}, Payload: payload}
	raw := make([]byte, 0, rtpBufferSize)
	in := make([]int16, 0, frameSamples)
	var pkt rtp.Packet
	step := func(i int) {
		p.SequenceNumber, p.Timestamp = uint16(i), uint32(i*960)
		n, _ := p.Header.MarshalTo(raw[:cap(raw)])
		raw = append(raw[:n], payload...)
		if err := pkt.Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
		c.in.Push(audio.RTPPacket{SequenceNumber: pkt.SequenceNumber, Timestamp: pkt.Timestamp, SSRC: pkt.SSRC, Payload: pkt.Payload})
		in = c.playIn(in[:0])
		clock = clock.Add(audio.FrameDuration)
	}
	for i := range 50 { // fill the jitter buffer and its slots
		step(i)
	}
	i := 50
	b.ReportAllocs()
	for b.Loop() {
		step(i)
		i++
	}
}

// BenchmarkOutboundEncode measures the writer's Opus encode of one bot
// frame at 16 kHz (pion's packetizing and SRTP are in BenchmarkCalls).
func BenchmarkOutboundEncode(b *testing.B) {
	c := benchCall(b, time.Now)
	pcm := make([]int16, frameSamples)
	c.ep.NextFrame(pcm)
	pkt := make([]byte, 0, rtpBufferSize)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if pkt, err = c.enc.Encode(pkt[:0], pcm); err != nil {
			b.Fatal(err)
		}
	}
}
