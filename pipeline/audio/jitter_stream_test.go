package audio

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestJitterAdaptsDepth(t *testing.T) {
	h := newJBHarness(t, WithShrinkAfter(500*time.Millisecond))
	rng := rand.New(rand.NewPCG(3, 4))
	// Phase 1: packets sent every 20 ms arrive with up to 60 ms of jitter.
	type arrival struct {
		at time.Duration
		k  int
	}
	var arrivals []arrival
	for k := range 200 {
		arrivals = append(arrivals, arrival{time.Duration(k)*FrameDuration + time.Duration(rng.IntN(60))*time.Millisecond, k})
	}
	slices.SortFunc(arrivals, func(a, b arrival) int { return int(a.at - b.at) })
	start := h.clk.Now()
	next := 0
	maxDepth := time.Duration(0)
	for tick := range 210 {
		due := time.Duration(tick) * FrameDuration
		for next < len(arrivals) && arrivals[next].at <= due {
			h.clk.Advance(start.Add(arrivals[next].at).Sub(h.clk.Now()))
			h.jb.Push(pkt(arrivals[next].k, 0, 0))
			next++
		}
		h.clk.Advance(start.Add(due).Sub(h.clk.Now()))
		h.pop()
		maxDepth = max(maxDepth, h.jb.Stats().Depth)
	}
	jittery := h.jb.Stats()
	if jittery.Jitter < 5*time.Millisecond || maxDepth < 60*time.Millisecond {
		t.Fatalf("after a jittery minute: jitter %v, depth reached %v; want the depth to grow", jittery.Jitter, maxDepth)
	}
	concealedJittery := jittery.Concealed
	// Phase 2: the network calms down; the depth shrinks back, slowly.
	for k := 200; k < 600; k++ {
		h.tick()
		h.jb.Push(pkt(k, 0, 0))
		h.pop()
	}
	calm := h.jb.Stats()
	if calm.Depth >= maxDepth || calm.Depth > 40*time.Millisecond {
		t.Errorf("after 8 calm seconds depth is %v (peak %v), want it back near the 20 ms floor", calm.Depth, maxDepth)
	}
	if calm.Level > calm.Depth+2*FrameDuration {
		t.Errorf("buffered %v with a %v target: the delay did not come down", calm.Level, calm.Depth)
	}
	if calm.Concealed-concealedJittery > 5 {
		t.Errorf("%d frames concealed on a calm network", calm.Concealed-concealedJittery)
	}
	t.Logf("jittery: jitter %v, peak depth %v, concealed %d, late %d; calm: depth %v, level %v, discarded %d",
		jittery.Jitter, maxDepth, jittery.Concealed, jittery.Late, calm.Depth, calm.Level, calm.Discarded)
}

func TestJitterLatePacketGrowsDepth(t *testing.T) {
	h := newJBHarness(t)
	for _, k := range []int{0, 1, 2, 4, 5, 6} {
		h.tick()
		h.push(pkt(k, 0, 0), PushAccepted)
		h.pop()
	}
	before := h.jb.Stats().Depth
	h.push(pkt(3, 0, 0), PushLate)
	if after := h.jb.Stats().Depth; after <= before {
		t.Errorf("depth %v after a late packet, was %v: want it to grow", after, before)
	}
}

func TestJitterNewSSRCRestarts(t *testing.T) {
	h := newJBHarness(t)
	for k := range 5 {
		h.tick()
		h.push(pkt(k, 0, 0), PushAccepted)
		h.pop()
	}
	var tags []int
	for k := range 6 {
		p := pkt(50+k, 9000, 777777)
		p.SSRC = 99
		h.tick()
		want := PushAccepted
		if k == 0 {
			want = PushReset
		}
		h.push(p, want)
		tag, _ := h.pop()
		tags = append(tags, tag)
	}
	if !slices.Equal(tags, []int{-1, 50, 51, 52, 53, 54}) {
		t.Errorf("after the SSRC change played %v", tags)
	}
	if s := h.jb.Stats(); s.Resets != 1 || s.Lost != 0 {
		t.Errorf("resets %d lost %d", s.Resets, s.Lost)
	}
}

func TestJitterSequenceRestart(t *testing.T) {
	// RFC 3550 A.1: a far jump is taken as a restart only when the next
	// packet confirms it.
	h := newJBHarness(t)
	for k := range 5 {
		h.tick()
		h.push(pkt(k, 0, 0), PushAccepted)
		h.pop()
	}
	h.tick()
	h.push(pkt(60, 30000, 0), PushInvalid)
	h.pop()
	h.tick()
	h.push(pkt(61, 30000, 0), PushReset)
	h.pop()
	var tags []int
	for k := 62; k < 66; k++ {
		h.tick()
		h.push(pkt(k, 30000, 0), PushAccepted)
		tag, _ := h.pop()
		tags = append(tags, tag)
	}
	if !slices.Equal(tags, []int{61, 62, 63, 64}) {
		t.Errorf("after the restart played %v", tags)
	}
}

func TestJitterWraparound(t *testing.T) {
	h := newJBHarness(t)
	var tags []int
	for k := range 20 {
		h.tick()
		h.push(pkt(k, 65530, 1<<32-5*160), PushAccepted)
		tag, _ := h.pop()
		tags = append(tags, tag)
	}
	for i := 1; i < len(tags); i++ {
		if tags[i] != i-1 {
			t.Fatalf("played %v across the wrap", tags)
		}
	}
	if s := h.jb.Stats(); s.Lost != 0 || s.Concealed != 0 {
		t.Errorf("lost %d concealed %d across the wrap", s.Lost, s.Concealed)
	}
}

func TestJitterTalkspurts(t *testing.T) {
	h := newJBHarness(t)
	var tags []int
	var kinds []FrameKind
	send := func(k int, ts uint32, marker bool) {
		p := pkt(k, 0, 0)
		p.Timestamp, p.Marker = ts, marker
		h.jb.Push(p)
	}
	for k := range 10 {
		h.tick()
		send(k, uint32(160*k), k == 0)
		tag, kind := h.pop()
		tags, kinds = append(tags, tag), append(kinds, kind)
	}
	// Silence suppression: nothing for two frames, then a talkspurt whose
	// timestamps continue the sender's clock.
	for range 2 {
		h.tick()
		tag, kind := h.pop()
		tags, kinds = append(tags, tag), append(kinds, kind)
	}
	for k := 10; k < 20; k++ {
		h.tick()
		send(k, uint32(160*(k+2)), k == 10)
		tag, kind := h.pop()
		tags, kinds = append(tags, tag), append(kinds, kind)
	}
	// Packet 9 covers the first quiet tick; the second finds nothing and
	// conceals (an underrun). When the talkspurt starts, its gap is played
	// as silence while the buffer refills to the (now one frame deeper)
	// target, and the talkspurt then plays without loss.
	wantTags := []int{-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, 10, 11, 12, 13, 14, 15, 16}
	wantKinds := []FrameKind{FrameSilence, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, FrameConcealed, FrameSilence, FrameSilence, FrameSilence, 1, 1, 1, 1, 1, 1, 1}
	for i := range wantKinds {
		if wantKinds[i] == 1 {
			wantKinds[i] = FrameDecoded
		}
	}
	if !slices.Equal(tags, wantTags) || !slices.Equal(kinds, wantKinds) {
		t.Errorf("played %v\nkinds %v\nwant   %v\nkinds %v", tags, kinds, wantTags, wantKinds)
	}
	if s := h.jb.Stats(); s.Lost != 0 || s.Concealed != 1 {
		t.Errorf("lost %d, concealed %d: a talkspurt gap is not loss", s.Lost, s.Concealed)
	}
}

func TestJitterUnderrunThenIdle(t *testing.T) {
	h := newJBHarness(t, WithConcealment(ConcealRepeat))
	for k := range 5 {
		h.tick()
		h.push(pkt(k, 0, 0), PushAccepted)
		h.pop()
	}
	var kinds []FrameKind
	for range 20 {
		h.tick()
		_, kind := h.pop()
		kinds = append(kinds, kind)
	}
	// The last buffered packet plays, then concealment for up to the
	// maximum depth, then silence.
	if kinds[0] != FrameDecoded || kinds[1] != FrameConcealed || kinds[len(kinds)-1] != FrameSilence {
		t.Errorf("kinds after the sender stopped: %v", kinds)
	}
	if s := h.jb.Stats(); s.Underruns == 0 || s.Underruns > 12 {
		t.Errorf("underruns %d, want a bounded number", s.Underruns)
	}
	// A stray copy of something already played must not play again.
	h.push(pkt(4, 0, 0), PushDuplicate)
	h.push(pkt(2, 0, 0), PushDuplicate)
	// The sender resumes (same SSRC, next sequence numbers, later clock).
	var tags []int
	for k := 5; k < 12; k++ {
		h.tick()
		p := pkt(k, 0, 0)
		p.Timestamp += 160 * 30
		h.push(p, PushAccepted)
		tag, _ := h.pop()
		tags = append(tags, tag)
	}
	// The underrun raised the target by a frame: three packets buffer.
	if !slices.Equal(tags, []int{-1, -1, 5, 6, 7, 8, 9}) {
		t.Errorf("after resuming played %v", tags)
	}
}

func TestJitterOverflow(t *testing.T) {
	h := newJBHarness(t)
	overflowed := false
	for k := range 400 {
		if h.jb.Push(pkt(k, 0, 0)) == PushOverflow {
			overflowed = true
		}
	}
	if !overflowed {
		t.Fatal("400 packets without a pop never overflowed")
	}
	s := h.jb.Stats()
	if s.Overflow == 0 || s.Overflow+uint64(h.jb.count) != 400 || h.jb.count > len(h.jb.ring) {
		t.Fatalf("overflow %d, buffered %d of a %d-slot ring", s.Overflow, h.jb.count, len(h.jb.ring))
	}
	// Playout resumes from the oldest kept packet, without concealing the
	// dropped ones.
	// Playout resumes from the oldest kept packet, without concealing the
	// dropped ones, and skips a frame every 100 ms while the buffer holds
	// more than the maximum depth.
	next := 400 - h.jb.count
	for i := range 30 {
		h.tick()
		tag, kind := h.pop()
		switch {
		case kind == FrameDecoded && tag == next%120:
			next++
		case kind == FrameDecoded && tag == (next+1)%120:
			next += 2 // one frame skipped
		default:
			t.Fatalf("pop %d after overflow: tag %d (%v), want packet %d or %d", i, tag, kind, next, next+1)
		}
	}
	s = h.jb.Stats()
	if s.Concealed != 0 || s.Discarded < 4 {
		t.Errorf("concealed %d, discarded %d: want no concealment and steady skipping", s.Concealed, s.Discarded)
	}
}

func TestJitterAccountsForEveryPacket(t *testing.T) {
	// A rough network: 5% loss, 5% duplicates, up to 50 ms of jitter (so
	// packets reorder) and a 150 ms delay spike. Every packet sent must come
	// out at most once and in order, or be counted lost or discarded.
	for seed := range uint64(5) {
		h := newJBHarness(t, WithShrinkAfter(300*time.Millisecond))
		rng := rand.New(rand.NewPCG(seed, 99))
		const sent = 500
		type arrival struct {
			at time.Duration
			k  int
		}
		var arrivals []arrival
		for k := range sent {
			if k < sent-10 && rng.IntN(100) < 5 {
				continue // lost in the network
			}
			copies := 1
			if rng.IntN(100) < 5 {
				copies = 2
			}
			spike := time.Duration(0)
			if k >= 200 && k < 210 {
				spike = 150 * time.Millisecond // a route change stalls ten packets
			}
			for range copies {
				arrivals = append(arrivals, arrival{time.Duration(k)*FrameDuration + spike + time.Duration(rng.IntN(50))*time.Millisecond, k})
			}
		}
		slices.SortStableFunc(arrivals, func(a, b arrival) int { return int(a.at - b.at) })
		start := h.clk.Now()
		var played []int
		last := -1
		for tick := 0; tick < sent+40; tick++ {
			due := time.Duration(tick) * FrameDuration
			for len(arrivals) > 0 && arrivals[0].at <= due {
				h.clk.Advance(start.Add(arrivals[0].at).Sub(h.clk.Now()))
				h.jb.Push(pkt(arrivals[0].k, 0, 0))
				arrivals = arrivals[1:]
			}
			h.clk.Advance(start.Add(due).Sub(h.clk.Now()))
			tag, kind := h.pop()
			if kind != FrameDecoded || tag < 0 {
				continue
			}
			k := tag + (last+1)/120*120 // unwrap the tag (gaps are short)
			if k <= last {
				k += 120
			}
			if k <= last {
				t.Fatalf("seed %d: packet %d played after %d", seed, k, last)
			}
			played = append(played, k)
			last = k
		}
		s := h.jb.Stats()
		t.Logf("seed %d: played %d, lost %d, late %d, duplicate %d, discarded %d, concealed %d, depth %v", seed, len(played), s.Lost, s.Late, s.Duplicate, s.Discarded, s.Concealed, s.Depth)
		// A discarded frame is a packet or a stretch of concealment, so
		// discards bound the difference.
		if accounted := uint64(len(played)) + s.Lost; accounted > sent || accounted+s.Discarded < sent {
			t.Errorf("seed %d: played %d + lost %d (+ discarded %d) does not account for %d sent (stats %+v)", seed, len(played), s.Lost, s.Discarded, sent, s)
		}
	}
}
