package audio

import (
	"errors"
	"math"
	"testing"

	"github.com/hraban/opus"
)

// speech returns the test recording (synthesised speech, 16 kHz mono)
// resampled to rate.
func speech(t testing.TB, rate int) []int16 {
	t.Helper()
	w, err := ReadWAVFile("testdata/speech16k.wav")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Resample(nil, w.Samples, w.Rate, rate)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// opusRoundTrip encodes pcm frame by frame and decodes it again; lost
// frames (by index) are concealed instead, with FEC from the next packet
// when fec is set.
func opusRoundTrip(t testing.TB, enc *OpusEncoder, dec *OpusDecoder, pcm []int16, lost map[int]bool, fec bool) []int16 {
	t.Helper()
	frame := SamplesFor(enc.Rate(), FrameDuration)
	var packets [][]byte
	for i := 0; i+frame <= len(pcm); i += frame {
		p, err := enc.Encode(nil, pcm[i:i+frame])
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, p)
	}
	var out []int16
	var err error
	for i, p := range packets {
		switch {
		case lost[i] && fec && i+1 < len(packets):
			out, err = dec.Conceal(out, frame, packets[i+1])
		case lost[i]:
			out, err = dec.Decode(out, nil)
		default:
			out, err = dec.Decode(out, p)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func energy(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e
}

func TestOpusRoundTrip(t *testing.T) {
	tests := []struct {
		desc    string
		rate    int
		opts    []OpusEncoderOption
		minCorr float64
	}{
		{"48 kHz WebRTC default", Rate48k, nil, 0.9},
		{"16 kHz pipeline rate", Rate16k, nil, 0.9},
		{"48 kHz at 64 kbit/s, complexity 10", Rate48k, []OpusEncoderOption{WithOpusBitrate(64000), WithOpusComplexity(10)}, 0.9},
		{"16 kHz at 12 kbit/s with FEC and DTX", Rate16k, []OpusEncoderOption{WithOpusBitrate(12000), WithOpusFEC(10), WithOpusDTX(true)}, 0.8},
		{"24 kHz audio application", Rate24k, []OpusEncoderOption{WithOpusApplication(OpusAudio)}, 0.9},
		{"8 kHz low delay", Rate8k, []OpusEncoderOption{WithOpusApplication(OpusLowDelay)}, 0.9},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			enc, err := NewOpusEncoder(tc.rate, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := NewOpusDecoder(tc.rate)
			if err != nil {
				t.Fatal(err)
			}
			in := speech(t, tc.rate)
			out := opusRoundTrip(t, enc, dec, in, nil, false)
			lag, corr := bestLag(in, out, tc.rate/100)
			ratio := 10 * math.Log10(energy(out[lag:])/energy(in[:len(out)-lag]))
			t.Logf("delay %d samples, correlation %.3f, energy %+.2f dB", lag, corr, ratio)
			if corr < tc.minCorr {
				t.Errorf("correlation %.3f, want >= %.2f", corr, tc.minCorr)
			}
			if math.Abs(ratio) > 2 {
				t.Errorf("energy changed by %+.2f dB, want within 2 dB", ratio)
			}
		})
	}
}

func TestOpusConcealment(t *testing.T) {
	const rate = Rate16k
	frame := SamplesFor(rate, FrameDuration)
	in := speech(t, rate)
	// Lose every 7th frame from the middle of the utterance on.
	lost := map[int]bool{}
	for i := 20; i < len(in)/frame-10; i += 7 {
		lost[i] = true
	}
	newPair := func() (*OpusEncoder, *OpusDecoder) {
		enc, err := NewOpusEncoder(rate, WithOpusBitrate(24000), WithOpusFEC(20))
		if err != nil {
			t.Fatal(err)
		}
		dec, err := NewOpusDecoder(rate)
		if err != nil {
			t.Fatal(err)
		}
		return enc, dec
	}
	enc, dec := newPair()
	clean := opusRoundTrip(t, enc, dec, in, nil, false)
	enc, dec = newPair()
	plc := opusRoundTrip(t, enc, dec, in, lost, false)
	enc, dec = newPair()
	fec := opusRoundTrip(t, enc, dec, in, lost, true)
	if len(plc) != len(clean) || len(fec) != len(clean) {
		t.Fatalf("lengths: clean %d, PLC %d, FEC %d: concealment must fill each lost frame exactly", len(clean), len(plc), len(fec))
	}
	// Compare the lost frames against the loss-free decode.
	var plcErr, fecErr, sig float64
	silentPLC := 0
	for i := range lost {
		a, b, c := clean[i*frame:(i+1)*frame], plc[i*frame:(i+1)*frame], fec[i*frame:(i+1)*frame]
		if energy(a) > 1e6 && energy(b) == 0 {
			silentPLC++
		}
		for j := range a {
			sig += float64(a[j]) * float64(a[j])
			plcErr += math.Pow(float64(b[j])-float64(a[j]), 2)
			fecErr += math.Pow(float64(c[j])-float64(a[j]), 2)
		}
	}
	plcSNR, fecSNR := 10*math.Log10(sig/plcErr), 10*math.Log10(sig/fecErr)
	t.Logf("%d lost frames: PLC SNR %.1f dB, FEC SNR %.1f dB", len(lost), plcSNR, fecSNR)
	if silentPLC > 0 {
		t.Errorf("PLC produced silence for %d voiced frames", silentPLC)
	}
	if fecSNR <= plcSNR {
		t.Errorf("FEC (%.1f dB) did not beat PLC (%.1f dB)", fecSNR, plcSNR)
	}
	if fecSNR < 3 {
		t.Errorf("FEC SNR %.1f dB, want a usable reconstruction (>= 3 dB)", fecSNR)
	}
}

func TestOpusDecodesStereoPeerToMono(t *testing.T) {
	// WebRTC declares opus/48000/2: a browser may really send stereo.
	mono := speech(t, Rate48k)
	stereo := make([]int16, 2*len(mono))
	for i, v := range mono {
		stereo[2*i], stereo[2*i+1] = v, v/2
	}
	enc, err := opus.NewEncoder(Rate48k, 2, opus.AppAudio)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.SetBitrate(96000); err != nil {
		t.Fatal(err)
	}
	dec, err := NewOpusDecoder(Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	frame := SamplesFor(Rate48k, FrameDuration)
	var out []int16
	buf := make([]byte, 1500)
	for i := 0; i+2*frame <= len(stereo); i += 2 * frame {
		n, err := enc.Encode(stereo[i:i+2*frame], buf)
		if err != nil {
			t.Fatal(err)
		}
		before := len(out)
		if out, err = dec.Decode(out, buf[:n]); err != nil {
			t.Fatal(err)
		}
		if len(out)-before != frame {
			t.Fatalf("stereo packet decoded to %d mono samples, want %d", len(out)-before, frame)
		}
	}
	// The downmix is the average of the channels: 0.75 of the mono input.
	_, corr := bestLag(mono, out, Rate48k/100)
	if corr < 0.9 {
		t.Errorf("downmix correlation %.3f, want >= 0.9", corr)
	}
}

func TestOpusErrors(t *testing.T) {
	tests := []struct {
		desc string
		fn   func() error
		want error
	}{
		{"encoder at 44.1 kHz", func() error { _, err := NewOpusEncoder(44100); return err }, ErrUnsupportedRate},
		{"decoder at 11.025 kHz", func() error { _, err := NewOpusDecoder(11025); return err }, ErrUnsupportedRate},
		{"bitrate too low", func() error { _, err := NewOpusEncoder(Rate48k, WithOpusBitrate(100)); return err }, ErrInvalidOption},
		{"complexity 11", func() error { _, err := NewOpusEncoder(Rate48k, WithOpusComplexity(11)); return err }, ErrInvalidOption},
		{"FEC loss 101%", func() error { _, err := NewOpusEncoder(Rate48k, WithOpusFEC(101)); return err }, ErrInvalidOption},
		{"unknown application", func() error { _, err := NewOpusEncoder(Rate48k, WithOpusApplication(9)); return err }, ErrInvalidOption},
		{"frame of 15 ms", func() error {
			enc, err := NewOpusEncoder(Rate16k)
			if err != nil {
				return err
			}
			_, err = enc.Encode(nil, make([]int16, 240))
			return err
		}, ErrBadFrame},
		{"corrupt packet", func() error {
			dec, err := NewOpusDecoder(Rate16k)
			if err != nil {
				return err
			}
			_, err = dec.Decode(nil, []byte{0xff, 0xff, 0xff})
			return err
		}, ErrCodec},
		{"runtime bitrate out of range", func() error {
			enc, err := NewOpusEncoder(Rate16k)
			if err != nil {
				return err
			}
			return enc.SetBitrate(1)
		}, ErrInvalidOption},
		{"runtime packet loss out of range", func() error {
			enc, err := NewOpusEncoder(Rate16k)
			if err != nil {
				return err
			}
			return enc.SetPacketLoss(-1)
		}, ErrInvalidOption},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if err := tc.fn(); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestOpusFrameSizesAndControls(t *testing.T) {
	enc, err := NewOpusEncoder(Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewOpusDecoder(Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range []float64{2.5, 5, 10, 20, 40, 60} {
		n := int(48 * ms)
		p, err := enc.Encode(nil, sine(n, Rate48k, 440, 8000))
		if err != nil {
			t.Fatalf("%v ms: %v", ms, err)
		}
		out, err := dec.Decode(nil, p)
		if err != nil || len(out) != n {
			t.Fatalf("%v ms: decoded %d samples (err %v), want %d", ms, len(out), err, n)
		}
		// An empty packet conceals as long as the last one lasted.
		plc, err := dec.Decode(nil, nil)
		if err != nil || len(plc) != n {
			t.Fatalf("%v ms: concealed %d samples (err %v), want %d", ms, len(plc), err, n)
		}
	}
	if err := enc.SetBitrate(16000); err != nil {
		t.Fatal(err)
	}
	if err := enc.SetPacketLoss(15); err != nil {
		t.Fatal(err)
	}
	if err := enc.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := dec.Reset(); err != nil {
		t.Fatal(err)
	}
	// Concealment of an odd length (not whole 2.5 ms) is still exact.
	out, err := dec.Conceal([]int16{1, 2}, 1001, nil)
	if err != nil || len(out) != 1003 || out[0] != 1 {
		t.Fatalf("Conceal(1001) gave %d samples, err %v", len(out), err)
	}
}

func TestOpusZeroAllocs(t *testing.T) {
	for _, rate := range []int{Rate48k, Rate16k} {
		enc, err := NewOpusEncoder(rate, WithOpusFEC(10))
		if err != nil {
			t.Fatal(err)
		}
		dec, err := NewOpusDecoder(rate)
		if err != nil {
			t.Fatal(err)
		}
		pcm := sine(SamplesFor(rate, FrameDuration), rate, 440, 8000)
		pkt := make([]byte, 0, 1500)
		out := make([]int16, 0, len(pcm))
		pkt, _ = enc.Encode(pkt, pcm)
		checks := []struct {
			desc string
			fn   func()
		}{
			{"Encode", func() { pkt, _ = enc.Encode(pkt[:0], pcm) }},
			{"Decode", func() { out, _ = dec.Decode(out[:0], pkt) }},
			{"Decode lost", func() { out, _ = dec.Decode(out[:0], nil) }},
			{"Conceal with FEC", func() { out, _ = dec.Conceal(out[:0], len(pcm), pkt) }},
		}
		for _, c := range checks {
			if n := testing.AllocsPerRun(50, c.fn); n != 0 {
				t.Errorf("%d Hz %s: %v allocations per frame, want 0", rate, c.desc, n)
			}
		}
	}
}

func BenchmarkOpus(b *testing.B) {
	for _, rate := range []int{Rate48k, Rate16k} {
		enc, err := NewOpusEncoder(rate)
		if err != nil {
			b.Fatal(err)
		}
		dec, err := NewOpusDecoder(rate)
		if err != nil {
			b.Fatal(err)
		}
		pcm := speech(b, rate)[:SamplesFor(rate, FrameDuration)*50]
		frame := SamplesFor(rate, FrameDuration)
		pkt := make([]byte, 0, 1500)
		out := make([]int16, 0, frame)
		name := map[int]string{Rate48k: "48k", Rate16k: "16k"}[rate]
		b.Run("Encode_20ms_"+name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				pkt, _ = enc.Encode(pkt[:0], pcm[i*frame:(i+1)*frame])
				i = (i + 1) % 50
			}
		})
		b.Run("Decode_20ms_"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, _ = dec.Decode(out[:0], pkt)
			}
		})
	}
}
