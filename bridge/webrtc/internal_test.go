package webrtc

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/parley-voice/parley/pipeline/audio"
)

func TestOutQueue(t *testing.T) {
	frame := func(v int16) []int16 {
		f := make([]int16, frameSamples)
		f[0] = v
		return f
	}
	type pop struct {
		first   int16
		skipped int
	}
	tests := []struct {
		name        string
		run         func(q *outQueue)
		want        []pop
		wantDropped uint64
		wantFlushed uint64
	}{
		{"in order", func(q *outQueue) { q.push(frame(1), true, 0); q.push(frame(2), true, 0) }, []pop{{1, 0}, {2, 0}}, 0, 0},
		{"missed ticks are skipped frames", func(q *outQueue) { q.push(frame(1), true, 0); q.push(frame(2), true, 3) }, []pop{{1, 0}, {2, 3}}, 0, 0},
		{"full drops the oldest", func(q *outQueue) {
			for i := range outQueueFrames + 2 {
				q.push(frame(int16(i)), i%2 == 0, 0)
			}
		}, []pop{{2, 2}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0}, {8, 0}, {9, 0}}, 2, 0},
		{"flush drops everything queued", func(q *outQueue) {
			q.push(frame(1), true, 0)
			q.push(frame(2), true, 0)
			q.flush()
			q.push(frame(3), true, 0)
		}, []pop{{3, 2}}, 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var q outQueue
			tc.run(&q)
			var got []pop
			dst := make([]int16, frameSamples)
			for {
				skipped, _, ok := q.pop(dst)
				if !ok {
					break
				}
				got = append(got, pop{dst[0], skipped})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("popped %v, want %v", got, tc.want)
			}
			if d, f := q.counts(); d != tc.wantDropped || f != tc.wantFlushed {
				t.Errorf("counts = %d dropped, %d flushed; want %d, %d", d, f, tc.wantDropped, tc.wantFlushed)
			}
		})
	}
}

func TestParseDTMFMessage(t *testing.T) {
	tests := []struct {
		name, msg, want string
		bad             bool
	}{
		{"one digit", "5", "5", false},
		{"several", "123#*", "123#*", false},
		{"letters", "AbcD", "ABCD", false},
		{"spaces ignored", " 1 2 ", "12", false},
		{"empty", "", "", true},
		{"spaces only", "   ", "", true},
		{"not a key", "12x", "", true},
		{"JSON is not a key", `{"digit":"1"}`, "", true},
		{"too long", "123456789012345678901234567890123", "", true},
		{"control byte", "1\x00", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDTMFMessage([]byte(">"), []byte(tc.msg))
			if tc.bad != (err != nil) || (err != nil && !errors.Is(err, ErrBadDigit)) {
				t.Fatalf("parse(%q) error %v, want bad=%v", tc.msg, err, tc.bad)
			}
			if string(got) != ">"+tc.want {
				t.Errorf("parse(%q) = %q, want %q", tc.msg, got, ">"+tc.want)
			}
		})
	}
}

func TestEventReader(t *testing.T) {
	type pkt struct {
		ts    uint32
		event byte
		end   bool
	}
	tests := []struct {
		name string
		pkts []pkt
		want string
	}{
		{"one key with three end packets", []pkt{{100, 5, false}, {100, 5, false}, {100, 5, true}, {100, 5, true}, {100, 5, true}}, "5"},
		{"two keys", []pkt{{100, 1, false}, {100, 1, true}, {2000, 11, false}, {2000, 11, true}}, "1#"},
		{"lost end packets", []pkt{{100, 7, false}, {2000, 8, false}, {2000, 8, true}}, "78"},
		{"a late packet of an old event", []pkt{{2000, 2, true}, {100, 9, true}}, "2"},
		{"letters and star", []pkt{{1, 10, true}, {2, 12, true}, {3, 15, true}}, "*AD"},
		{"flash is not a key", []pkt{{1, 16, true}, {2, 3, true}}, "3"},
		{"timestamp wrap", []pkt{{0xfffffff0, 4, true}, {0x10, 6, true}}, "46"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r eventReader
			var got []byte
			for _, p := range tc.pkts {
				flags := byte(10) // volume
				if p.end {
					flags |= 0x80
				}
				keys, n := r.packet(p.ts, []byte{p.event, flags, 0x03, 0x20})
				got = append(got, keys[:n]...)
			}
			if string(got) != tc.want {
				t.Errorf("keys %q, want %q", got, tc.want)
			}
		})
	}
	var r eventReader
	if _, n := r.packet(1, []byte{1, 0x80, 0}); n != 0 {
		t.Errorf("a 3-byte payload gave %d keys, want 0", n)
	}
}

func TestSilenceCache(t *testing.T) {
	enc, err := audio.NewOpusEncoder(audio.PipelineRate)
	if err != nil {
		t.Fatal(err)
	}
	speech := make([]int16, frameSamples)
	for i := range speech {
		speech[i] = int16(5000 * math.Sin(float64(i)*0.3))
	}
	silence := make([]int16, frameSamples)
	var q silenceCache
	var pkt []byte
	steps := []struct {
		bot        bool
		wantReused bool
	}{
		{true, false}, {false, false}, {false, false}, {false, false}, // the encoder settles
		{false, true}, {false, true}, // then its silence packet is reused
		{true, false}, {false, false}, // speech encodes again and resets the run
	}
	for i, st := range steps {
		pcm := silence
		if st.bot {
			pcm = speech
		}
		var reused bool
		if pkt, reused, err = q.encode(enc, pkt[:0], pcm, st.bot); err != nil {
			t.Fatal(err)
		}
		if reused != st.wantReused || len(pkt) == 0 {
			t.Errorf("step %d (bot %v): reused %v with %d bytes, want reused %v", i, st.bot, reused, len(pkt), st.wantReused)
		}
	}
}
