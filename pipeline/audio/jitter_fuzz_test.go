package audio

import (
	"errors"
	"testing"
	"time"
)

// erraticDecoder decodes mu-law but fails on payloads starting with 0xFF
// and doubles those starting with 0xFE, standing in for a misbehaving
// codec.
type erraticDecoder struct{}

func (erraticDecoder) Decode(dst []int16, payload []byte) ([]int16, error) {
	switch payload[0] {
	case 0xFF:
		return dst, errors.New("corrupt")
	case 0xFE:
		dst = DecodeULaw(dst, payload)
		return DecodeULaw(dst, payload), nil
	}
	return DecodeULaw(dst, payload), nil
}

// Bounds the fuzzed buffer is configured with.
const (
	fuzzMinDepth = 20 * time.Millisecond
	fuzzMaxDepth = 120 * time.Millisecond
)

// fuzzJitterBuffer builds the buffer under test; mode picks the decoder
// and concealment.
func fuzzJitterBuffer(t *testing.T, clk *fakeClock, mode byte) *JitterBuffer {
	opts := []JitterOption{WithJitterNow(clk.Now), WithJitterDepth(fuzzMinDepth, fuzzMaxDepth), WithMaxPayload(400)}
	var dec PayloadDecoder = ULawDecoder{}
	switch mode % 4 {
	case 1:
		opts = append(opts, WithConcealment(ConcealSilence))
	case 2:
		dec = erraticDecoder{}
	case 3:
		opts = append(opts, WithConcealer(&recordingConcealer{}), WithShrinkAfter(0))
	}
	jb, err := NewJitterBuffer(Rate8k, dec, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return jb
}

// checkJitterInvariants fails the test if depth or memory left its bounds.
func checkJitterInvariants(t *testing.T, jb *JitterBuffer) {
	s := jb.Stats()
	if s.Depth < fuzzMinDepth || s.Depth > fuzzMaxDepth {
		t.Fatalf("depth %v outside [%v, %v]", s.Depth, fuzzMinDepth, fuzzMaxDepth)
	}
	if jb.count < 0 || jb.count > len(jb.ring) {
		t.Fatalf("%d packets in a %d-slot ring", jb.count, len(jb.ring))
	}
	if bound := 2*jb.frame + jb.play.maxDecode + jb.tsToSamples(jb.maxPktTS); len(jb.play.fifo) > bound {
		t.Fatalf("playout FIFO holds %d samples (bound %d)", len(jb.play.fifo), bound)
	}
}

// FuzzJitterBuffer plays arbitrary packet sequences (sequence numbers,
// timestamps, SSRCs, markers, payload sizes, arrival times) through a
// JitterBuffer: it must never panic, every Pop must return exactly 20 ms,
// and depth and memory must stay bounded.
func FuzzJitterBuffer(f *testing.F) {
	f.Add([]byte{0, 0, 1, 160, 0, 4, 20, 0, 1, 160, 0, 4, 20, 0, 2, 160, 0, 4, 20})
	f.Add([]byte{1, 0, 255, 160, 0, 0, 0, 3, 160, 0, 4, 40, 5, 6, 6, 6, 6, 6})
	f.Add([]byte{2, 0, 1, 80, 1, 0, 1, 80, 0, 0, 1, 80, 3, 4, 10, 4, 10, 4, 10, 4, 10})
	f.Add([]byte{3, 1, 200, 160, 2, 1, 1, 160, 0, 7, 250, 6, 6, 0, 0, 0, 0, 6})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		clk := newFakeClock()
		jb := fuzzJitterBuffer(t, clk, data[0])
		var (
			seq     uint16
			ts      uint32
			ssrc    uint32 = 1
			out            = make([]int16, 0, 160)
			payload        = make([]byte, 400)
		)
		for i := range payload {
			payload[i] = byte(i)
		}
		pop := func() {
			var kind FrameKind
			if out, kind = jb.Pop(out[:0]); len(out) != 160 {
				t.Fatalf("Pop returned %d samples (%v), want 160", len(out), kind)
			}
		}
		data = data[1:]
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		for len(data) > 0 {
			switch op := next(); op % 8 {
			case 0, 1, 2, 3: // a packet: sequence step, timestamp step, size
				seq += uint16(int8(next()))
				ts += uint32(int8(next())) * 40
				size := min(int(next())*2+1, len(payload))
				payload[0] = op
				jb.Push(RTPPacket{SequenceNumber: seq, Timestamp: ts, SSRC: ssrc, Marker: op == 3, Payload: payload[:size]})
			case 4: // time passes, then the playout clock ticks
				clk.Advance(time.Duration(next()) * time.Millisecond)
				pop()
			case 5: // the sender restarts
				ssrc++
			case 6:
				pop()
			case 7: // a big sequence jump
				seq += uint16(next()) << 8
			}
			checkJitterInvariants(t, jb)
		}
		pop()
	})
}
