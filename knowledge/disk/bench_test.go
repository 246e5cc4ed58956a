package disk_test

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/disk"
	"github.com/parley-voice/parley/knowledge/hashed"
	"github.com/parley-voice/parley/knowledge/internal/kbtest"
)

// bench10k opens a disk store at a new file and fills it with the
// retail base plus synthetic chunks up to 10,000.
func bench10k(b *testing.B) (*disk.Store, *hashed.Embedder) {
	b.Helper()
	ctx := context.Background()
	s, err := disk.Open(ctx, disk.WithPath(filepath.Join(b.TempDir(), "k.db")))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	emb, err := hashed.New()
	if err != nil {
		b.Fatal(err)
	}
	kbtest.Fill(b, s, emb, kbtest.Synthesize(b, 10000, 20, 1))
	return s, emb
}

// questions returns the development questions (never the held-out ones).
func questions(b *testing.B) []string {
	b.Helper()
	var qs []string
	for _, name := range []string{"dev.en.jsonl"} {
		for _, q := range kbtest.Questions(b, name) {
			qs = append(qs, q.Question)
		}
	}
	return qs
}

// timer records the wall-clock and thread CPU time of each iteration:
// on a shared machine the wall clock includes time spent waiting for a
// core, the CPU time does not.
type timer struct {
	wall, cpu []time.Duration
	startW    time.Time
	startC    time.Duration
}

func newTimer(n int) *timer {
	runtime.LockOSThread()
	return &timer{wall: make([]time.Duration, 0, n), cpu: make([]time.Duration, 0, n)}
}

func (t *timer) start() { t.startW, t.startC = time.Now(), kbtest.ThreadCPU() }

func (t *timer) stop() {
	t.cpu = append(t.cpu, kbtest.ThreadCPU()-t.startC)
	t.wall = append(t.wall, time.Since(t.startW))
}

// report reports the median and 99th percentile of both clocks.
func (t *timer) report(b *testing.B) {
	runtime.UnlockOSThread()
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"", t.wall}, {"cpu-", t.cpu}} {
		slices.Sort(m.d)
		b.ReportMetric(float64(knowledge.Percentile(m.d, 0.5).Microseconds()), m.name+"p50-µs")
		b.ReportMetric(float64(knowledge.Percentile(m.d, 0.99).Microseconds()), m.name+"p99-µs")
	}
}

// BenchmarkSearch10k measures Base.Search (BM25, hashed query vector,
// brute-force cosine over the disk store's vectors, fusion) over 10,000
// chunks of 1024 dimensions, with the development questions. It reports
// the median and 99th percentile latency by wall clock (p50-µs, p99-µs)
// and by the thread's CPU time (cpu-p50-µs, cpu-p99-µs), which leaves
// out the time spent waiting for a core on a busy machine.
func BenchmarkSearch10k(b *testing.B) {
	s, emb := bench10k(b)
	base, err := knowledge.Open(s, emb)
	if err != nil {
		b.Fatal(err)
	}
	qs := questions(b)
	ctx := context.Background()
	tm := newTimer(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tm.start()
		hits, err := base.Search(ctx, qs[i%len(qs)], knowledge.SearchOptions{K: 5, Language: "en"})
		tm.stop()
		if err != nil || len(hits) == 0 {
			b.Fatalf("search %q: %v, %d hits", qs[i%len(qs)], err, len(hits))
		}
	}
	b.StopTimer()
	tm.report(b)
}

// BenchmarkNearest10k measures the store's vector search alone; beyond
// the result it allocates nothing.
func BenchmarkNearest10k(b *testing.B) {
	s, emb := bench10k(b)
	ctx := context.Background()
	qs := questions(b)
	vecs := make([][]float32, len(qs))
	for i, q := range qs {
		v, err := emb.EmbedQuery(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		vecs[i] = v
	}
	tm := newTimer(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tm.start()
		_, err := s.Nearest(ctx, vecs[i%len(vecs)], 50, "en")
		tm.stop()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	tm.report(b)
}
