package audio

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// tagCode is the mu-law code whose constant payload identifies packet k
// (codes 0x81..0xF8 decode to distinct positive values).
func tagCode(k int) byte { return byte(0xF8 - k%120) }

// tagOf returns the packet number (mod 120) a frame was decoded from, or
// -1 if it is not one packet's constant tag.
func tagOf(frame []int16) int {
	for k := range 120 {
		v := ULawToLinear(tagCode(k))
		if frame[0] == v && frame[len(frame)-1] == v {
			return k
		}
	}
	return -1
}

// jbHarness drives a JitterBuffer for 8 kHz mu-law with a fake clock.
type jbHarness struct {
	t   *testing.T
	clk *fakeClock
	jb  *JitterBuffer
	out []int16
}

func newJBHarness(t *testing.T, opts ...JitterOption) *jbHarness {
	t.Helper()
	clk := newFakeClock()
	opts = append([]JitterOption{WithJitterNow(clk.Now), WithJitterDepth(20*time.Millisecond, 200*time.Millisecond), WithInitialJitterDepth(40 * time.Millisecond)}, opts...)
	jb, err := NewJitterBuffer(Rate8k, ULawDecoder{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &jbHarness{t: t, clk: clk, jb: jb}
}

// pkt is packet k of a 20 ms stream (seq and timestamp offset by base).
func pkt(k int, seqBase uint16, tsBase uint32) RTPPacket {
	payload := make([]byte, 160)
	for i := range payload {
		payload[i] = tagCode(k)
	}
	return RTPPacket{SequenceNumber: seqBase + uint16(k), Timestamp: tsBase + uint32(160*k), SSRC: 7, Payload: payload}
}

// push pushes p and checks the result.
func (h *jbHarness) push(p RTPPacket, want PushResult) {
	h.t.Helper()
	if got := h.jb.Push(p); got != want {
		h.t.Fatalf("Push(seq %d, ts %d): %v, want %v", p.SequenceNumber, p.Timestamp, got, want)
	}
}

// pop pops one frame and returns its tag and kind.
func (h *jbHarness) pop() (int, FrameKind) {
	h.t.Helper()
	n := len(h.out)
	var kind FrameKind
	h.out, kind = h.jb.Pop(h.out)
	frame := h.out[n:]
	if len(frame) != 160 {
		h.t.Fatalf("Pop returned %d samples, want 160", len(frame))
	}
	return tagOf(frame), kind
}

// tick advances the clock by one frame.
func (h *jbHarness) tick() { h.clk.Advance(FrameDuration) }

func TestJitterInOrder(t *testing.T) {
	h := newJBHarness(t)
	var tags []int
	for k := range 20 {
		h.tick()
		h.push(pkt(k, 1000, 5000), PushAccepted)
		tag, _ := h.pop()
		tags = append(tags, tag)
	}
	// 40 ms target: the first frame is silence while two packets buffer.
	want := []int{-1}
	for k := range 19 {
		want = append(want, k)
	}
	if !slices.Equal(tags, want) {
		t.Fatalf("played %v, want %v", tags, want)
	}
	s := h.jb.Stats()
	if s.Received != 20 || s.Lost != 0 || s.Concealed != 0 || s.Late != 0 || s.Popped != 20 {
		t.Errorf("stats %+v", s)
	}
	if s.Depth != 40*time.Millisecond {
		t.Errorf("depth %v, want the initial 40ms on a perfect network", s.Depth)
	}
}

func TestJitterPacketHandling(t *testing.T) {
	tests := []struct {
		desc string
		// arrivals[i] lists the packets pushed before pop i.
		arrivals [][]int
		results  map[int][]PushResult // per packet, in push order
		want     []int                // tags popped (-1: silence/concealment)
		kinds    map[int]FrameKind    // expected kind of pop i
		lost     uint64
		late     uint64
		dup      uint64
	}{
		{
			desc:     "reordered within the window",
			arrivals: [][]int{{0}, {1}, {3}, {2}, {4}, {5}},
			want:     []int{-1, 0, 1, 2, 3, 4},
		},
		{
			desc:     "duplicate while buffered and after playing",
			arrivals: [][]int{{0}, {1, 1}, {2, 0}, {3}, {4}},
			results:  map[int][]PushResult{1: {PushAccepted, PushDuplicate}, 0: {PushAccepted, PushDuplicate}},
			want:     []int{-1, 0, 1, 2, 3},
			dup:      2,
		},
		{
			desc:     "lost packet is concealed",
			arrivals: [][]int{{0}, {1}, {2}, {}, {4}, {5}, {6}},
			want:     []int{-1, 0, 1, 2, -1, 4, 5},
			kinds:    map[int]FrameKind{4: FrameConcealed, 5: FrameDecoded},
			lost:     1,
		},
		{
			desc:     "two losses conceal one at a time; the second arrives in time",
			arrivals: [][]int{{0}, {1}, {2}, {}, {5}, {4, 6}, {}, {}},
			want:     []int{-1, 0, 1, 2, -1, 4, 5, 6},
			kinds:    map[int]FrameKind{4: FrameConcealed, 5: FrameDecoded},
			lost:     1,
		},
		{
			desc:     "late packet is dropped",
			arrivals: [][]int{{0}, {1}, {2}, {}, {4}, {5, 3}, {6}},
			results:  map[int][]PushResult{3: {PushLate}},
			want:     []int{-1, 0, 1, 2, -1, 4, 5},
			lost:     1,
			late:     1,
		},
		{
			desc:     "burst after a stall plays everything in order",
			arrivals: [][]int{{0}, {1}, {}, {}, {2, 3, 4}, {5}, {6}},
			// Packet 1 covers the first empty tick; the second conceals
			// and holds the timeline, so nothing is lost.
			want:  []int{-1, 0, 1, -1, 2, 3, 4},
			kinds: map[int]FrameKind{3: FrameConcealed, 4: FrameDecoded},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newJBHarness(t)
			pushes := map[int]int{}
			var got []int
			for i, arr := range tc.arrivals {
				h.tick()
				for _, k := range arr {
					want := PushAccepted
					if rs := tc.results[k]; pushes[k] < len(rs) {
						want = rs[pushes[k]]
					}
					pushes[k]++
					h.push(pkt(k, 100, 0), want)
				}
				tag, kind := h.pop()
				got = append(got, tag)
				if wk, ok := tc.kinds[i]; ok && kind != wk {
					t.Errorf("pop %d kind %v, want %v", i, kind, wk)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("played %v, want %v", got, tc.want)
			}
			s := h.jb.Stats()
			if s.Lost != tc.lost || s.Late != tc.late || s.Duplicate != tc.dup {
				t.Errorf("lost %d late %d dup %d, want %d %d %d", s.Lost, s.Late, s.Duplicate, tc.lost, tc.late, tc.dup)
			}
		})
	}
}

// recordingConcealer is a Concealer that records its calls and fills with
// a marker value.
type recordingConcealer struct {
	calls []struct {
		n       int
		hasNext bool
	}
}

func (c *recordingConcealer) Conceal(dst []int16, n int, next []byte) ([]int16, error) {
	c.calls = append(c.calls, struct {
		n       int
		hasNext bool
	}{n, next != nil})
	for range n {
		dst = append(dst, 4242)
	}
	return dst, nil
}

func TestJitterConcealmentModes(t *testing.T) {
	rec := &recordingConcealer{}
	tests := []struct {
		desc  string
		opts  []JitterOption
		check func(t *testing.T, frame, prev []int16)
	}{
		{"silence", []JitterOption{WithConcealment(ConcealSilence)}, func(t *testing.T, frame, _ []int16) {
			if rms(frame) != 0 {
				t.Errorf("silence concealment has level %.0f", rms(frame))
			}
		}},
		{"repeat fades the last frame", []JitterOption{WithConcealment(ConcealRepeat)}, func(t *testing.T, frame, prev []int16) {
			if frame[0] != prev[0] {
				t.Errorf("repeat starts at %d, want the last frame's %d", frame[0], prev[0])
			}
			if end := float64(frame[159]) / float64(prev[159]); end > 0.55 || end < 0.45 {
				t.Errorf("repeat ends at %.2f of the last frame, want about 0.5 (-6 dB per frame)", end)
			}
		}},
		{"auto falls back to repeat for G.711", nil, func(t *testing.T, frame, prev []int16) {
			if frame[0] != prev[0] {
				t.Errorf("auto concealment starts at %d, want a repeat of %d", frame[0], prev[0])
			}
		}},
		{"custom hook gets the next packet", []JitterOption{WithConcealer(rec)}, func(t *testing.T, frame, _ []int16) {
			if frame[0] != 4242 || len(rec.calls) != 1 || rec.calls[0].n != 160 || !rec.calls[0].hasNext {
				t.Errorf("hook calls %+v, frame starts %d", rec.calls, frame[0])
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newJBHarness(t, tc.opts...)
			for _, k := range []int{0, 1, 2, 4} { // 3 is lost
				h.tick()
				h.push(pkt(k, 0, 0), PushAccepted)
				h.pop()
			}
			// Pops so far: silence, 0, 1, 2; now 3 is due and missing.
			frames := len(h.out) / 160
			prev := h.out[(frames-1)*160:]
			h.tick()
			h.push(pkt(5, 0, 0), PushAccepted)
			if tag, kind := h.pop(); kind != FrameConcealed || tag == 3 {
				t.Fatalf("pop of the lost packet: tag %d, kind %v", tag, kind)
			}
			tc.check(t, h.out[frames*160:], prev)
			if tag, _ := h.pop(); tag != 4 {
				t.Errorf("after concealment played %d, want 4", tag)
			}
		})
	}
}

func TestJitterPacketDurations(t *testing.T) {
	tests := []struct {
		desc  string
		bytes int
	}{
		{"10 ms packets", 80},
		{"30 ms packets", 240},
		{"60 ms packets", 480},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			h := newJBHarness(t, WithInitialJitterDepth(120*time.Millisecond))
			// A continuous ramp cut into packets must come out as the same
			// ramp cut into 20 ms frames.
			ramp := make([]int16, 8000)
			for i := range ramp {
				ramp[i] = int16(i%4000 - 2000)
			}
			enc := EncodeALaw(nil, ramp)
			dec, err := NewJitterBuffer(Rate8k, ALawDecoder{}, WithJitterNow(h.clk.Now), WithInitialJitterDepth(120*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			var out []int16
			sent := 0
			for tick := 0; tick < 45; tick++ {
				h.tick()
				for sent*tc.bytes < (tick+1)*160 && (sent+1)*tc.bytes <= len(enc) {
					dec.Push(RTPPacket{SequenceNumber: uint16(sent), Timestamp: uint32(sent * tc.bytes), Payload: enc[sent*tc.bytes : (sent+1)*tc.bytes]})
					sent++
				}
				out, _ = dec.Pop(out)
			}
			want := DecodeALaw(nil, enc)
			i := slices.IndexFunc(out, func(v int16) bool { return v != 0 })
			if i < 0 || !slices.Equal(out[i:], want[:len(out)-i]) {
				t.Fatalf("output is not the continuous ramp (starts at %d)", i)
			}
			if s := dec.Stats(); s.Concealed != 0 || s.Lost != 0 {
				t.Errorf("concealed %d lost %d", s.Concealed, s.Lost)
			}
		})
	}
}

func TestJitterOpusFEC(t *testing.T) {
	enc, err := NewOpusEncoder(Rate16k, WithOpusFEC(20), WithOpusBitrate(24000))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewOpusDecoder(Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	clk := newFakeClock()
	jb, err := NewJitterBuffer(Rate16k, dec, WithClockRate(48000), WithJitterNow(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	in := speech(t, Rate16k)
	var out []int16
	for k := 0; (k+1)*320 <= len(in); k++ {
		clk.Advance(FrameDuration)
		p, err := enc.Encode(nil, in[k*320:(k+1)*320])
		if err != nil {
			t.Fatal(err)
		}
		if k%10 != 5 { // lose one packet in ten
			jb.Push(RTPPacket{SequenceNumber: uint16(k), Timestamp: uint32(960 * k), SSRC: 1, Payload: p})
		}
		var kind FrameKind
		out, kind = jb.Pop(out)
		if len(out)%320 != 0 {
			t.Fatalf("frame %d: %v frame of odd length", k, kind)
		}
	}
	s := jb.Stats()
	if s.Lost == 0 || s.Concealed != s.Lost {
		t.Errorf("lost %d concealed %d", s.Lost, s.Concealed)
	}
	lag, corr := bestLag(in, out, 3000)
	t.Logf("jitter buffer + Opus with 10%% loss: delay %d, correlation %.3f", lag, corr)
	if corr < 0.8 {
		t.Errorf("correlation %.3f with FEC, want >= 0.8", corr)
	}
}

func TestJitterInvalid(t *testing.T) {
	h := newJBHarness(t, WithMaxPayload(200))
	h.push(RTPPacket{SequenceNumber: 1}, PushInvalid)
	h.push(RTPPacket{SequenceNumber: 1, Payload: make([]byte, 201)}, PushInvalid)
	if s := h.jb.Stats(); s.Invalid != 2 || s.Received != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestJitterOptions(t *testing.T) {
	tests := []struct {
		desc string
		rate int
		dec  PayloadDecoder
		opt  JitterOption
		want error
	}{
		{"rate 11025", 11025, ULawDecoder{}, nil, ErrUnsupportedRate},
		{"nil decoder", Rate8k, nil, nil, ErrInvalidOption},
		{"clock rate 0", Rate8k, ULawDecoder{}, WithClockRate(0), ErrInvalidOption},
		{"clock rate 44101", Rate8k, ULawDecoder{}, WithClockRate(44101), ErrInvalidOption},
		{"min above max", Rate8k, ULawDecoder{}, WithJitterDepth(time.Second, 100*time.Millisecond), ErrInvalidOption},
		{"max 3 s", Rate8k, ULawDecoder{}, WithJitterDepth(0, 3*time.Second), ErrInvalidOption},
		{"negative initial depth", Rate8k, ULawDecoder{}, WithInitialJitterDepth(-1), ErrInvalidOption},
		{"unknown concealment", Rate8k, ULawDecoder{}, WithConcealment(7), ErrInvalidOption},
		{"nil concealer", Rate8k, ULawDecoder{}, WithConcealer(nil), ErrInvalidOption},
		{"negative shrink delay", Rate8k, ULawDecoder{}, WithShrinkAfter(-time.Second), ErrInvalidOption},
		{"zero max payload", Rate8k, ULawDecoder{}, WithMaxPayload(0), ErrInvalidOption},
		{"nil clock", Rate8k, ULawDecoder{}, WithJitterNow(nil), ErrInvalidOption},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var opts []JitterOption
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			if _, err := NewJitterBuffer(tc.rate, tc.dec, opts...); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestJitterZeroAllocs(t *testing.T) {
	h := newJBHarness(t)
	packets := make([]RTPPacket, 300)
	for k := range packets {
		packets[k] = pkt(k, 0, 0)
	}
	dst := make([]int16, 0, 160)
	k := 0
	step := func() {
		h.tick()
		h.jb.Push(packets[k%300])
		h.jb.Pop(dst[:0])
		k++
	}
	for range 100 { // let every ring slot hold a payload once
		step()
	}
	if n := testing.AllocsPerRun(150, step); n != 0 {
		t.Errorf("%v allocations per Push+Pop, want 0", n)
	}
}

func BenchmarkJitterBuffer(b *testing.B) {
	clk := newFakeClock()
	jb, err := NewJitterBuffer(Rate8k, ULawDecoder{}, WithJitterNow(clk.Now))
	if err != nil {
		b.Fatal(err)
	}
	payload := EncodeULaw(nil, sine(160, Rate8k, 440, 8000))
	dst := make([]int16, 0, 160)
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		clk.Advance(FrameDuration)
		jb.Push(RTPPacket{SequenceNumber: uint16(k), Timestamp: uint32(160 * k), SSRC: 1, Payload: payload})
		dst, _ = jb.Pop(dst[:0])
		k++
	}
}
