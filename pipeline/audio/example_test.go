package audio_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// A transport converts 8 kHz telephony audio to the pipeline's 16 kHz, one
// 20 ms frame at a time, without allocating.
func ExampleResampler() {
	r, err := audio.NewResampler(audio.Rate8k, audio.PipelineRate)
	if err != nil {
		panic(err)
	}
	in := make([]int16, audio.SamplesFor(audio.Rate8k, audio.FrameDuration))
	out := make([]int16, 0, audio.SamplesFor(audio.PipelineRate, audio.FrameDuration))
	for range 3 {
		out = r.Process(out[:0], in)
	}
	fmt.Println(len(in), "->", len(out), "samples per frame; delay", r.Delay())
	// Output: 160 -> 320 samples per frame; delay 4.25ms
}

// Resample converts a whole recording, compensating the filter delay.
func ExampleResample() {
	cd := make([]int16, 44100) // one second at 44.1 kHz
	out, err := audio.Resample(nil, cd, 44100, audio.PipelineRate)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(out))
	// Output: 16000
}

// A SIP transport feeds received RTP packets to a jitter buffer and pulls
// one frame per 20 ms tick.
func ExampleJitterBuffer() {
	jb, err := audio.NewJitterBuffer(audio.Rate8k, audio.ULawDecoder{},
		audio.WithJitterDepth(20*time.Millisecond, 200*time.Millisecond),
		audio.WithInitialJitterDepth(20*time.Millisecond))
	if err != nil {
		panic(err)
	}
	payload := audio.EncodeULaw(nil, make([]int16, 160)) // 20 ms of PCMU
	frame := make([]int16, 0, 160)
	for seq := range 3 {
		if seq == 1 {
			continue // lost in the network
		}
		jb.Push(audio.RTPPacket{SequenceNumber: uint16(100 + seq), Timestamp: uint32(160 * seq), SSRC: 42, Payload: payload})
	}
	for range 3 {
		var kind audio.FrameKind
		frame, kind = jb.Pop(frame[:0])
		fmt.Println(len(frame), kind == audio.FrameConcealed)
	}
	s := jb.Stats()
	fmt.Println("lost", s.Lost, "concealed", s.Concealed)
	// Output:
	// 160 false
	// 160 true
	// 160 false
	// lost 1 concealed 1
}

// One Pacer drives the 20 ms send clock of every call in the process.
func ExamplePacer() {
	p, err := audio.NewPacer()
	if err != nil {
		panic(err)
	}
	defer p.Close()
	sent := make(chan audio.Tick, 1)
	call, err := p.Register(func(t audio.Tick) {
		// Encode and write one frame here; advance the RTP timestamp by
		// 1+t.Missed frames.
		select {
		case sent <- t:
		default:
		}
	})
	if err != nil {
		panic(err)
	}
	<-sent
	call.Unregister()
	<-call.Done()
	fmt.Println("sent at least one frame")
	// Output: sent at least one frame
}

// A call recording is written as the call goes: caller on the left, bot on
// the right.
func ExampleWAVWriter() {
	var file bytes.Buffer // an *os.File in production, so Close patches the sizes
	w, err := audio.NewWAVWriter(&file, audio.PipelineRate, 2)
	if err != nil {
		panic(err)
	}
	caller := make([]int16, 320)
	bot := make([]int16, 320)
	for range 50 { // one second
		if err := w.WriteStereo(caller, bot); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	rec, err := audio.ReadWAV(&file)
	if err != nil {
		panic(err)
	}
	fmt.Println(rec.Rate, rec.Channels, rec.Duration())
	// Output: 16000 2 1s
}
