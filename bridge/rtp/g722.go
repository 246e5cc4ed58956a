package rtp

import (
	"math"
	"slices"
)

// G.722 (ITU-T Recommendation G.722, 7 kHz audio coding within 64 kbit/s)
// in its 64 kbit/s mode: a quadrature mirror filter splits 16 kHz audio
// into a low and a high sub-band at 8 kHz each, coded with 6-bit and 2-bit
// adaptive differential PCM; each output byte holds one sample pair
// (high band in the top two bits). RTP carries it as payload type 9 with
// an 8000 Hz clock although the audio is sampled at 16 kHz (RFC 3551
// section 4.5.2). The arithmetic follows the recommendation's fixed-point
// blocks one by one; g722_test.go checks both directions bit for bit
// against vectors from an independent implementation (spandsp). The one
// deliberate difference: where the receive QMF's output overflows 16 bits
// (full-scale noise), it is saturated rather than wrapped around.

// G.722 tables (ITU-T G.722 tables 6 to 9 and the QMF coefficients).
var (
	g722Q6 = [32]int32{0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
		786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0}
	g722ILN = [32]int32{0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
		18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0}
	g722ILP = [32]int32{0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
		46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0}
	g722WL   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	g722RL42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	g722ILB  = [32]int32{2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
		2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008}
	g722QM4 = [16]int32{0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
		20456, 12896, 8968, 6288, 4240, 2584, 1200, 0}
	g722QM6 = [64]int32{-136, -136, -136, -136, -24808, -21904, -19008, -16704,
		-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
		-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
		-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
		24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
		10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
		4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
		1688, 1360, 1040, 728, 432, 136, -432, -136}
	g722QM2  = [4]int32{-7408, -1616, 7408, 1616}
	g722IHN  = [3]int32{0, 1, 0}
	g722IHP  = [3]int32{0, 3, 2}
	g722WH   = [3]int32{0, -214, 798}
	g722RH2  = [4]int32{2, 1, 2, 1}
	g722QMFC = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
)

// saturate16 clamps v to the int16 range.
func saturate16(v int32) int32 {
	return min(max(v, math.MinInt16), math.MaxInt16)
}

// g722Band is the adaptive predictor state of one sub-band.
type g722Band struct {
	s, sp, sz int32
	r1, r2    int32    // reconstructed signal, delayed by 1 and 2
	p1, p2    int32    // partial reconstruction, delayed by 1 and 2
	a1, a2    int32    // pole predictor coefficients
	d         [7]int32 // quantised differences, d[0] the newest
	b         [7]int32 // zero predictor coefficients (b[1..6])
	nb, det   int32
}

// update runs block 4 of G.722 (RECONS, PARREC, UPPOL2, UPPOL1, UPZERO,
// DELAYA, FILTEP, FILTEZ, PREDIC) for the quantised difference d. The
// steps are fused (each coefficient is updated, delayed and used in the
// next prediction in one pass) but compute exactly the recommendation's
// values.
func (s *g722Band) update(d int32) {
	r0 := saturate16(s.s + d)
	p0 := saturate16(s.sz + d)

	// UPPOL2
	sg0, sg1, sg2 := p0>>15, s.p1>>15, s.p2>>15
	wd1 := saturate16(s.a1 << 2)
	wd2 := wd1
	if sg0 == sg1 {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := wd2 >> 7
	if sg0 == sg2 {
		wd3 += 128
	} else {
		wd3 -= 128
	}
	wd3 += (s.a2 * 32512) >> 15
	ap2 := min(max(wd3, -12288), 12288)

	// UPPOL1
	wd1 = -192
	if sg0 == sg1 {
		wd1 = 192
	}
	ap1 := saturate16(wd1 + (s.a1*32640)>>15)
	lim := saturate16(15360 - ap2)
	ap1 = min(max(ap1, -lim), lim)

	// UPZERO and DELAYA of the zero section, then FILTEZ.
	step := int32(128)
	if d == 0 {
		step = 0
	}
	sgd := d >> 15
	sz := int32(0)
	s.d[0] = d
	for i := 6; i >= 1; i-- {
		bp := (s.b[i] * 32640) >> 15
		if s.d[i]>>15 == sgd {
			bp += step
		} else {
			bp -= step
		}
		s.b[i] = saturate16(bp)
		s.d[i] = s.d[i-1]
		sz += (s.b[i] * saturate16(s.d[i]+s.d[i])) >> 15
	}
	s.sz = saturate16(sz)

	// DELAYA of the pole section, FILTEP and PREDIC.
	s.r1, s.r2 = r0, s.r1
	s.p1, s.p2 = p0, s.p1
	s.a1, s.a2 = ap1, ap2
	wd1 = (s.a1 * saturate16(s.r1+s.r1)) >> 15
	wd2 = (s.a2 * saturate16(s.r2+s.r2)) >> 15
	s.sp = saturate16(wd1 + wd2)
	s.s = saturate16(s.sp + s.sz)
}

// scaleLow runs LOGSCL and SCALEL of the low band for the 4-bit code il4
// index.
func (s *g722Band) scaleLow(ril int32) {
	nb := (s.nb*127)>>7 + g722WL[g722RL42[ril]]
	s.nb = min(max(nb, 0), 18432)
	s.det = g722Scale(s.nb, 8)
}

// scaleHigh runs LOGSCH and SCALEH of the high band for the 2-bit code.
func (s *g722Band) scaleHigh(ihigh int32) {
	nb := (s.nb*127)>>7 + g722WH[g722RH2[ihigh]]
	s.nb = min(max(nb, 0), 22528)
	s.det = g722Scale(s.nb, 10)
}

// g722Scale computes the quantiser scale factor from the log scale nb
// (SCALEL with shift 8, SCALEH with shift 10).
func g722Scale(nb, shift int32) int32 {
	wd1 := (nb >> 6) & 31
	wd2 := shift - (nb >> 11)
	var wd3 int32
	if wd2 < 0 {
		wd3 = g722ILB[wd1] << -wd2
	} else {
		wd3 = g722ILB[wd1] >> wd2
	}
	return wd3 << 2
}

// G722Encoder encodes 16 kHz PCM16 into G.722 at 64 kbit/s, one byte per
// two samples. It keeps the codec state between calls, so a stream cut
// into frames encodes as it would in one piece. It is not safe for
// concurrent use; each outbound stream needs its own.
type G722Encoder struct {
	band [2]g722Band
	x    [24]int32 // transmit QMF history
}

// NewG722Encoder returns an encoder in the initial state of the
// recommendation.
func NewG722Encoder() *G722Encoder {
	e := &G722Encoder{}
	e.Reset()
	return e
}

// Reset returns the encoder to its initial state, for a new stream.
func (e *G722Encoder) Reset() {
	*e = G722Encoder{}
	e.band[0].det = 32
	e.band[1].det = 8
}

// Encode appends the G.722 encoding of pcm (16 kHz; an even number of
// samples, a trailing odd sample is ignored) to dst and returns the
// extended slice. It never fails and does not allocate when dst has room
// for len(pcm)/2 more bytes.
func (e *G722Encoder) Encode(dst []byte, pcm []int16) ([]byte, error) {
	n := len(pcm) / 2
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	out := dst[start:]
	for j := range n {
		copy(e.x[:22], e.x[2:])
		e.x[22] = int32(pcm[2*j])
		e.x[23] = int32(pcm[2*j+1])
		var sumEven, sumOdd int32
		for i := range 12 {
			sumOdd += e.x[2*i] * g722QMFC[i]
			sumEven += e.x[2*i+1] * g722QMFC[11-i]
		}
		xlow := (sumEven + sumOdd) >> 14
		xhigh := (sumEven - sumOdd) >> 14
		out[j] = byte(e.encodeHigh(xhigh)<<6 | e.encodeLow(xlow))
	}
	return dst, nil
}

// encodeLow quantises one low-band sample (blocks 1L to 4L) and returns
// its 6-bit code.
func (e *G722Encoder) encodeLow(xlow int32) int32 {
	b := &e.band[0]
	el := saturate16(xlow - b.s)
	wd := el
	if el < 0 {
		wd = -(el + 1)
	}
	i := int32(1)
	for ; i < 30; i++ {
		if wd < (g722Q6[i]*b.det)>>12 {
			break
		}
	}
	ilow := g722ILP[i]
	if el < 0 {
		ilow = g722ILN[i]
	}
	ril := ilow >> 2
	dlow := (b.det * g722QM4[ril]) >> 15
	b.scaleLow(ril)
	b.update(dlow)
	return ilow
}

// encodeHigh quantises one high-band sample (blocks 1H to 4H) and returns
// its 2-bit code.
func (e *G722Encoder) encodeHigh(xhigh int32) int32 {
	b := &e.band[1]
	eh := saturate16(xhigh - b.s)
	wd := eh
	if eh < 0 {
		wd = -(eh + 1)
	}
	mih := int32(1)
	if wd >= (564*b.det)>>12 {
		mih = 2
	}
	ihigh := g722IHP[mih]
	if eh < 0 {
		ihigh = g722IHN[mih]
	}
	dhigh := (b.det * g722QM2[ihigh]) >> 15
	b.scaleHigh(ihigh)
	b.update(dhigh)
	return ihigh
}

// G722Decoder decodes G.722 at 64 kbit/s to 16 kHz PCM16, two samples per
// byte. It implements the audio.PayloadDecoder of a jitter buffer. It is
// not safe for concurrent use; each inbound stream needs its own.
type G722Decoder struct {
	band [2]g722Band
	x    [24]int32 // receive QMF history
}

// NewG722Decoder returns a decoder in the initial state of the
// recommendation.
func NewG722Decoder() *G722Decoder {
	d := &G722Decoder{}
	_ = d.Reset()
	return d
}

// Reset returns the decoder to its initial state, for a new stream (the
// jitter buffer calls it when the sender's SSRC changes). It never fails.
func (d *G722Decoder) Reset() error {
	*d = G722Decoder{}
	d.band[0].det = 32
	d.band[1].det = 8
	return nil
}

// Decode appends the 16 kHz PCM of the G.722 bytes in payload (two
// samples per byte) to dst and returns the extended slice. It never
// fails and does not allocate when dst has room for 2*len(payload) more
// samples.
func (d *G722Decoder) Decode(dst []int16, payload []byte) ([]int16, error) {
	start := len(dst)
	dst = slices.Grow(dst, 2*len(payload))[:start+2*len(payload)]
	out := dst[start:]
	for j, code := range payload {
		rlow := d.decodeLow(int32(code & 0x3f))
		rhigh := d.decodeHigh(int32(code>>6) & 3)
		copy(d.x[:22], d.x[2:])
		d.x[22] = rlow + rhigh
		d.x[23] = rlow - rhigh
		var xout1, xout2 int32
		for i := range 12 {
			xout2 += d.x[2*i] * g722QMFC[i]
			xout1 += d.x[2*i+1] * g722QMFC[11-i]
		}
		out[2*j] = int16(saturate16(xout1 >> 11))
		out[2*j+1] = int16(saturate16(xout2 >> 11))
	}
	return dst, nil
}

// decodeLow reconstructs one low-band sample from its 6-bit code (blocks
// 5L, 6L, 2L to 4L).
func (d *G722Decoder) decodeLow(code int32) int32 {
	b := &d.band[0]
	rlow := b.s + (b.det*g722QM6[code])>>15
	rlow = min(max(rlow, -16384), 16383)
	ril := code >> 2
	dlow := (b.det * g722QM4[ril]) >> 15
	b.scaleLow(ril)
	b.update(dlow)
	return rlow
}

// decodeHigh reconstructs one high-band sample from its 2-bit code
// (blocks 2H, 5H, 6H, 3H and 4H).
func (d *G722Decoder) decodeHigh(ihigh int32) int32 {
	b := &d.band[1]
	dhigh := (b.det * g722QM2[ihigh]) >> 15
	rhigh := min(max(dhigh+b.s, -16384), 16383)
	b.scaleHigh(ihigh)
	b.update(dhigh)
	return rhigh
}
