package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func constSamples(n int, v int16) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func newTestOutput(samples int) *output {
	return newOutput(samples, 64, 8, func() time.Duration { return 0 }, newLoopWake())
}

// writeWords writes one segment per word of text, wordLen samples each,
// word i holding the value i+1, and returns the text.
func writeWords(t *testing.T, o *output, turn int, text string, wordLen int) {
	t.Helper()
	off := 0
	for i, w := range strings.Fields(text) {
		start := strings.Index(text[off:], w) + off
		if err := o.write(context.Background(), turn, constSamples(wordLen, int16(i+1)), start, w); err != nil {
			t.Fatal(err)
		}
		off = start + len(w)
	}
}

func TestOutputPlaysInOrderAndPads(t *testing.T) {
	o := newTestOutput(1000)
	o.begin(1)
	if err := o.write(context.Background(), 1, constSamples(500, 7), 0, "hi"); err != nil {
		t.Fatal(err)
	}
	dst := make([]int16, 320)
	if !o.next(dst) || dst[0] != 7 || dst[319] != 7 {
		t.Fatalf("first frame = %v..., want 7s", dst[:4])
	}
	if !o.next(dst) || dst[179] != 7 || dst[180] != 0 || dst[319] != 0 {
		t.Fatalf("second frame not 180 samples then zero padding")
	}
	dst[0] = 99
	if o.next(dst) || dst[0] != 0 {
		t.Fatalf("empty output returned audio or left dst dirty")
	}
}

func TestOutputBackpressureAndCancel(t *testing.T) {
	o := newTestOutput(640)
	o.begin(1)
	done := make(chan error, 1)
	go func() { done <- o.write(context.Background(), 1, constSamples(1600, 1), 0, "long") }()
	dst := make([]int16, 320)
	frames := 0
	for frames < 5 {
		if o.next(dst) {
			frames++
		}
		select {
		case err := <-done:
			if frames < 3 {
				t.Fatalf("write of 1600 samples into 640 returned after %d frames: %v", frames, err)
			}
			done <- err
		default:
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- o.write(ctx, 1, constSamples(2000, 1), 0, "more") }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write returned %v, want context.Canceled", err)
	}
}

func TestOutputHeardWords(t *testing.T) {
	text := "Your refund is on its way."
	tests := []struct {
		name   string
		played int // samples
		want   string
	}{
		{"nothing played", 0, ""},
		{"inside the first word", 50, ""},
		{"first word done", 100, "Your"},
		{"half way through the third", 250, "Your refund"},
		{"all", 600, "Your refund is on its way."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOutput(2000)
			o.begin(1)
			writeWords(t, o, 1, text, 100)
			dst := make([]int16, 10)
			for i := 0; i < tc.played/10; i++ {
				o.next(dst)
			}
			if got := heardText(text, o.pause().heard); got != tc.want {
				t.Errorf("heard %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOutputHeardInOneSegment(t *testing.T) {
	o := newTestOutput(2000)
	o.begin(1)
	text := "one two three four"
	if err := o.write(context.Background(), 1, constSamples(1800, 1), 0, text); err != nil {
		t.Fatal(err)
	}
	dst := make([]int16, 100)
	for i := 0; i < 10; i++ { // 1000 of 1800 samples: 10 of 18 bytes
		o.next(dst)
	}
	if got := heardText(text, o.pause().heard); got != "one two" {
		t.Errorf("heard %q, want %q", got, "one two")
	}
}

func TestOutputPauseResumeRewinds(t *testing.T) {
	o := newTestOutput(2000)
	o.begin(1)
	writeWords(t, o, 1, "alpha beta gamma", 320)
	dst := make([]int16, 320)
	o.next(dst) // alpha
	half := make([]int16, 160)
	o.next(half) // half of beta
	info := o.pause()
	if !info.started || info.heard != len("alpha") {
		t.Fatalf("pause info %+v", info)
	}
	if o.next(dst) {
		t.Fatal("paused output played")
	}
	if got := o.resume(); got != len("alpha") {
		t.Fatalf("resume heard %d", got)
	}
	if !o.next(dst) || dst[len(dst)-1] != 2 {
		t.Fatalf("resumed frame ends with %d, want beta (2) from its start", dst[len(dst)-1])
	}
	if dst[0] != 0 || dst[fadeIn-1] >= 2 && fadeIn > 2 {
		t.Errorf("resume does not fade in: %v", dst[:4])
	}
	if !o.next(dst) || dst[0] != 3 {
		t.Fatalf("next frame starts with %d, want gamma (3)", dst[0])
	}
}

func TestOutputDropStopsStaleWriters(t *testing.T) {
	o := newTestOutput(320)
	o.begin(1)
	done := make(chan error, 1)
	go func() { done <- o.write(context.Background(), 1, constSamples(1000, 1), 0, "x") }()
	dst := make([]int16, 320)
	for !o.next(dst) {
	}
	if err := o.mark(context.Background(), 1, EndCall{}, false); err != nil {
		t.Fatal(err)
	}
	if n := o.drop(); n != 1 {
		t.Errorf("drop reported %d dropped actions, want 1", n)
	}
	if err := <-done; !errors.Is(err, ErrTurnEnded) {
		t.Fatalf("stale write returned %v, want ErrTurnEnded", err)
	}
	if o.next(dst) {
		t.Fatal("dropped output played")
	}
}

func TestOutputMarks(t *testing.T) {
	o := newTestOutput(2000)
	o.begin(1)
	ctx := context.Background()
	_ = o.write(ctx, 1, constSamples(320, 1), 0, "bye")
	_ = o.mark(ctx, 1, EndCall{Reason: "done"}, false)
	_ = o.mark(ctx, 1, nil, true)
	if news := o.poll(nil); len(news.marks) != 0 || news.started {
		t.Fatalf("marks reached before playback: %+v", news)
	}
	dst := make([]int16, 320)
	o.next(dst)
	if !o.pending.Load() {
		t.Fatal("output did not signal the marks")
	}
	news := o.poll(nil)
	if !news.started || len(news.marks) != 2 || news.marks[0].action == nil || !news.marks[1].end {
		t.Fatalf("poll = %+v", news)
	}
}

func BenchmarkNextFrame(b *testing.B) {
	o := newTestOutput(32000)
	o.begin(1)
	chunk := constSamples(3200, 1)
	dst := make([]int16, 320)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if o.buffered() < 320 {
			if err := o.write(ctx, 1, chunk, 0, "word"); err != nil {
				b.Fatal(err)
			}
		}
		o.next(dst)
	}
}

func TestOutputWakesBlockedWriterOnceThereIsRoom(t *testing.T) {
	// A writer blocked on a full ring is not woken for every frame
	// played, only once the rest of its chunk (or a quarter of the ring)
	// fits: here words of 800 samples into a ring of 3200, so the fifth
	// word waits until the first word (800 samples, 2.5 frames) is played.
	o := newTestOutput(3200)
	o.begin(1)
	done := make(chan error, 1)
	go func() {
		for i := range 6 {
			if err := o.write(context.Background(), 1, constSamples(800, int16(i+1)), 0, ""); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	state := func() (waiting bool, w int64) {
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.waiting, o.w
	}
	pipelineEventually(t, func() bool { waiting, w := state(); return waiting && w == 3200 }, "writer blocked on the full ring")
	dst := make([]int16, 320)
	for frame := 1; frame <= 2; frame++ {
		o.next(dst)
		if waiting, w := state(); !waiting || w != 3200 {
			t.Fatalf("after frame %d (%d samples free at most): writer woken (waiting %v, written %d)", frame, 320*frame, waiting, w)
		}
	}
	o.next(dst) // the first word is played: 800 samples free
	pipelineEventually(t, func() bool { _, w := state(); return w == 4000 }, "fifth word written")
	for range 30 {
		o.next(dst)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// pipelineEventually polls cond every millisecond for up to 10 s (the
// package's internal tests cannot import pipelinetest).
func pipelineEventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out waiting for: %s", what)
		case <-tick.C:
		}
	}
}

func TestOutputWriterResumesWhenAudioPlaysDuringReady(t *testing.T) {
	// The audio-ready hook runs without the output's lock; if everything
	// written so far is played meanwhile (here by the hook itself, as a
	// transport that sends at once), the writer must see the room that
	// made rather than wait for a frame that will never be played.
	o := newTestOutput(640)
	o.begin(1)
	dst := make([]int16, 320)
	played := 0 // written by the hook, read after the write returned
	o.ready = func() {
		for o.next(dst) {
			played++
		}
	}
	done := make(chan error, 1)
	go func() { done <- o.write(context.Background(), 1, constSamples(1600, 1), 0, "long") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("writer stuck with the ring played out: %s", o.debugState())
	}
	if played != 5 {
		t.Errorf("%d frames played, want the 5 written", played)
	}
}

// debugState describes the output for test failures.
func (o *output) debugState() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return fmt.Sprintf("r=%d w=%d keep=%d waiting=%v need=%d", o.r, o.w, o.keep, o.waiting, o.need)
}
