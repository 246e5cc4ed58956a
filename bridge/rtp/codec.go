package rtp

import (
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Codec names, as Config.Codecs and SDP rtpmap lines spell them.
const (
	// CodecPCMU is G.711 mu-law (RTP payload type 0, 8 kHz).
	CodecPCMU = "PCMU"
	// CodecPCMA is G.711 A-law (RTP payload type 8, 8 kHz).
	CodecPCMA = "PCMA"
	// CodecG722 is ITU-T G.722 at 64 kbit/s (payload type 9): 16 kHz
	// audio with an 8000 Hz RTP clock (RFC 3551 section 4.5.2).
	CodecG722 = "G722"
	// CodecOpus is Opus (RFC 7587): a dynamic payload type with a 48 kHz
	// RTP clock, declared as opus/48000/2.
	CodecOpus = "opus"
)

// Payload types Parley uses in its offers.
const (
	// PayloadTypeOpus is the dynamic payload type offered for Opus.
	PayloadTypeOpus = 111
	// PayloadTypeDTMF is the dynamic payload type offered for
	// telephone-event/8000 (RFC 4733).
	PayloadTypeDTMF = 101
	// PayloadTypeDTMF48k is the dynamic payload type offered for
	// telephone-event/48000, offered with Opus so that keypad events can
	// share Opus's 48 kHz RTP clock.
	PayloadTypeDTMF48k = 110
	// payloadTypeG722 is G.722's static payload type.
	payloadTypeG722 = 9
	// payloadTypeCN is comfort noise (RFC 3389), accepted and ignored.
	payloadTypeCN = 13
)

// codecSpec describes one audio codec.
type codecSpec struct {
	name     string
	pt       uint8 // the payload type offered (static, or our dynamic choice)
	static   bool  // pt is the static assignment of RFC 3551
	clock    int   // RTP clock rate, Hz
	rate     int   // PCM rate the codec encodes and decodes, Hz
	channels int   // channel count in rtpmap (0: omitted)
	fmtp     string
}

// codecByName returns the spec of a canonical codec name.
func codecByName(name string) codecSpec {
	switch name {
	case CodecPCMA:
		return codecSpec{name: CodecPCMA, pt: audio.PayloadTypePCMA, static: true, clock: 8000, rate: 8000}
	case CodecG722:
		return codecSpec{name: CodecG722, pt: payloadTypeG722, static: true, clock: 8000, rate: 16000}
	case CodecOpus:
		return codecSpec{name: CodecOpus, pt: PayloadTypeOpus, clock: 48000, rate: 16000, channels: 2, fmtp: "minptime=10;useinbandfec=1"}
	default:
		return codecSpec{name: CodecPCMU, pt: audio.PayloadTypePCMU, static: true, clock: 8000, rate: 8000}
	}
}

// frameTS is the RTP timestamp advance of one 20 ms frame.
func (c codecSpec) frameTS() uint32 { return uint32(audio.SamplesFor(c.clock, audio.FrameDuration)) }

// String returns "name/clock", the form Session.Codec reports.
func (c codecSpec) String() string { return fmt.Sprintf("%s/%d", c.name, c.clock) }

// frameEncoder encodes one 20 ms frame of PCM at the codec's rate.
type frameEncoder interface {
	Encode(dst []byte, pcm []int16) ([]byte, error)
}

// ulawEncoder encodes G.711 mu-law.
type ulawEncoder struct{}

// Encode appends the mu-law bytes of pcm to dst.
func (ulawEncoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	return audio.EncodeULaw(dst, pcm), nil
}

// alawEncoder encodes G.711 A-law.
type alawEncoder struct{}

// Encode appends the A-law bytes of pcm to dst.
func (alawEncoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	return audio.EncodeALaw(dst, pcm), nil
}

// resampler converts a stream of PCM between two rates (a half-band
// filter for 8 <-> 16 kHz, else an audio.Resampler).
type resampler interface {
	Process(dst, src []int16) []int16
}

// newResampler returns a converter from one rate to another, or nil when
// they are equal.
func newResampler(from, to int) (resampler, error) {
	switch {
	case from == to:
		return nil, nil
	case from == 8000 && to == 16000:
		return newUpsampler2(), nil
	case from == 16000 && to == 8000:
		return newDownsampler2(), nil
	}
	rs, err := audio.NewResampler(from, to)
	if err != nil {
		return nil, fmt.Errorf("rtp: resampler %d -> %d Hz: %w", from, to, err)
	}
	return rs, nil
}

// txChain turns 16 kHz frames into encoded payloads for one codec. It is
// owned by the pacer tick of its session.
type txChain struct {
	spec codecSpec
	rs   resampler // PipelineRate -> spec.rate; nil when equal
	pcm  []int16
	enc  frameEncoder
}

// newTxChain builds the send side of codec c.
func newTxChain(c codecSpec) (*txChain, error) {
	rs, err := newResampler(audio.PipelineRate, c.rate)
	if err != nil {
		return nil, err
	}
	t := &txChain{spec: c, rs: rs, pcm: make([]int16, 0, audio.SamplesFor(c.rate, audio.FrameDuration))}
	switch c.name {
	case CodecPCMU:
		t.enc = ulawEncoder{}
	case CodecPCMA:
		t.enc = alawEncoder{}
	case CodecG722:
		t.enc = NewG722Encoder()
	case CodecOpus:
		enc, err := audio.NewOpusEncoder(c.rate)
		if err != nil {
			return nil, fmt.Errorf("rtp: opus encoder: %w", err)
		}
		t.enc = enc
	}
	return t, nil
}

// encode appends the payload of one 16 kHz frame to dst.
func (t *txChain) encode(dst []byte, frame []int16) ([]byte, error) {
	pcm := frame
	if t.rs != nil {
		pcm = t.rs.Process(t.pcm[:0], frame)
	}
	return t.enc.Encode(dst, pcm)
}

// rxChain turns received packets into 16 kHz frames for one codec: the
// reader goroutine pushes into jb; the pacer tick pops and resamples.
type rxChain struct {
	spec codecSpec
	jb   *audio.JitterBuffer
	rs   resampler // spec.rate -> PipelineRate; nil when equal
	pcm  []int16
	out  []int16
}

// newRxChain builds the receive side of codec c.
func newRxChain(c codecSpec, now func() time.Time, jopts []audio.JitterOption) (*rxChain, error) {
	var dec audio.PayloadDecoder
	switch c.name {
	case CodecPCMU:
		dec = audio.ULawDecoder{}
	case CodecPCMA:
		dec = audio.ALawDecoder{}
	case CodecG722:
		dec = NewG722Decoder()
	case CodecOpus:
		d, err := audio.NewOpusDecoder(c.rate)
		if err != nil {
			return nil, fmt.Errorf("rtp: opus decoder: %w", err)
		}
		dec = d
	}
	// The session's clock rate and clock come last, so they win.
	opts := append(append([]audio.JitterOption{}, jopts...), audio.WithClockRate(c.clock), audio.WithJitterNow(now))
	jb, err := audio.NewJitterBuffer(c.rate, dec, opts...)
	if err != nil {
		return nil, fmt.Errorf("rtp: jitter buffer: %w", err)
	}
	r := &rxChain{
		spec: c, jb: jb,
		pcm: make([]int16, 0, audio.SamplesFor(c.rate, audio.FrameDuration)),
		out: make([]int16, 0, audio.SamplesFor(audio.PipelineRate, audio.FrameDuration)),
	}
	if r.rs, err = newResampler(c.rate, audio.PipelineRate); err != nil {
		return nil, err
	}
	return r, nil
}

// pop returns the next 20 ms of caller audio at PipelineRate and what it
// holds. The slice is reused by the next call.
func (r *rxChain) pop() ([]int16, audio.FrameKind) {
	pcm, kind := r.jb.Pop(r.pcm[:0])
	r.pcm = pcm[:0]
	if r.rs == nil {
		return pcm, kind
	}
	out := r.rs.Process(r.out[:0], pcm)
	r.out = out[:0]
	return out, kind
}
