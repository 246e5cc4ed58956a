package audio

import "slices"

// G.711 (ITU-T Recommendation G.711, 1988) companding, bit-exact with the
// CCITT/Sun reference implementation (g711.c: linear2ulaw, ulaw2linear,
// linear2alaw, alaw2linear) that telephony stacks use.
//
// Encoding and decoding go through lookup tables built once, when the
// package is initialised, from the reference algorithms below. The tables
// are unexported and never written after initialisation.

// G.711 constants from the reference implementation.
const (
	g711SignBit   = 0x80
	g711QuantMask = 0x0f
	g711SegShift  = 4
	g711SegMask   = 0x70
	ulawBias      = 0x84
	ulawClip      = 8159
)

// RTP static payload types (RFC 3551 section 6) for the G.711 codecs.
const (
	PayloadTypePCMU = 0
	PayloadTypePCMA = 8
)

var (
	// ulawEncodeTable maps a 14-bit code (pcm >> 2, as uint16 & 0x3fff) to
	// its mu-law byte.
	ulawEncodeTable = buildULawEncodeTable()
	// alawEncodeTable maps a 13-bit code (pcm >> 3, as uint16 & 0x1fff) to
	// its A-law byte.
	alawEncodeTable = buildALawEncodeTable()
	// ulawDecodeTable and alawDecodeTable map a G.711 byte to linear PCM.
	ulawDecodeTable = buildDecodeTable(ulawToLinearRef)
	alawDecodeTable = buildDecodeTable(alawToLinearRef)
)

// segmentEnd returns the index of the first segment end not below v, or
// len(ends) if v is above them all (the reference "search").
func segmentEnd(v int, ends *[8]int) int {
	for i, e := range ends {
		if v <= e {
			return i
		}
	}
	return len(ends)
}

// linearToULawRef is the reference linear2ulaw.
func linearToULawRef(pcm int16) byte {
	ends := [8]int{0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF}
	v := int(pcm) >> 2
	mask := 0xFF
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	v = min(v, ulawClip) + ulawBias>>2
	seg := segmentEnd(v, &ends)
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	return byte((seg<<4 | (v>>(seg+1))&0xF) ^ mask)
}

// ulawToLinearRef is the reference ulaw2linear.
func ulawToLinearRef(u byte) int16 {
	u = ^u
	t := (int(u&g711QuantMask) << 3) + ulawBias
	t <<= (u & g711SegMask) >> g711SegShift
	if u&g711SignBit != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}

// linearToALawRef is the reference linear2alaw.
func linearToALawRef(pcm int16) byte {
	ends := [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
	v := int(pcm) >> 3
	mask := 0xD5
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := segmentEnd(v, &ends)
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	a := seg << g711SegShift
	if seg < 2 {
		a |= (v >> 1) & g711QuantMask
	} else {
		a |= (v >> seg) & g711QuantMask
	}
	return byte(a ^ mask)
}

// alawToLinearRef is the reference alaw2linear.
func alawToLinearRef(a byte) int16 {
	a ^= 0x55
	t := int(a&g711QuantMask) << 4
	switch seg := int(a&g711SegMask) >> g711SegShift; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&g711SignBit != 0 {
		return int16(t)
	}
	return int16(-t)
}

func buildULawEncodeTable() *[1 << 14]byte {
	var t [1 << 14]byte
	for i := range t {
		// The reference drops the two low bits first, so encoding the
		// index shifted back up gives the entry for all four samples.
		t[i] = linearToULawRef(int16(uint16(i << 2)))
	}
	return &t
}

func buildALawEncodeTable() *[1 << 13]byte {
	var t [1 << 13]byte
	for i := range t {
		t[i] = linearToALawRef(int16(uint16(i << 3)))
	}
	return &t
}

func buildDecodeTable(f func(byte) int16) *[256]int16 {
	var t [256]int16
	for i := range t {
		t[i] = f(byte(i))
	}
	return &t
}

// LinearToULaw encodes one linear PCM16 sample as a G.711 mu-law byte.
func LinearToULaw(pcm int16) byte { return ulawEncodeTable[uint16(pcm)>>2] }

// ULawToLinear decodes one G.711 mu-law byte to linear PCM16.
func ULawToLinear(u byte) int16 { return ulawDecodeTable[u] }

// LinearToALaw encodes one linear PCM16 sample as a G.711 A-law byte.
func LinearToALaw(pcm int16) byte { return alawEncodeTable[uint16(pcm)>>3] }

// ALawToLinear decodes one G.711 A-law byte to linear PCM16.
func ALawToLinear(a byte) int16 { return alawDecodeTable[a] }

// EncodeULaw appends the G.711 mu-law encoding of src (one byte per sample)
// to dst and returns the extended slice. It does not allocate when dst has
// room for len(src) more bytes.
func EncodeULaw(dst []byte, src []int16) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	out := dst[n:]
	for i, s := range src {
		out[i] = ulawEncodeTable[uint16(s)>>2]
	}
	return dst
}

// DecodeULaw appends the linear PCM16 decoding of the G.711 mu-law bytes in
// src to dst and returns the extended slice. It does not allocate when dst
// has room for len(src) more samples.
func DecodeULaw(dst []int16, src []byte) []int16 {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	out := dst[n:]
	for i, b := range src {
		out[i] = ulawDecodeTable[b]
	}
	return dst
}

// EncodeALaw appends the G.711 A-law encoding of src (one byte per sample)
// to dst and returns the extended slice. It does not allocate when dst has
// room for len(src) more bytes.
func EncodeALaw(dst []byte, src []int16) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	out := dst[n:]
	for i, s := range src {
		out[i] = alawEncodeTable[uint16(s)>>3]
	}
	return dst
}

// DecodeALaw appends the linear PCM16 decoding of the G.711 A-law bytes in
// src to dst and returns the extended slice. It does not allocate when dst
// has room for len(src) more samples.
func DecodeALaw(dst []int16, src []byte) []int16 {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	out := dst[n:]
	for i, b := range src {
		out[i] = alawDecodeTable[b]
	}
	return dst
}

// ULawDecoder decodes RTP payloads of G.711 mu-law (PCMU, payload type 0,
// 8 kHz) for a JitterBuffer. It is stateless and safe for concurrent use.
type ULawDecoder struct{}

// Decode appends the PCM decoding of payload to dst. It never fails.
func (ULawDecoder) Decode(dst []int16, payload []byte) ([]int16, error) {
	return DecodeULaw(dst, payload), nil
}

// ALawDecoder decodes RTP payloads of G.711 A-law (PCMA, payload type 8,
// 8 kHz) for a JitterBuffer. It is stateless and safe for concurrent use.
type ALawDecoder struct{}

// Decode appends the PCM decoding of payload to dst. It never fails.
func (ALawDecoder) Decode(dst []int16, payload []byte) ([]int16, error) {
	return DecodeALaw(dst, payload), nil
}
