package vad

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// batchTolerance bounds the difference between a window scored alone and
// the same window scored in a batch (float rounding only).
const batchTolerance = 1e-5

// streamAudio returns n distinct streams of pseudo-speech in noise, each
// with its own voice, level, noise and lead-in, windows windows long.
func streamAudio(n, windows int) [][]int16 {
	out := make([][]int16, n)
	sec := float64(windows*sileroWindow) / 16000
	for i := range out {
		lead := sec * float64(i%7) / 16
		speech := concat(silence(lead), pseudoSpeech(uint64(100+i), -20-float64(i%4)*4, sec-lead))
		out[i] = pcm(mix(speech, whiteNoise(uint64(200+i), -60+float64(i%5)*5, sec)))[:windows*sileroWindow]
	}
	return out
}

// scoreAlone scores x window by window on a fresh detector of m, with no
// other stream running: every window is a batch of one.
func scoreAlone(t testing.TB, m *SileroModel, x []int16) []float32 {
	t.Helper()
	probs, err := newDetector(t, m).windows(x)
	if err != nil {
		t.Fatal(err)
	}
	return probs
}

// within reports the first index where got and want differ by more than
// tol, or -1.
func within(got, want []float32, tol float64) int {
	if len(got) != len(want) {
		return 0
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
			return i
		}
	}
	return -1
}

func TestSileroLaneBatchEqualsSingleRows(t *testing.T) {
	// Row r of a batched run must equal the same window run alone, for
	// both graphs: the rebuilt one and the published one (the fallback).
	published, m := publishedAndRebuilt(t)
	const rows, steps = 9, 12
	x := streamAudio(rows, steps)
	for _, c := range []struct {
		name string
		o    *ortModel
	}{{"rebuilt graph", m.ort}, {"published graph", published}} {
		t.Run(c.name, func(t *testing.T) {
			batched := newSileroBatcher(c.o, rows, 1)
			single := newSileroBatcher(c.o, 1, 1)
			defer batched.close()
			defer single.close()
			alone := make([]*sileroJob, rows)
			together := make([]*sileroJob, rows)
			for r := range rows {
				alone[r], together[r] = newSileroJob(), newSileroJob()
			}
			for step := range steps {
				for r := range rows {
					for _, j := range []*sileroJob{alone[r], together[r]} {
						for i, v := range x[r][step*sileroWindow : (step+1)*sileroWindow] {
							j.input[sileroContext+i] = float32(v) / 32768
						}
					}
					if _, err := single.score(alone[r]); err != nil {
						t.Fatal(err)
					}
				}
				ln := batched.lanes[0]
				ln.rows = append(ln.rows[:0], together...)
				if err := batched.run(ln); err != nil {
					t.Fatal(err)
				}
				for r := range rows {
					a, b := alone[r], together[r]
					if d := math.Abs(float64(a.prob - b.prob)); d > batchTolerance {
						t.Fatalf("step %d row %d: probability %v batched, %v alone", step, r, b.prob, a.prob)
					}
					if i := within(b.state[:], a.state[:], batchTolerance); i >= 0 {
						t.Fatalf("step %d row %d: state[%d] %v batched, %v alone", step, r, i, b.state[i], a.state[i])
					}
					if [sileroContext]float32(b.input[:sileroContext]) != [sileroContext]float32(a.input[:sileroContext]) {
						t.Fatalf("step %d row %d: contexts differ", step, r)
					}
				}
			}
		})
	}
}

// batchHold makes the first batch of b wait in beforeRun until release is
// closed; started receives once that batch is about to run. Later batches
// record their sizes in sizes.
type batchHold struct {
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	sizes   []int
}

func holdFirstBatch(b *sileroBatcher) *batchHold {
	h := &batchHold{started: make(chan struct{}), release: make(chan struct{})}
	b.beforeRun = func(rows int) {
		h.mu.Lock()
		h.sizes = append(h.sizes, rows)
		first := len(h.sizes) == 1
		h.mu.Unlock()
		if first {
			close(h.started)
			<-h.release
		}
	}
	return h
}

func (h *batchHold) batchSizes() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.sizes...)
}

// waitQueued polls until n windows wait in b's queue.
func waitQueued(t *testing.T, b *sileroBatcher, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		b.mu.Lock()
		q := len(b.queue)
		b.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d windows queued after 10s, want %d", q, n)
		}
		<-tick.C
	}
}

// result is one stream's outcome in the concurrency tests.
type result struct {
	stream int
	probs  []float32
	err    error
}

// runStreams scores each stream of x on its own detector of m, each in its
// own goroutine, and sends each stream's result, after closing its
// detector, on the returned channel.
func runStreams(m *SileroModel, x [][]int16) <-chan result {
	out := make(chan result, len(x))
	for s := range x {
		d, err := m.NewDetector()
		if err != nil {
			out <- result{stream: s, err: err}
			continue
		}
		go func() {
			probs, err := testDetector{d}.windows(x[s])
			if cerr := d.Close(); err == nil {
				err = cerr
			}
			out <- result{stream: s, probs: probs, err: err}
		}()
	}
	return out
}

func TestSileroBatcherGroupsWaitingWindows(t *testing.T) {
	// While a batch runs, the windows that arrive wait; the next batch
	// takes them up to the maximum batch size, oldest first, and every
	// window of a batch gets its own result.
	cases := []struct {
		name     string
		maxBatch int
		waiting  int
		want     []int
	}{
		{"all waiting windows in one batch", 64, 9, []int{1, 9}},
		{"split at the maximum batch", 4, 10, []int{1, 4, 4, 2}},
		{"no batching", 1, 3, []int{1, 1, 1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := LoadSilero(testModelPath(t), WithMaxBatch(c.maxBatch))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			x := streamAudio(c.waiting+1, 1)
			want := make([][]float32, len(x))
			for s := range x {
				want[s] = scoreAlone(t, m, x[s])
			}
			h := holdFirstBatch(m.batch)
			first := runStreams(m, x[:1])
			<-h.started
			rest := runStreams(m, x[1:])
			waitQueued(t, m.batch, c.waiting)
			close(h.release)
			for range x {
				var r result
				select {
				case r = <-first:
				case r = <-rest:
					r.stream++
				}
				if r.err != nil {
					t.Fatalf("stream %d: %v", r.stream, r.err)
				}
				if i := within(r.probs, want[r.stream], batchTolerance); i >= 0 {
					t.Errorf("stream %d window %d: %v, alone %v", r.stream, i, r.probs, want[r.stream])
				}
			}
			if got := h.batchSizes(); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("batch sizes %v, want %v", got, c.want)
			}
		})
	}
}

func TestSileroManyStreamsKeepTheirOwnState(t *testing.T) {
	// Many streams scored at once, in whatever batches form: each stream's
	// probabilities must be those it gets alone, so no state, context or
	// result ever crosses to another stream.
	m := testModel(t)
	streams, windows := 48, 10
	if testing.Short() {
		streams = 16
	}
	x := streamAudio(streams, windows)
	want := make([][]float32, streams)
	for s := range x {
		want[s] = scoreAlone(t, m, x[s])
	}
	before := m.Stats()
	results := runStreams(m, x)
	for range x {
		r := <-results
		if r.err != nil {
			t.Fatalf("stream %d: %v", r.stream, r.err)
		}
		if i := within(r.probs, want[r.stream], batchTolerance); i >= 0 {
			t.Errorf("stream %d window %d: %v, alone %v", r.stream, i, r.probs[i], want[r.stream][i])
		}
	}
	st := m.Stats()
	w, b := st.Windows-before.Windows, st.Batches-before.Batches
	if w != uint64(streams*windows) || b == 0 || b > w {
		t.Errorf("stats: %d windows in %d batches, want %d windows", w, b, streams*windows)
	}
	t.Logf("%d windows in %d batches (mean %.1f)", w, b, float64(w)/float64(b))
}

func TestSileroLoneStreamIsNotBatched(t *testing.T) {
	m := testModel(t)
	x := streamAudio(1, 20)[0]
	scoreAlone(t, m, x)
	if st := m.Stats(); st.Windows != 20 || st.Batches != 20 {
		t.Errorf("stats %+v, want every window in its own batch", st)
	}
}

func TestSileroCloseWhileOthersWait(t *testing.T) {
	// Closing the model and other detectors while windows wait for a
	// batch must not disturb them; the session is released once the last
	// detector closes.
	m, err := LoadSilero(testModelPath(t))
	if err != nil {
		t.Fatal(err)
	}
	x := streamAudio(6, 3)
	idle := make([]*Silero, 3)
	for i := range idle {
		if idle[i], err = m.NewDetector(); err != nil {
			t.Fatal(err)
		}
	}
	h := holdFirstBatch(m.batch)
	first := runStreams(m, x[:1])
	<-h.started
	rest := runStreams(m, x[1:])
	waitQueued(t, m.batch, len(x)-1)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range idle {
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.NewDetector(); !errors.Is(err, ErrClosed) {
		t.Errorf("NewDetector after Close: %v, want ErrClosed", err)
	}
	close(h.release)
	for range x {
		var r result
		select {
		case r = <-first:
		case r = <-rest:
		}
		if r.err != nil || len(r.probs) != 3 {
			t.Errorf("stream: %d windows, %v", len(r.probs), r.err)
		}
	}
	// Every detector is closed once the streams have returned.
	m.mu.Lock()
	refs := m.refs
	m.mu.Unlock()
	if refs != 0 {
		t.Errorf("%d references left after every detector closed", refs)
	}
	for _, ln := range m.batch.lanes {
		if ln.buf != nil {
			t.Error("a lane still holds its tensors after the model was released")
		}
	}
}

func TestSileroBatchFailureReachesEveryWindow(t *testing.T) {
	// A graph that fails at run time (a reshape that cannot fit): every
	// window of the batch gets the error, and no stream's state changes.
	g := &onnxBuilder{}
	g.opOut("Reshape", []string{"mag", g.ints(5)}, []string{"output"})
	g.opOut("Identity", []string{"state"}, []string{"stateN"})
	model := g.model(
		[]func(*pbWriter){valueInfo("mag", 0, stftFrames, stftBins), valueInfo("state", 2, 0, sileroHidden)},
		[]func(*pbWriter){valueInfo("output", 0, 1), valueInfo("stateN", 2, 0, sileroHidden)})
	o, err := openORT("", model, rebuiltGraph)
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	b := newSileroBatcher(o, 8, 1)
	defer b.close()
	h := holdFirstBatch(b)
	jobs := make([]*sileroJob, 3)
	errs := make(chan error, len(jobs))
	for i := range jobs {
		jobs[i] = newSileroJob()
		jobs[i].state[0] = float32(i + 1)
		jobs[i].prob = 0.25
	}
	go func() { _, err := b.score(jobs[0]); errs <- err }()
	<-h.started
	for _, j := range jobs[1:] {
		go func() { _, err := b.score(j); errs <- err }()
	}
	waitQueued(t, b, len(jobs)-1)
	close(h.release)
	for range jobs {
		if err := <-errs; !errors.Is(err, ErrInference) {
			t.Errorf("got %v, want ErrInference", err)
		}
	}
	for i, j := range jobs {
		if j.state[0] != float32(i+1) || j.prob != 0.25 {
			t.Errorf("window %d changed after a failed run: state %v, prob %v", i, j.state[0], j.prob)
		}
	}
}

func TestBatchOptions(t *testing.T) {
	cases := []struct {
		name string
		opt  Option
		ok   bool
	}{
		{"max batch 1", WithMaxBatch(1), true},
		{"max batch 4096", WithMaxBatch(4096), true},
		{"max batch 0", WithMaxBatch(0), false},
		{"max batch 4097", WithMaxBatch(4097), false},
		{"one batch at a time", WithConcurrentBatches(1), true},
		{"no batches", WithConcurrentBatches(0), false},
		{"too many batches", WithConcurrentBatches(1025), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := buildOptions([]Option{c.opt})
			if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestSileroBatchedDoesNotAllocate(t *testing.T) {
	// Two streams submit their windows at the same time, so they share
	// batches when the timing allows: no allocation per window once the
	// lane has grown. The second stream runs in a goroutine started once,
	// driven through channels made before the measurement.
	m := testModel(t)
	a, b := newDetector(t, m), newDetector(t, m)
	x := streamAudio(2, 8)
	frame := func(s, i int) audio.Frame {
		i %= 8
		return audio.Frame{Rate: 16000, Samples: x[s][i*sileroWindow : (i+1)*sileroWindow]}
	}
	next, done := make(chan int), make(chan error)
	defer close(next)
	go func() {
		for i := range next {
			_, err := b.Process(frame(1, i))
			done <- err
		}
	}()
	i := 0
	allocs := testing.AllocsPerRun(50, func() {
		next <- i
		if _, err := a.Process(frame(0, i)); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per pair of windows", allocs)
	}
}
