package sphinx

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// tone returns n samples of a sine at hz (16 kHz), amplitude a.
func tone(hz, a float64, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(a * math.Sin(2*math.Pi*hz*float64(i)/16000))
	}
	return s
}

// noise returns n samples of deterministic white noise of RMS about a.
func noise(a float64, n int) []int16 {
	s := make([]int16, n)
	x := uint32(99991)
	for i := range s {
		x = x*1664525 + 1013904223
		s[i] = int16((float64(int32(x)) / (1 << 31)) * a * math.Sqrt(3))
	}
	return s
}

// telephone returns 16 kHz audio as it arrives from an 8 kHz codec:
// resampled to 8 kHz and back with the pipeline's resampler.
func telephone(t testing.TB, pcm []int16) []int16 {
	t.Helper()
	p8, err := audio.Resample(nil, pcm, 16000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	out, err := audio.Resample(nil, audio.DecodeULaw(nil, audio.EncodeULaw(nil, p8)), 8000, 16000)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHighPass(t *testing.T) {
	f := newBandFilter()
	tests := []struct {
		desc     string
		hz       float64
		min, max float64 // power gain, dB
	}{
		{"speech band is stopped", 1000, -200, -70},
		{"the top of the telephone band is stopped", 3800, -200, -60},
		{"above 4.7 kHz passes", 5500, -0.5, 0.5},
		{"the top of the wide band passes", 7500, -0.5, 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var m bandMeter
			m.measure(tone(tc.hz, 10000, 8000), f)
			if g := 10 * math.Log10(max(m.hi, 1e-30)/m.total); g < tc.min || g > tc.max {
				t.Errorf("%v Hz: gain %.1f dB, want [%v, %v]", tc.hz, g, tc.min, tc.max)
			}
		})
	}
}

func TestBandMeter(t *testing.T) {
	f := newBandFilter()
	speechLike := func() []int16 { // wideband: a tone plus white noise
		s := tone(700, 6000, 16000)
		for i, v := range noise(300, len(s)) {
			s[i] += v
		}
		return s
	}
	tests := []struct {
		desc       string
		pcm        func() []int16
		narrow, ok bool
	}{
		{"wideband audio", speechLike, false, true},
		{"the same through a telephone codec", func() []int16 { return telephone(t, speechLike()) }, true, true},
		{"a telephone line's noise, then a little speech", func() []int16 {
			// Mostly line noise: the rounding noise of the upsampled
			// 16-bit samples comes within 60 dB of the total.
			quiet := append(noise(33, 6400), tone(700, 500, 1600)...)
			return telephone(t, quiet)
		}, true, true},
		{"a quiet line cannot tell", func() []int16 { return noise(30, 16000) }, false, false},
		{"digital silence cannot tell", func() []int16 { return make([]int16, 16000) }, false, false},
		{"too little audio", func() []int16 { return speechLike()[:probeMinSamples/2] }, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			pcm := tc.pcm()
			var whole, parts bandMeter
			whole.measure(pcm, f)
			for i := 0; i < len(pcm); i += 333 { // as the buffer grows
				parts.measure(pcm[:min(i+333, len(pcm))], f)
			}
			if whole != parts {
				t.Errorf("measuring in parts %+v differs from at once %+v", parts, whole)
			}
			if narrow, ok := whole.decide(f); narrow != tc.narrow || ok != tc.ok {
				t.Errorf("decide() = %v, %v; want %v, %v", narrow, ok, tc.narrow, tc.ok)
			}
		})
	}
}

func TestFold(t *testing.T) {
	in := telephone(t, tone(1000, 10000, 16000))
	out := slices.Clone(in)
	fold(out, 0)
	// The image of 1 kHz lies at 7 kHz, foldGain under the tone: a share
	// g²/(1+g²) of the total power.
	var before, after bandMeter
	before.measure(in, newBandFilter())
	after.measure(out, newBandFilter())
	wantDB := 10 * math.Log10(foldGain*foldGain/(1+foldGain*foldGain))
	if got := 10 * math.Log10(after.hi/after.total); math.Abs(got-wantDB) > 0.2 {
		t.Errorf("image %.1f dB under the total, want %.1f", got, wantDB)
	}
	if narrow, _ := before.decide(newBandFilter()); !narrow {
		t.Errorf("the telephone tone was not telephone band before folding")
	}
	// Folding in pieces at their stream positions is folding at once.
	pieces := slices.Clone(in)
	for _, cut := range [][2]int{{0, 3}, {3, 320}, {320, 1001}, {1001, len(pieces)}} {
		fold(pieces[cut[0]:cut[1]], int64(cut[0]))
	}
	if !slices.Equal(pieces, out) {
		t.Errorf("folding in pieces differs from folding at once")
	}
	loud := []int16{32767, -32768, 30000, -30000}
	fold(loud, 0)
	if !slices.Equal(loud, []int16{32767, -22937, 32767, -21000}) {
		t.Errorf("folding full scale: %v, want saturation", loud)
	}
}

func TestInitialBand(t *testing.T) {
	tests := []struct {
		desc string
		mode string
		rate int
		want band
	}{
		{"auto at 8 kHz is telephone", BandAuto, 8000, bandNarrow},
		{"auto at 16 kHz is measured", BandAuto, 16000, bandUnknown},
		{"auto at 48 kHz is measured", "", 48000, bandUnknown},
		{"telephone at 16 kHz", BandTelephone, 16000, bandNarrow},
		{"wide at 8 kHz", BandWide, 8000, bandWide},
		{"case does not matter", "Telephone", 48000, bandNarrow},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := initialBand(tc.mode, tc.rate); got != tc.want {
				t.Errorf("initialBand(%q, %d) = %v, want %v", tc.mode, tc.rate, got, tc.want)
			}
		})
	}
}

// TestStreamDetectsTelephoneBand streams a sentence at 16 kHz, wideband
// and upsampled from a telephone codec, and checks that the stream tells
// them apart and recognizes both.
func TestStreamDetectsTelephoneBand(t *testing.T) {
	c := loadClip(t, "return_slt.wav")
	pcm, from, to := padded(c, 500*time.Millisecond, 800*time.Millisecond)
	tests := []struct {
		desc      string
		mode      string
		pcm       []int16
		telephone uint64
	}{
		{"wideband", BandAuto, pcm, 0},
		{"telephone audio upsampled", BandAuto, telephone(t, pcm), 1},
		{"telephone audio with detection off", BandWide, telephone(t, pcm), 0},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r := shared(t)
			if tc.mode != BandAuto {
				r = newRecognizer(t, WithMaxDecoders(1), WithBand(tc.mode))
			}
			before := r.Stats().TelephoneBand
			st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
			feedVoice(t, st, tc.pcm, from, to, 60*time.Millisecond)
			f := col.waitFinals(t, 1)[0]
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if got := r.Stats().TelephoneBand - before; got != tc.telephone {
				t.Errorf("%d streams measured as telephone band, want %d", got, tc.telephone)
			}
			if e := wordErrors(strings.Fields(c.text), strings.Fields(f.Text)); tc.mode != BandWide && e > 1 {
				t.Errorf("%q: %d errors against %q", f.Text, e, c.text)
			}
			if st.ch.band == bandUnknown || (st.ch.band == bandNarrow) != (tc.telephone == 1 || tc.mode == BandTelephone) {
				t.Errorf("band after the first utterance: %v", st.ch.band)
			}
		})
	}
}

// BenchmarkFold measures the band folding of telephone-band audio on the
// decoding goroutine: one 20 ms frame per op. It must not allocate.
func BenchmarkFold(b *testing.B) {
	f := noise(3000, audio.SamplesFor(16000, audio.FrameDuration))
	var pos int64
	b.ReportAllocs()
	for b.Loop() {
		fold(f, pos)
		pos += int64(len(f))
	}
}

// BenchmarkBandMeter measures the band probe of a stream's first
// utterance: 20 ms of audio measured per op (a probe measures 15 to 50 of
// them once per call). It must not allocate.
func BenchmarkBandMeter(b *testing.B) {
	f := newBandFilter()
	pcm := noise(3000, probeMaxSamples)
	frame := audio.SamplesFor(16000, audio.FrameDuration)
	var m bandMeter
	end := 0
	b.ReportAllocs()
	for b.Loop() {
		if end += frame; end > len(pcm) {
			m.reset()
			end = frame
		}
		m.measure(pcm[:end], f)
	}
}
