package audio

import (
	"fmt"
	"slices"

	"github.com/hraban/opus"
)

// Opus limits (RFC 6716).
const (
	// maxOpusPacket bounds one encoded packet. A single 20 ms Opus frame
	// is at most 1275 bytes; the margin covers multi-frame packets.
	maxOpusPacket = 1500
	// maxOpusDuration is the longest audio one Opus packet can carry
	// (120 ms), in units of 2.5 ms.
	maxOpusDuration = 48
)

// OpusApplication tells the Opus encoder what it is encoding.
type OpusApplication int

const (
	// OpusVoIP favours speech intelligibility (the default).
	OpusVoIP OpusApplication = iota
	// OpusAudio favours fidelity for music and mixed content.
	OpusAudio
	// OpusLowDelay disables the speech-optimised modes to save 5 ms of
	// algorithmic delay.
	OpusLowDelay
)

// opusEncoderConfig holds the options of an OpusEncoder.
type opusEncoderConfig struct {
	app        OpusApplication
	bitrate    int
	complexity int
	lossPct    int
	dtx        bool
}

// OpusEncoderOption configures an OpusEncoder. Options validate their
// argument and make NewOpusEncoder fail with ErrInvalidOption when it is out
// of range.
type OpusEncoderOption func(*opusEncoderConfig) error

// WithOpusBitrate sets the target bitrate in bits per second, in
// [6000, 510000]. The default is 32000, ample for wideband speech.
func WithOpusBitrate(bps int) OpusEncoderOption {
	return func(c *opusEncoderConfig) error {
		if bps < 6000 || bps > 510000 {
			return fmt.Errorf("%w: WithOpusBitrate(%d): want 6000..510000 bits per second", ErrInvalidOption, bps)
		}
		c.bitrate = bps
		return nil
	}
}

// WithOpusComplexity sets the encoder's CPU/quality trade-off in [0, 10].
// The default is 5, which keeps hundreds of calls per core affordable.
func WithOpusComplexity(level int) OpusEncoderOption {
	return func(c *opusEncoderConfig) error {
		if level < 0 || level > 10 {
			return fmt.Errorf("%w: WithOpusComplexity(%d): want 0..10", ErrInvalidOption, level)
		}
		c.complexity = level
		return nil
	}
}

// WithOpusFEC turns on in-band forward error correction tuned for the given
// expected packet loss, in percent (1..100): each packet then also carries a
// low-bitrate copy of the previous frame, which OpusDecoder.Conceal recovers
// when a packet is lost. 0 turns FEC off (the default).
func WithOpusFEC(expectedLossPercent int) OpusEncoderOption {
	return func(c *opusEncoderConfig) error {
		if expectedLossPercent < 0 || expectedLossPercent > 100 {
			return fmt.Errorf("%w: WithOpusFEC(%d): want an expected loss of 0..100 percent", ErrInvalidOption, expectedLossPercent)
		}
		c.lossPct = expectedLossPercent
		return nil
	}
}

// WithOpusDTX turns discontinuous transmission on or off (default off).
// With DTX the encoder emits tiny packets during silence, and the peer may
// see timestamp gaps.
func WithOpusDTX(on bool) OpusEncoderOption {
	return func(c *opusEncoderConfig) error {
		c.dtx = on
		return nil
	}
}

// WithOpusApplication selects the encoder's tuning (default OpusVoIP).
func WithOpusApplication(app OpusApplication) OpusEncoderOption {
	return func(c *opusEncoderConfig) error {
		if app < OpusVoIP || app > OpusLowDelay {
			return fmt.Errorf("%w: WithOpusApplication(%d): want OpusVoIP, OpusAudio or OpusLowDelay", ErrInvalidOption, app)
		}
		c.app = app
		return nil
	}
}

// OpusEncoder encodes mono PCM16 frames to Opus packets (RFC 6716) with
// libopus. It is not safe for concurrent use; each outbound stream needs its
// own. Its memory is managed by the Go garbage collector.
type OpusEncoder struct {
	enc  *opus.Encoder
	rate int
}

// NewOpusEncoder returns a mono encoder for PCM at rate Hz (8, 16, 24 or
// 48 kHz; WebRTC sends 48 kHz).
func NewOpusEncoder(rate int, opts ...OpusEncoderOption) (*OpusEncoder, error) {
	if !SupportedRate(rate) {
		return nil, fmt.Errorf("%w: %d Hz for Opus (want 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, rate)
	}
	cfg := opusEncoderConfig{app: OpusVoIP, bitrate: 32000, complexity: 5}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	app := opus.AppVoIP
	switch cfg.app {
	case OpusAudio:
		app = opus.AppAudio
	case OpusLowDelay:
		app = opus.AppRestrictedLowdelay
	}
	enc, err := opus.NewEncoder(rate, 1, app)
	if err != nil {
		return nil, fmt.Errorf("%w: opus encoder: %w", ErrCodec, err)
	}
	steps := []struct {
		name string
		err  error
	}{
		{"bitrate", enc.SetBitrate(cfg.bitrate)},
		{"complexity", enc.SetComplexity(cfg.complexity)},
		{"in-band FEC", enc.SetInBandFEC(cfg.lossPct > 0)},
		{"packet loss", enc.SetPacketLossPerc(cfg.lossPct)},
		{"DTX", enc.SetDTX(cfg.dtx)},
	}
	for _, s := range steps {
		if s.err != nil {
			return nil, fmt.Errorf("%w: opus encoder %s: %w", ErrCodec, s.name, s.err)
		}
	}
	return &OpusEncoder{enc: enc, rate: rate}, nil
}

// Rate returns the sample rate of the PCM the encoder takes, in Hz.
func (e *OpusEncoder) Rate() int { return e.rate }

// Encode encodes one frame of PCM at the encoder's rate and appends the
// Opus packet to dst, returning the extended slice. The frame must last
// 2.5, 5, 10, 20, 40 or 60 ms; 20 ms is Parley's frame. Encode does not
// allocate when dst has room for 1500 more bytes.
func (e *OpusEncoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	if !opusFrameSize(e.rate, len(pcm)) {
		return dst, fmt.Errorf("%w: %d samples at %d Hz is not an Opus frame (want 2.5, 5, 10, 20, 40 or 60 ms)", ErrBadFrame, len(pcm), e.rate)
	}
	n0 := len(dst)
	dst = slices.Grow(dst, maxOpusPacket)
	n, err := e.enc.Encode(pcm, dst[n0:n0+maxOpusPacket])
	if err != nil {
		return dst, fmt.Errorf("%w: opus encode: %w", ErrCodec, err)
	}
	return dst[:n0+n], nil
}

// SetBitrate changes the target bitrate (bits per second, 6000..510000)
// between frames, for example when RTCP reports congestion.
func (e *OpusEncoder) SetBitrate(bps int) error {
	if bps < 6000 || bps > 510000 {
		return fmt.Errorf("%w: Opus bitrate %d: want 6000..510000 bits per second", ErrInvalidOption, bps)
	}
	if err := e.enc.SetBitrate(bps); err != nil {
		return fmt.Errorf("%w: opus bitrate: %w", ErrCodec, err)
	}
	return nil
}

// SetPacketLoss changes the expected packet loss (percent, 0..100) between
// frames, for example from RTCP receiver reports; above zero it enables
// in-band FEC.
func (e *OpusEncoder) SetPacketLoss(percent int) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("%w: Opus packet loss %d: want 0..100 percent", ErrInvalidOption, percent)
	}
	if err := e.enc.SetInBandFEC(percent > 0); err != nil {
		return fmt.Errorf("%w: opus FEC: %w", ErrCodec, err)
	}
	if err := e.enc.SetPacketLossPerc(percent); err != nil {
		return fmt.Errorf("%w: opus packet loss: %w", ErrCodec, err)
	}
	return nil
}

// Reset returns the encoder to its initial state (keeping its settings),
// for a new stream.
func (e *OpusEncoder) Reset() error {
	if err := e.enc.Reset(); err != nil {
		return fmt.Errorf("%w: opus reset: %w", ErrCodec, err)
	}
	return nil
}

// opusFrameSize reports whether n samples at rate is a legal Opus frame.
func opusFrameSize(rate, n int) bool {
	unit := rate / 400 // 2.5 ms
	if n <= 0 || n%unit != 0 {
		return false
	}
	switch n / unit {
	case 1, 2, 4, 8, 16, 24:
		return true
	}
	return false
}

// OpusDecoder decodes Opus packets to mono PCM16 with libopus. A stereo
// stream (WebRTC declares opus/48000/2) is downmixed to mono by libopus.
// OpusDecoder implements the JitterBuffer's PayloadDecoder and Concealer, so
// lost packets are concealed with Opus PLC or recovered from in-band FEC.
//
// It is not safe for concurrent use; each inbound stream needs its own.
type OpusDecoder struct {
	dec  *opus.Decoder
	rate int
	// pcm is scratch for the longest packet (120 ms).
	pcm []int16
	// last is the duration of the last decoded packet in samples, used
	// for concealment when the caller does not say how much is missing.
	last int
}

// NewOpusDecoder returns a decoder producing mono PCM at rate Hz (8, 16, 24
// or 48 kHz), whatever rate and channel count the sender encoded at.
func NewOpusDecoder(rate int) (*OpusDecoder, error) {
	if !SupportedRate(rate) {
		return nil, fmt.Errorf("%w: %d Hz for Opus (want 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, rate)
	}
	dec, err := opus.NewDecoder(rate, 1)
	if err != nil {
		return nil, fmt.Errorf("%w: opus decoder: %w", ErrCodec, err)
	}
	return &OpusDecoder{
		dec:  dec,
		rate: rate,
		pcm:  make([]int16, rate/400*maxOpusDuration),
		last: SamplesFor(rate, FrameDuration),
	}, nil
}

// Rate returns the sample rate of the decoded PCM, in Hz.
func (d *OpusDecoder) Rate() int { return d.rate }

// Decode decodes one Opus packet and appends its PCM (2.5 to 120 ms of
// it) to dst, returning the extended slice. An empty packet stands for a
// lost one: Decode then appends as much concealment (PLC) as the last packet
// lasted. Decode does not allocate when dst has room for the output.
func (d *OpusDecoder) Decode(dst []int16, packet []byte) ([]int16, error) {
	if len(packet) == 0 {
		return d.Conceal(dst, d.last, nil)
	}
	n, err := d.dec.Decode(packet, d.pcm)
	if err != nil {
		return dst, fmt.Errorf("%w: opus decode of a %d-byte packet: %w", ErrCodec, len(packet), err)
	}
	d.last = n
	return append(dst, d.pcm[:n]...), nil
}

// Conceal appends n samples that stand in for lost audio to dst. When next,
// the packet that follows the loss, is at hand and carries in-band FEC, the
// lost audio is rebuilt from it (the caller then decodes next normally);
// otherwise Opus packet loss concealment extrapolates from the audio before
// the gap and fades out over long gaps. n is rounded up to whole 2.5 ms
// inside the decoder, but exactly n samples are appended.
func (d *OpusDecoder) Conceal(dst []int16, n int, next []byte) ([]int16, error) {
	unit := d.rate / 400
	maxChunk := unit * maxOpusDuration
	if len(next) > 0 && n > 0 && n%unit == 0 && n <= maxChunk {
		if err := d.dec.DecodeFEC(next, d.pcm[:n:n]); err == nil {
			return append(dst, d.pcm[:n]...), nil
		}
		// A corrupt next packet: fall back to plain PLC below.
	}
	for n > 0 {
		chunk := min((n+unit-1)/unit*unit, maxChunk)
		if err := d.dec.DecodePLC(d.pcm[:chunk:chunk]); err != nil {
			return dst, fmt.Errorf("%w: opus concealment: %w", ErrCodec, err)
		}
		take := min(chunk, n)
		dst = append(dst, d.pcm[:take]...)
		n -= take
	}
	return dst, nil
}

// Reset returns the decoder to its initial state, for a new stream (for
// example after the sender's SSRC changed).
func (d *OpusDecoder) Reset() error {
	dec, err := opus.NewDecoder(d.rate, 1)
	if err != nil {
		return fmt.Errorf("%w: opus decoder reset: %w", ErrCodec, err)
	}
	d.dec = dec
	d.last = SamplesFor(d.rate, FrameDuration)
	return nil
}
