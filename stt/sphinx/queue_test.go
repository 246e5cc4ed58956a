package sphinx

import (
	"slices"
	"testing"
)

func seq(from, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(from + i)
	}
	return s
}

func TestQueueOrderAndStart(t *testing.T) {
	q := newQueue(4 * maxSlotSamples)
	h := &compiledHints{}
	if !q.push(slot{pos: 0, flags: slotStart, hints: h}, seq(0, 100)) {
		t.Fatal("the first push must start a consumer")
	}
	if q.push(slot{pos: 100}, seq(100, 50)) {
		t.Fatal("a second push started another consumer")
	}
	q.push(slot{pos: 150, flags: slotEnd}, nil)
	buf := make([]int16, maxSlotSamples)
	want := []struct {
		pos   int64
		n     int
		flags uint8
	}{{0, 100, slotStart}, {100, 50, 0}, {150, 0, slotEnd}}
	for i, w := range want {
		s, data, ok := q.pop(buf, false)
		if !ok || s.pos != w.pos || s.n != w.n || s.flags != w.flags || len(data) != w.n {
			t.Fatalf("slot %d: %+v (%d samples), want %+v", i, s, len(data), w)
		}
		if w.n > 0 && (data[0] != int16(w.pos) || data[w.n-1] != int16(w.pos)+int16(w.n)-1) {
			t.Fatalf("slot %d holds %d..%d", i, data[0], data[len(data)-1])
		}
		if i == 0 && s.hints != h {
			t.Fatalf("the start slot lost its hints")
		}
	}
	if _, _, ok := q.pop(buf, true); ok {
		t.Fatal("an empty queue popped")
	}
	if !q.push(slot{pos: 200, flags: slotStart}, seq(0, 10)) {
		t.Fatal("after the consumer stopped, a push must start another")
	}
}

func TestQueueOverflow(t *testing.T) {
	tests := []struct {
		desc       string
		pushes     []slot // n is the sample count to push
		wantFirst  slot   // the head after overflow (pos and flags)
		wantDrop   int64
		wantSlots  int
		startHints bool // the head inherited the start's hints
	}{
		{
			desc:      "the oldest audio goes and the utterance start moves to the next slot",
			pushes:    []slot{{pos: 0, n: 1600, flags: slotStart}, {pos: 1600, n: 1600}, {pos: 3200, n: 1600}, {pos: 4800, n: 1600}},
			wantFirst: slot{pos: 1600, flags: slotStart}, wantDrop: 1600, wantSlots: 3, startHints: true,
		},
		{
			desc: "a wholly dropped utterance leaves its end as an empty utterance",
			pushes: []slot{{pos: 0, n: 1600, flags: slotStart}, {pos: 1600, flags: slotEnd},
				{pos: 2000, n: 1600, flags: slotStart}, {pos: 3600, n: 1600}, {pos: 5200, n: 1600}},
			wantFirst: slot{pos: 1600, flags: slotStart | slotEnd}, wantDrop: 1600, wantSlots: 4, startHints: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			q := newQueue(3 * maxSlotSamples) // newQueue keeps at least 2 slots of room
			h := &compiledHints{}
			for _, p := range tc.pushes {
				sl := p
				if sl.flags&slotStart != 0 {
					sl.hints = h
				}
				q.push(sl, seq(int(p.pos), p.n))
			}
			head, ok := q.peek()
			if !ok || head.pos != tc.wantFirst.pos || head.flags != tc.wantFirst.flags {
				t.Fatalf("head %+v, want %+v", head, tc.wantFirst)
			}
			if tc.startHints && head.hints != h {
				t.Errorf("the moved start lost its hints")
			}
			if d := q.takeDropped(); d != tc.wantDrop {
				t.Errorf("dropped %d samples, want %d", d, tc.wantDrop)
			}
			if q.takeDropped() != 0 {
				t.Errorf("the dropped count was not reset")
			}
			if q.n != tc.wantSlots {
				t.Errorf("%d slots, want %d", q.n, tc.wantSlots)
			}
		})
	}
}

func TestRing(t *testing.T) {
	tests := []struct {
		desc   string
		size   int
		writes []int // lengths
		from   int64
		want   []int16
	}{
		{"less than the ring", 8, []int{3, 2}, 0, seq(0, 5)},
		{"wrapped", 8, []int{5, 5}, 0, seq(2, 8)},
		{"a write longer than the ring", 8, []int{3, 20}, 0, seq(15, 8)},
		{"from a later position", 8, []int{5, 5}, 7, seq(7, 3)},
		{"from the end", 8, []int{5}, 5, nil},
		{"an empty ring", 0, []int{5}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r := ring{buf: make([]int16, tc.size)}
			next := 0
			for _, n := range tc.writes {
				r.write(seq(next, n))
				next += n
			}
			var got []int16
			prev := int64(-1)
			r.since(tc.from, func(pos int64, s []int16) {
				if prev >= 0 && pos != prev {
					t.Errorf("piece at %d, want %d", pos, prev)
				}
				if len(s) > 0 && int64(s[0]) != pos {
					t.Errorf("piece at %d starts with sample %d", pos, s[0])
				}
				prev = pos + int64(len(s))
				got = append(got, s...)
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("since(%d) = %v, want %v", tc.from, got, tc.want)
			}
		})
	}
}
