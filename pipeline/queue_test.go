package pipeline

import (
	"testing"
	"time"
)

func TestInboundDropsOldestAndWraps(t *testing.T) {
	q := newInbound(100*time.Millisecond, newLoopWake()) // 1600 samples
	frame := func(n int, v int16) []int16 { return constSamples(n, v) }
	dst := make([]int16, maxFrameSamples)
	// Sizes that do not divide the ring, so copies wrap around it.
	for i := range 30 {
		n := []int{320, 160, 480, 960}[i%4]
		q.push(frame(n, int16(i)), time.Duration(i)*time.Millisecond)
		if i%3 == 2 {
			n, stamp, ok := q.pop(dst)
			if !ok || dst[0] != int16(stamp/time.Millisecond) || dst[n-1] != dst[0] {
				t.Fatalf("pop %d: n=%d stamp=%v first=%d last=%d", i, n, stamp, dst[0], dst[n-1])
			}
		}
	}
	var got []int16
	for {
		n, _, ok := q.pop(dst)
		if !ok {
			break
		}
		if dst[n-1] != dst[0] {
			t.Fatalf("frame %d torn", dst[0])
		}
		got = append(got, dst[0])
	}
	if len(got) == 0 || got[len(got)-1] != 29 {
		t.Fatalf("left %v, want the newest frames ending with 29", got)
	}
	total := 0
	for _, v := range got {
		total += []int{320, 160, 480, 960}[v%4]
	}
	if total > 1600 {
		t.Errorf("%d samples queued in a 1600-sample queue", total)
	}
	if q.pushed.Load() != 30 || q.dropped.Load() == 0 {
		t.Errorf("pushed %d dropped %d", q.pushed.Load(), q.dropped.Load())
	}
}

func TestQueueEvictsPartialsFirst(t *testing.T) {
	q := newQueue[result](3, newLoopWake(), wakeResults)
	push := func(text string, final bool) bool {
		return q.pushEvict(result{tr: Transcript{Text: text, Final: final}}, isPartial)
	}
	push("a", true)
	push("b", false)
	push("c", true)
	if !push("d", true) {
		t.Fatal("push into a full queue evicted nothing")
	}
	if push("e", false) != true {
		t.Fatal("second overflow not reported")
	}
	var texts string
	for _, r := range q.popAll(nil) {
		texts += r.tr.Text
	}
	if texts != "cde" {
		t.Errorf("queue holds %q, want the partial b then the oldest final a evicted: \"cde\"", texts)
	}
	if !q.tryPush(result{}) || q.len() != 1 {
		t.Error("tryPush into an empty queue failed")
	}
}
