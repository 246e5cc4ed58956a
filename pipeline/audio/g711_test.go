package audio

import (
	"fmt"
	"math"
	"sort"
	"testing"
)

// The reference tables below are computed from the segment definitions of
// ITU-T G.711 (tables 1a/2a for A-law, 1b/2b for mu-law), independently of
// the table-building code in g711.go: each code's decision interval and
// reconstruction value is derived from its segment and step.

// ituULawDecode is the mu-law reconstruction value, scaled to 16 bits: in
// 14-bit units, segment s, step q decodes to (2q+33)*2^s - 33.
func ituULawDecode(code byte) int16 {
	v := ^code
	s, q := int(v>>4)&7, int(v&0x0f)
	mag := ((2*q + 33) << s) - 33
	if v&0x80 != 0 {
		return int16(-4 * mag)
	}
	return int16(4 * mag)
}

// ituALawDecode is the A-law reconstruction value, scaled to 16 bits: in
// 13-bit units, segment 0 step q decodes to 2q+1 and segment s > 0 to
// (2q+33)*2^(s-1).
func ituALawDecode(code byte) int16 {
	v := code ^ 0x55
	s, q := int(v>>4)&7, int(v&0x0f)
	mag := 2*q + 1
	if s > 0 {
		mag = (2*q + 33) << (s - 1)
	}
	if v&0x80 != 0 {
		return int16(8 * mag)
	}
	return int16(-8 * mag)
}

// decision is the lower edge of one code's decision interval.
type decision struct {
	lower int
	seg   int
	step  int
}

// ituThresholds lists the 128 magnitude decision intervals of a law,
// sorted by lower edge. lower(seg, step) gives an interval's lower edge.
func ituThresholds(lower func(s, q int) int) []decision {
	var d []decision
	for s := range 8 {
		for q := range 16 {
			d = append(d, decision{lower(s, q), s, q})
		}
	}
	sort.Slice(d, func(i, j int) bool { return d[i].lower < d[j].lower })
	return d
}

// quantise returns the interval holding magnitude m.
func quantise(d []decision, m int) decision {
	i := sort.Search(len(d), func(i int) bool { return d[i].lower > m })
	return d[i-1]
}

// ituULawEncode encodes pcm by the mu-law decision intervals: the sample is
// taken to 14 bits (pcm >> 2, as G.711's 14-bit uniform code), its magnitude
// clipped to 8159, and the interval of segment s, step q starts at
// (16+q)*2^(s+1) - 33.
func ituULawEncode(thr []decision, pcm int16) byte {
	v := int(pcm) >> 2
	sign := 0
	if v < 0 {
		sign, v = 1, -v
	}
	d := quantise(thr, min(v, 8159))
	return ^byte(sign<<7 | d.seg<<4 | d.step)
}

// ituALawEncode encodes pcm by the A-law decision intervals: the sample is
// taken to 13 bits (pcm >> 3; negative values use the one's complement
// magnitude, as the A-law sign-magnitude code does), and the interval of
// segment 0 step q starts at 2q, of segment s > 0 step q at (16+q)*2^s.
func ituALawEncode(thr []decision, pcm int16) byte {
	v := int(pcm) >> 3
	sign := 1
	if v < 0 {
		sign, v = 0, -v-1
	}
	d := quantise(thr, min(v, 4095))
	return byte(sign<<7|d.seg<<4|d.step) ^ 0x55
}

func TestG711DecodeMatchesITU(t *testing.T) {
	for c := range 256 {
		if got, want := ULawToLinear(byte(c)), ituULawDecode(byte(c)); got != want {
			t.Errorf("mu-law 0x%02x decodes to %d, G.711 says %d", c, got, want)
		}
		if got, want := ALawToLinear(byte(c)), ituALawDecode(byte(c)); got != want {
			t.Errorf("A-law 0x%02x decodes to %d, G.711 says %d", c, got, want)
		}
	}
}

func TestG711EncodeMatchesITU(t *testing.T) {
	uThr := ituThresholds(func(s, q int) int { return ((16 + q) << (s + 1)) - 33 })
	aThr := ituThresholds(func(s, q int) int {
		if s == 0 {
			return 2 * q
		}
		return (16 + q) << s
	})
	bad := 0
	for x := math.MinInt16; x <= math.MaxInt16 && bad < 10; x++ {
		pcm := int16(x)
		if got, want := LinearToULaw(pcm), ituULawEncode(uThr, pcm); got != want {
			t.Errorf("mu-law encode %d = 0x%02x, G.711 says 0x%02x", pcm, got, want)
			bad++
		}
		if got, want := LinearToALaw(pcm), ituALawEncode(aThr, pcm); got != want {
			t.Errorf("A-law encode %d = 0x%02x, G.711 says 0x%02x", pcm, got, want)
			bad++
		}
	}
}

func TestG711FixedPoints(t *testing.T) {
	tests := []struct {
		desc   string
		decode func(byte) int16
		code   byte
		want   int16
	}{
		{"mu-law 0xFF is +0", ULawToLinear, 0xFF, 0},
		{"mu-law 0x7F is -0", ULawToLinear, 0x7F, 0},
		{"mu-law 0x00 is the negative peak", ULawToLinear, 0x00, -32124},
		{"mu-law 0x80 is the positive peak", ULawToLinear, 0x80, 32124},
		{"mu-law 0xFE is the smallest positive step", ULawToLinear, 0xFE, 8},
		{"mu-law 0x7E is the smallest negative step", ULawToLinear, 0x7E, -8},
		{"A-law 0xD5 is the smallest positive value", ALawToLinear, 0xD5, 8},
		{"A-law 0x55 is the smallest negative value", ALawToLinear, 0x55, -8},
		// Sign bit set means positive in A-law: 0xAA is the positive peak.
		{"A-law 0xAA is the positive peak", ALawToLinear, 0xAA, 32256},
		{"A-law 0x2A is the negative peak", ALawToLinear, 0x2A, -32256},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := tc.decode(tc.code); got != tc.want {
				t.Errorf("0x%02X decodes to %d, want %d", tc.code, got, tc.want)
			}
		})
	}
	encodes := []struct {
		desc   string
		encode func(int16) byte
		pcm    int16
		want   byte
	}{
		{"mu-law silence", LinearToULaw, 0, 0xFF},
		{"mu-law positive full scale clips", LinearToULaw, math.MaxInt16, 0x80},
		{"mu-law negative full scale clips", LinearToULaw, math.MinInt16, 0x00},
		{"A-law silence", LinearToALaw, 0, 0xD5},
		{"A-law positive full scale clips", LinearToALaw, math.MaxInt16, 0xAA},
		{"A-law negative full scale clips", LinearToALaw, math.MinInt16, 0x2A},
	}
	for _, tc := range encodes {
		t.Run(tc.desc, func(t *testing.T) {
			if got := tc.encode(tc.pcm); got != tc.want {
				t.Errorf("%d encodes to 0x%02X, want 0x%02X", tc.pcm, got, tc.want)
			}
		})
	}
}

func TestG711RoundTripCodes(t *testing.T) {
	for c := range 256 {
		code := byte(c)
		want := code
		if code == 0x7F {
			want = 0xFF // mu-law has two zeros; encoding 0 gives +0
		}
		if got := LinearToULaw(ULawToLinear(code)); got != want {
			t.Errorf("mu-law 0x%02X -> %d -> 0x%02X", code, ULawToLinear(code), got)
		}
		if got := LinearToALaw(ALawToLinear(code)); got != code {
			t.Errorf("A-law 0x%02X -> %d -> 0x%02X", code, ALawToLinear(code), got)
		}
	}
}

func TestG711Monotonic(t *testing.T) {
	laws := []struct {
		desc          string
		encode        func(int16) byte
		decode        func(byte) int16
		maxStep, clip int
	}{
		{"mu-law", LinearToULaw, ULawToLinear, 1024, 32124},
		{"A-law", LinearToALaw, ALawToLinear, 1024, 32256},
	}
	for _, law := range laws {
		t.Run(law.desc, func(t *testing.T) {
			prev := law.decode(law.encode(math.MinInt16))
			for x := math.MinInt16 + 1; x <= math.MaxInt16; x++ {
				y := law.decode(law.encode(int16(x)))
				if y < prev {
					t.Fatalf("not monotonic: %d -> %d after %d -> %d", x, y, x-1, prev)
				}
				// Quantisation error stays within one step of the largest
				// segment, except where the input exceeds the peak code.
				if e := int(y) - x; (e > law.maxStep || e < -law.maxStep) && (x < law.clip && x > -law.clip) {
					t.Fatalf("%d -> %d: error %d beyond a step", x, y, e)
				}
				prev = y
			}
		})
	}
}

func TestG711SpeechSNR(t *testing.T) {
	// G.711 gives about 38 dB SNR on a full-level signal.
	in := sine(8000, Rate8k, 1013, 16000)
	for _, law := range []struct {
		desc string
		enc  func([]byte, []int16) []byte
		dec  func([]int16, []byte) []int16
	}{{"mu-law", EncodeULaw, DecodeULaw}, {"A-law", EncodeALaw, DecodeALaw}} {
		out := law.dec(nil, law.enc(nil, in))
		if snr := snrDB(in, out); snr < 35 {
			t.Errorf("%s: SNR %.1f dB, want >= 35 dB", law.desc, snr)
		}
	}
}

func TestG711SliceAPIs(t *testing.T) {
	in := sine(160, Rate8k, 440, 9000)
	prefix := []byte{1, 2}
	enc := EncodeULaw(prefix, in)
	if len(enc) != 162 || enc[0] != 1 || enc[1] != 2 {
		t.Fatalf("EncodeULaw did not append: len %d", len(enc))
	}
	for i, s := range in {
		if enc[2+i] != LinearToULaw(s) {
			t.Fatalf("sample %d: slice and scalar encodings differ", i)
		}
	}
	dec := DecodeULaw([]int16{7}, enc[2:])
	if len(dec) != 161 || dec[0] != 7 {
		t.Fatalf("DecodeULaw did not append: len %d", len(dec))
	}
	aenc := EncodeALaw(nil, in)
	adec := DecodeALaw(nil, aenc)
	for i := range in {
		if adec[i] != ALawToLinear(LinearToALaw(in[i])) {
			t.Fatalf("sample %d: A-law slice and scalar paths differ", i)
		}
	}
	for _, d := range []PayloadDecoder{ULawDecoder{}, ALawDecoder{}} {
		out, err := d.Decode(nil, aenc)
		if err != nil || len(out) != len(aenc) {
			t.Errorf("%T.Decode: %d samples, err %v", d, len(out), err)
		}
	}
}

func TestG711ZeroAllocs(t *testing.T) {
	in := sine(160, Rate8k, 440, 9000)
	b := make([]byte, 0, 160)
	s := make([]int16, 0, 160)
	b = EncodeULaw(b, in)
	tests := []struct {
		desc string
		fn   func()
	}{
		{"EncodeULaw", func() { EncodeULaw(b[:0], in) }},
		{"DecodeULaw", func() { DecodeULaw(s[:0], b) }},
		{"EncodeALaw", func() { EncodeALaw(b[:0], in) }},
		{"DecodeALaw", func() { DecodeALaw(s[:0], b) }},
	}
	for _, tc := range tests {
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tc.desc, n)
		}
	}
}

func BenchmarkG711(b *testing.B) {
	in := sine(160, Rate8k, 440, 9000)
	enc := EncodeULaw(nil, in)
	bs := make([]byte, 0, 160)
	ss := make([]int16, 0, 160)
	for _, bc := range []struct {
		name string
		fn   func()
	}{
		{"EncodeULaw_20ms", func() { bs = EncodeULaw(bs[:0], in) }},
		{"DecodeULaw_20ms", func() { ss = DecodeULaw(ss[:0], enc) }},
		{"EncodeALaw_20ms", func() { bs = EncodeALaw(bs[:0], in) }},
		{"DecodeALaw_20ms", func() { ss = DecodeALaw(ss[:0], enc) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.fn()
			}
		})
	}
}

func ExampleEncodeULaw() {
	pcm := []int16{0, 1000, -1000, 32767}
	payload := EncodeULaw(nil, pcm) // one byte per sample, ready for RTP (PCMU)
	fmt.Printf("% X\n", payload)
	fmt.Println(DecodeULaw(nil, payload))
	// Output:
	// FF CE 4E 80
	// [0 988 -988 32124]
}
