package audio

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var pipelineRates = []int{Rate8k, Rate16k, Rate24k, Rate48k}

// delaySamples returns the resampler's delay in output samples, failing
// the test when it is not a whole number.
func delaySamples(t *testing.T, r *Resampler) int {
	t.Helper()
	d := r.DelaySamples()
	if d != math.Trunc(d) {
		t.Fatalf("%d -> %d: delay %v samples is not a whole number", r.InRate(), r.OutRate(), d)
	}
	if got := time.Duration(d * float64(time.Second) / float64(r.OutRate())); (got - r.Delay()).Abs() > time.Nanosecond {
		t.Fatalf("%d -> %d: Delay %v disagrees with DelaySamples %v", r.InRate(), r.OutRate(), r.Delay(), d)
	}
	return int(d)
}

// stream converts src through r in chunks of the given sizes (cycled),
// then flushes.
func stream(r *Resampler, src []int16, chunks []int) []int16 {
	var out []int16
	for i := 0; len(src) > 0; i++ {
		n := min(chunks[i%len(chunks)], len(src))
		out = r.Process(out, src[:n])
		src = src[n:]
	}
	return r.Flush(out)
}

func TestResamplerSineSNR(t *testing.T) {
	for _, from := range pipelineRates {
		for _, to := range pipelineRates {
			if from == to {
				continue
			}
			t.Run(fmt.Sprintf("1kHz %d->%d", from, to), func(t *testing.T) {
				r, err := NewResampler(from, to)
				if err != nil {
					t.Fatal(err)
				}
				in := sine(from/2, from, 1000, 12000) // 500 ms
				out := r.Process(nil, in)
				d := delaySamples(t, r)
				want := sine(len(out), to, 1000, 12000)
				// Skip the filter's start-up and compare the steady state.
				edge := d + to/100
				got := out[edge:]
				ref := want[edge-d : len(out)-d]
				if snr := snrDB(ref, got); snr < 40 {
					t.Errorf("SNR %.1f dB, want > 40 dB", snr)
				} else {
					t.Logf("SNR %.1f dB, delay %v, %d taps", snr, r.Delay(), r.Taps())
				}
			})
		}
	}
}

func TestResamplerRoundTripSNR(t *testing.T) {
	tests := []struct {
		desc     string
		from, to int
		freq     float64
	}{
		{"16k -> 8k -> 16k, 1 kHz", Rate16k, Rate8k, 1000},
		{"48k -> 16k -> 48k, 1 kHz", Rate48k, Rate16k, 1000},
		{"48k -> 8k -> 48k, 1987 Hz", Rate48k, Rate8k, 1987},
		{"24k -> 16k -> 24k, 4999 Hz", Rate24k, Rate16k, 4999},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			down, err := NewResampler(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			up, err := NewResampler(tc.to, tc.from)
			if err != nil {
				t.Fatal(err)
			}
			in := sine(tc.from/2, tc.from, tc.freq, 10000)
			out := up.Process(nil, down.Process(nil, in))
			d := delaySamples(t, up) + delaySamples(t, down)*tc.from/tc.to
			edge := d + tc.from/50
			if snr := snrDB(in[edge-d:len(out)-d], out[edge:]); snr < 40 {
				t.Errorf("round-trip SNR %.1f dB, want > 40 dB", snr)
			} else {
				t.Logf("round-trip SNR %.1f dB", snr)
			}
		})
	}
}

func TestResamplerAliasing(t *testing.T) {
	tests := []struct {
		desc     string
		from, to int
		freq     float64 // input tone
		image    float64 // where its alias or image would land
	}{
		{"6 kHz from 16k to 8k folds to 2 kHz", Rate16k, Rate8k, 6000, 2000},
		{"4.4 kHz from 16k to 8k, just past Nyquist", Rate16k, Rate8k, 4400, 3600},
		{"10 kHz from 48k to 16k folds to 6 kHz", Rate48k, Rate16k, 10000, 6000},
		{"5 kHz from 48k to 8k folds to 3 kHz", Rate48k, Rate8k, 5000, 3000},
		{"14 kHz from 48k to 24k folds to 10 kHz", Rate48k, Rate24k, 14000, 10000},
		{"3 kHz from 8k to 16k images at 5 kHz", Rate8k, Rate16k, 3000, 5000},
		{"3 kHz from 8k to 48k images at 5 kHz", Rate8k, Rate48k, 3000, 5000},
		{"7 kHz from 16k to 48k images at 9 kHz", Rate16k, Rate48k, 7000, 9000},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			out, err := Resample(nil, sine(tc.from, tc.from, tc.freq, 16000), tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			steady := out[tc.to/10 : len(out)-tc.to/10]
			level := toneLevel(steady, tc.to, tc.image)
			atten := 20 * math.Log10(16000/math.Max(level, 1e-9))
			if atten < 50 {
				t.Errorf("alias/image at %v Hz only %.1f dB down, want >= 50 dB", tc.image, atten)
			} else {
				t.Logf("alias/image %.1f dB down", atten)
			}
		})
	}
}

func TestResamplerPassband(t *testing.T) {
	tests := []struct {
		desc     string
		from, to int
		freq     float64
	}{
		{"300 Hz 16k->8k", Rate16k, Rate8k, 300},
		{"3.3 kHz 16k->8k", Rate16k, Rate8k, 3300},
		{"6.5 kHz 48k->16k", Rate48k, Rate16k, 6500},
		{"3.3 kHz 8k->48k", Rate8k, Rate48k, 3300},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			out, err := Resample(nil, sine(tc.from, tc.from, tc.freq, 10000), tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			steady := out[tc.to/10 : len(out)-tc.to/10]
			gain := 20 * math.Log10(toneLevel(steady, tc.to, tc.freq)/10000)
			if math.Abs(gain) > 0.1 {
				t.Errorf("passband gain %.3f dB, want within 0.1 dB", gain)
			}
		})
	}
}

func TestResamplerStreamingMatchesOneShot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, from := range pipelineRates {
		for _, to := range pipelineRates {
			t.Run(fmt.Sprintf("%d->%d", from, to), func(t *testing.T) {
				in := make([]int16, from*3/10+7)
				for i := range in {
					in[i] = int16(rng.IntN(40000) - 20000)
				}
				oneShot, err := Resample(nil, in, from, to)
				if err != nil {
					t.Fatal(err)
				}
				if want := (len(in)*to + from - 1) / from; len(oneShot) != want {
					t.Fatalf("one-shot length %d, want %d", len(oneShot), want)
				}
				for _, chunks := range [][]int{{SamplesFor(from, FrameDuration)}, {1, 7, 160, 33, 1000}} {
					r, err := NewResampler(from, to)
					if err != nil {
						t.Fatal(err)
					}
					streamed := stream(r, in, chunks)
					d := delaySamples(t, r)
					if len(streamed) < d+len(oneShot) {
						t.Fatalf("chunks %v: streamed %d samples, want >= %d", chunks, len(streamed), d+len(oneShot))
					}
					if !slices.Equal(streamed[d:d+len(oneShot)], oneShot) {
						t.Errorf("chunks %v: streamed output differs from one-shot", chunks)
					}
				}
			})
		}
	}
}

func TestResamplerFrameSizes(t *testing.T) {
	for _, from := range pipelineRates {
		for _, to := range pipelineRates {
			r, err := NewResampler(from, to)
			if err != nil {
				t.Fatal(err)
			}
			frame := make([]int16, SamplesFor(from, FrameDuration))
			for i := range 10 {
				if got, want := r.OutputLen(len(frame)), SamplesFor(to, FrameDuration); got != want {
					t.Fatalf("%d->%d frame %d: OutputLen %d, want %d", from, to, i, got, want)
				}
				if got := len(r.Process(nil, frame)); got != SamplesFor(to, FrameDuration) {
					t.Fatalf("%d->%d frame %d: %d samples, want one 20 ms frame", from, to, i, got)
				}
			}
		}
	}
}

func TestResamplerDelayMatchesImpulse(t *testing.T) {
	for _, from := range pipelineRates {
		for _, to := range pipelineRates {
			if from == to {
				continue
			}
			r, err := NewResampler(from, to)
			if err != nil {
				t.Fatal(err)
			}
			in := make([]int16, from/10)
			in[0] = 20000
			out := stream(r, in, []int{len(in)})
			peak := 0
			for i, v := range out {
				if v > out[peak] {
					peak = i
				}
			}
			if want := delaySamples(t, r); peak != want {
				t.Errorf("%d->%d: impulse peak at %d, Delay says %d samples", from, to, peak, want)
			}
		}
	}
}

func TestResamplerFileRates(t *testing.T) {
	tests := []struct {
		desc     string
		from, to int
	}{
		{"44.1 kHz to the pipeline", 44100, Rate16k},
		{"22.05 kHz to the pipeline", 22050, Rate16k},
		{"11.025 kHz to the pipeline", 11025, Rate16k},
		{"44.1 kHz to telephony", 44100, Rate8k},
		{"pipeline to 44.1 kHz", Rate16k, 44100},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			in := sine(tc.from/2, tc.from, 1000, 10000)
			out, err := Resample(nil, in, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			want := sine(len(out), tc.to, 1000, 10000)
			edge := tc.to / 50
			if snr := snrDB(want[edge:len(out)-edge], out[edge:len(out)-edge]); snr < 40 {
				t.Errorf("SNR %.1f dB, want > 40 dB", snr)
			}
		})
	}
}

func TestResamplerSaturates(t *testing.T) {
	// A full-scale square wave overshoots (Gibbs); the overshoot must clip,
	// not wrap around to the other sign.
	in := make([]int16, 4800)
	for i := range in {
		in[i] = math.MaxInt16
		if (i/120)%2 == 1 {
			in[i] = math.MinInt16
		}
	}
	out, err := Resample(nil, in, Rate48k, Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	for i := 10; i+10 < len(out); i++ {
		half := (i * 3 / 120) % 2
		mid := (i*3)%120 > 20 && (i*3)%120 < 100
		if mid && half == 0 && out[i] < 0 || mid && half == 1 && out[i] > 0 {
			t.Fatalf("sample %d = %d has the wrong sign: overflow wrapped", i, out[i])
		}
	}
}

func TestResamplerErrors(t *testing.T) {
	tests := []struct {
		desc     string
		from, to int
		opts     []ResamplerOption
		want     error
	}{
		{"rate too low", 500, Rate16k, nil, ErrUnsupportedRate},
		{"rate too high", Rate16k, 400000, nil, ErrUnsupportedRate},
		{"ratio needs a huge filter", 44101, Rate16k, nil, ErrUnsupportedRate},
		{"passband too narrow", Rate16k, Rate8k, []ResamplerOption{WithPassband(0.2)}, ErrInvalidOption},
		{"passband NaN", Rate16k, Rate8k, []ResamplerOption{WithPassband(math.NaN())}, ErrInvalidOption},
		{"attenuation too high", Rate16k, Rate8k, []ResamplerOption{WithStopbandAttenuation(200)}, ErrInvalidOption},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := NewResampler(tc.from, tc.to, tc.opts...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if _, err := Resample(nil, nil, tc.from, tc.to, tc.opts...); !errors.Is(err, tc.want) {
				t.Fatalf("Resample err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestResamplerOptionsTradeOff(t *testing.T) {
	fast, err := NewResampler(Rate48k, Rate16k, WithPassband(0.7), WithStopbandAttenuation(60))
	if err != nil {
		t.Fatal(err)
	}
	def, err := NewResampler(Rate48k, Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	if fast.Taps() >= def.Taps() || fast.Delay() >= def.Delay() {
		t.Errorf("narrow passband, 60 dB: %d taps, %v; default: %d taps, %v; want fewer taps and less delay", fast.Taps(), fast.Delay(), def.Taps(), def.Delay())
	}
	out, err := Resample(nil, sine(Rate16k, Rate16k, 6000, 16000), Rate16k, Rate8k, WithStopbandAttenuation(60))
	if err != nil {
		t.Fatal(err)
	}
	if atten := 20 * math.Log10(16000/toneLevel(out[800:len(out)-800], Rate8k, 2000)); atten < 55 {
		t.Errorf("60 dB design: alias only %.1f dB down", atten)
	}
}

func TestResamplerSameRateCopies(t *testing.T) {
	r, err := NewResampler(Rate16k, Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	in := sine(320, Rate16k, 440, 1000)
	if out := r.Process(nil, in); !slices.Equal(out, in) || r.Delay() != 0 {
		t.Errorf("same-rate resampler changed the audio or has delay %v", r.Delay())
	}
	if out := r.Flush(nil); len(out) != 0 {
		t.Errorf("same-rate Flush returned %d samples", len(out))
	}
}

func TestResamplerProcessFrame(t *testing.T) {
	r, err := NewResampler(Rate8k, Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.ProcessFrame(nil, NewFrame(Rate8k, FrameDuration))
	if err != nil {
		t.Fatal(err)
	}
	if f.Rate != Rate16k || len(f.Samples) != 320 {
		t.Errorf("got %d samples at %d Hz, want 320 at 16000", len(f.Samples), f.Rate)
	}
	if _, err := r.ProcessFrame(nil, NewFrame(Rate16k, FrameDuration)); !errors.Is(err, ErrBadFrame) {
		t.Errorf("wrong-rate frame: err = %v, want ErrBadFrame", err)
	}
}

func TestResamplerReset(t *testing.T) {
	r, err := NewResampler(Rate16k, Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	in := sine(320, Rate16k, 440, 8000)
	first := r.Process(nil, in)
	r.Process(nil, sine(999, Rate16k, 3000, 8000))
	r.Reset()
	if again := r.Process(nil, in); !slices.Equal(first, again) {
		t.Error("after Reset the same input gave different output")
	}
}

func TestResamplerZeroAllocs(t *testing.T) {
	for _, pair := range [][2]int{{Rate48k, Rate16k}, {Rate8k, Rate16k}, {Rate16k, Rate24k}} {
		r, err := NewResampler(pair[0], pair[1])
		if err != nil {
			t.Fatal(err)
		}
		in := sine(SamplesFor(pair[0], FrameDuration), pair[0], 440, 8000)
		dst := make([]int16, 0, SamplesFor(pair[1], FrameDuration))
		r.Process(dst, in)
		if n := testing.AllocsPerRun(100, func() { r.Process(dst[:0], in) }); n != 0 {
			t.Errorf("%d->%d: %v allocations per frame, want 0", pair[0], pair[1], n)
		}
	}
}

func BenchmarkResampler(b *testing.B) {
	for _, pair := range [][2]int{{Rate48k, Rate16k}, {Rate16k, Rate48k}, {Rate8k, Rate16k}, {Rate16k, Rate8k}, {Rate24k, Rate16k}, {Rate48k, Rate8k}} {
		b.Run(fmt.Sprintf("%dto%d_20ms", pair[0], pair[1]), func(b *testing.B) {
			r, err := NewResampler(pair[0], pair[1])
			if err != nil {
				b.Fatal(err)
			}
			in := sine(SamplesFor(pair[0], FrameDuration), pair[0], 440, 8000)
			dst := make([]int16, 0, SamplesFor(pair[1], FrameDuration))
			b.ReportAllocs()
			b.SetBytes(int64(2 * len(in)))
			for b.Loop() {
				dst = r.Process(dst[:0], in)
			}
		})
	}
}

func BenchmarkNewResampler(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewResampler(Rate48k, Rate16k); err != nil {
			b.Fatal(err)
		}
	}
}

// prototype rebuilds the low-pass prototype filter from its polyphase rows.
func prototype(pp polyphase) []float64 {
	h := make([]float64, pp.up*pp.taps)
	for p := range pp.up {
		for j := range pp.taps {
			h[p+(pp.taps-1-j)*pp.up] = float64(pp.coef[p*pp.taps+j])
		}
	}
	return h
}

// response returns |H(f)| of h at f Hz for sampling rate fs.
func response(h []float64, f, fs float64) float64 {
	var re, im float64
	for n, v := range h {
		w := 2 * math.Pi * f * float64(n) / fs
		re += v * math.Cos(w)
		im -= v * math.Sin(w)
	}
	return math.Hypot(re, im)
}

func TestResamplerFilterMeetsSpec(t *testing.T) {
	tests := []struct {
		desc     string
		from, to int
		opts     []ResamplerOption
		stopDB   float64
		passband float64
	}{
		{"default 16k->8k", Rate16k, Rate8k, nil, 80, 0.85},
		{"default 48k->16k", Rate48k, Rate16k, nil, 80, 0.85},
		{"default 8k->48k", Rate8k, Rate48k, nil, 80, 0.85},
		{"default 24k->16k", Rate24k, Rate16k, nil, 80, 0.85},
		{"60 dB, 0.75", Rate16k, Rate8k, []ResamplerOption{WithStopbandAttenuation(60), WithPassband(0.75)}, 60, 0.75},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r, err := NewResampler(tc.from, tc.to, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			h := prototype(r.pp)
			fs := float64(tc.from * r.pp.up)
			nyq := float64(min(tc.from, tc.to)) / 2
			gain := float64(r.pp.up)
			worstStop, worstPass := math.Inf(1), 0.0
			for f := nyq; f <= fs/2; f += nyq / 200 {
				worstStop = math.Min(worstStop, -20*math.Log10(response(h, f, fs)/gain))
			}
			for f := 0.0; f <= tc.passband*nyq; f += nyq / 200 {
				worstPass = math.Max(worstPass, math.Abs(20*math.Log10(response(h, f, fs)/gain)))
			}
			t.Logf("%d taps/phase: stopband >= %.1f dB, passband ripple %.4f dB", r.Taps(), worstStop, worstPass)
			if worstStop < tc.stopDB {
				t.Errorf("stopband attenuation %.1f dB, want >= %v dB", worstStop, tc.stopDB)
			}
			if worstPass > 0.01 {
				t.Errorf("passband ripple %.4f dB, want <= 0.01 dB", worstPass)
			}
		})
	}
}
