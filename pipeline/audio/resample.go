package audio

import (
	"fmt"
	"slices"
	"time"
)

// oneShotChunk is how many input samples Resample converts per step, which
// bounds its scratch memory independently of the input length.
const oneShotChunk = 4096

// Resampler converts one stream of mono PCM16 audio from one sample rate to
// another with a band-limited polyphase FIR filter: a Kaiser-windowed sinc
// low-pass at the lower of the two Nyquist frequencies (by default flat to
// 85% of it and 80 dB down from it on), applied as a rational L/M
// interpolator/decimator.
//
// A Resampler keeps the filter history between calls to Process, so a stream
// cut into frames converts exactly as it would in one piece. Output is
// delayed by Delay; Flush emits the delayed tail at the end of a stream.
//
// A Resampler is not safe for concurrent use; give each stream its own.
type Resampler struct {
	from, to int
	pp       polyphase
	// hist holds taps-1 samples of history followed by pending input.
	hist []float32
	// pos is the index in hist of the newest input sample the next output
	// depends on; phase is the next output's polyphase branch.
	pos, phase int
	// startPos is pos after Reset: taps-1 for streaming, more for the
	// delay-compensated one-shot conversion.
	startPos int
}

// NewResampler returns a Resampler that converts from one rate to another
// (both in Hz). Any rates in 1 kHz..384 kHz are accepted as long as the
// filter for their reduced ratio stays under a million taps; all pairs of
// Parley's rates (8, 16, 24 and 48 kHz) and the usual file rates (11025,
// 22050, 44100 Hz) qualify. Equal rates give a Resampler that copies.
func NewResampler(from, to int, opts ...ResamplerOption) (*Resampler, error) {
	for _, hz := range [2]int{from, to} {
		if hz < minResampleRate || hz > maxResampleRate {
			return nil, fmt.Errorf("%w: %d Hz (the resampler accepts %d..%d Hz)", ErrUnsupportedRate, hz, minResampleRate, maxResampleRate)
		}
	}
	cfg := resampleConfig{passband: defaultPassband, stopbandDB: defaultStopbandDB}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	r := &Resampler{from: from, to: to}
	if from == to {
		return r, nil
	}
	pp, err := designPolyphase(from, to, cfg)
	if err != nil {
		return nil, err
	}
	r.pp = pp
	r.startPos = pp.taps - 1
	r.hist = make([]float32, pp.taps-1, pp.taps-1+SamplesFor(from, FrameDuration))
	r.pos = r.startPos
	return r, nil
}

// InRate returns the input sample rate in Hz.
func (r *Resampler) InRate() int { return r.from }

// OutRate returns the output sample rate in Hz.
func (r *Resampler) OutRate() int { return r.to }

// Delay returns the group delay of the filter, rounded to the nanosecond:
// output sample k of Process corresponds to input time k/OutRate - Delay.
// It is zero when the rates are equal.
func (r *Resampler) Delay() time.Duration {
	return time.Duration((int64(r.pp.delayIn)*int64(time.Second) + int64(r.from)/2) / int64(r.from))
}

// DelaySamples returns the group delay in output samples. Between any two
// of 8, 16, 24 and 48 kHz it is a whole number (at both rates), so a caller
// can align input and output exactly.
func (r *Resampler) DelaySamples() float64 {
	return float64(r.pp.delayIn) * float64(r.to) / float64(r.from)
}

// Taps returns the number of filter coefficients applied per output sample
// (zero when the rates are equal), a measure of the CPU cost.
func (r *Resampler) Taps() int { return r.pp.taps }

// OutputLen returns how many samples the next call to Process will append
// for n input samples. For a stream fed in whole 20 ms frames between
// Parley's rates it is always exactly one 20 ms frame at the output rate.
func (r *Resampler) OutputLen(n int) int {
	if r.from == r.to {
		return n
	}
	avail := len(r.hist) + n
	t := r.pos*r.pp.up + r.phase
	end := avail * r.pp.up
	if end <= t {
		return 0
	}
	return (end - t + r.pp.down - 1) / r.pp.down
}

// Process converts src and appends the result to dst, returning the
// extended slice. It does not allocate when dst has room for OutputLen
// samples and src is no longer than the longest input seen so far. src is
// only read; the Resampler keeps what it needs of it.
func (r *Resampler) Process(dst, src []int16) []int16 {
	if r.from == r.to {
		return append(dst, src...)
	}
	n0 := len(r.hist)
	r.hist = slices.Grow(r.hist, len(src))[:n0+len(src)]
	in := r.hist[n0:]
	for i, s := range src {
		in[i] = float32(s)
	}
	return r.run(dst)
}

// ProcessFrame converts f, which must be at the input rate, appending the
// samples to dst, and returns them as a Frame at the output rate. The frame
// shares dst's backing array.
func (r *Resampler) ProcessFrame(dst []int16, f Frame) (Frame, error) {
	if f.Rate != r.from {
		return Frame{}, fmt.Errorf("%w: frame at %d Hz given to a %d -> %d Hz resampler", ErrBadFrame, f.Rate, r.from, r.to)
	}
	start := len(dst)
	out := r.Process(dst, f.Samples)
	return Frame{Rate: r.to, Samples: out[start:]}, nil
}

// Flush appends the tail of the stream still held back by the filter delay
// (the output for Delay worth of silence after the last input) to dst and
// resets the Resampler for a new stream.
func (r *Resampler) Flush(dst []int16) []int16 {
	if r.from == r.to {
		return dst
	}
	n0 := len(r.hist)
	r.hist = slices.Grow(r.hist, r.pp.delayIn)[:n0+r.pp.delayIn]
	clear(r.hist[n0:])
	dst = r.run(dst)
	r.Reset()
	return dst
}

// Reset forgets the stream history so the Resampler can convert an
// unrelated stream.
func (r *Resampler) Reset() {
	if r.from == r.to {
		return
	}
	r.hist = r.hist[:r.pp.taps-1]
	clear(r.hist)
	r.pos, r.phase = r.startPos, 0
}

// run produces every output sample whose inputs are in hist, then drops
// the input no future output needs.
func (r *Resampler) run(dst []int16) []int16 {
	h := r.hist
	taps, up, down := r.pp.taps, r.pp.up, r.pp.down
	n := len(h)
	start := len(dst)
	if end, t := n*up, r.pos*up+r.phase; end > t {
		dst = slices.Grow(dst, (end-t+down-1)/down)[:start+(end-t+down-1)/down]
	}
	out := dst[start:]
	pos, phase := r.pos, r.phase
	for i := range out {
		c := r.pp.coef[phase*taps : phase*taps+taps]
		out[i] = clampInt16(dot(c, h[pos-taps+1:pos+1]))
		// Advance by down/up input samples without dividing: up and down
		// are small for Parley's rates, and this loop runs at most
		// ceil(down/up) times.
		for phase += down; phase >= up; phase -= up {
			pos++
		}
	}
	keep := min(pos-(taps-1), n)
	copy(h, h[keep:n])
	r.hist = h[:n-keep]
	r.pos, r.phase = pos-keep, phase
	return dst
}

// Resample converts a whole buffer from one rate to another, appending the
// result to dst. Unlike a streaming Resampler it compensates the filter
// delay: the output is time-aligned with src and holds exactly
// ceil(len(src)*to/from) samples. It works through src in chunks, so its
// scratch memory does not grow with the input.
func Resample(dst, src []int16, from, to int, opts ...ResamplerOption) ([]int16, error) {
	r, err := NewResampler(from, to, opts...)
	if err != nil {
		return dst, err
	}
	if from == to {
		return append(dst, src...), nil
	}
	// Start the output clock Delay ahead: the first output is centred on
	// the first input sample, and Flush supplies the lookahead at the end.
	r.startPos += r.pp.delayIn
	r.pos = r.startPos
	for len(src) > 0 {
		n := min(len(src), oneShotChunk)
		dst = r.Process(dst, src[:n])
		src = src[n:]
	}
	return r.Flush(dst), nil
}
