package espeak

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Typical sentences of a bot's answer: twelve English words, and about as
// long in Mandarin.
const (
	twelveWords    = "Your refund of forty dollars will reach your card within five days."
	mandarinTwelve = "您的四十元退款将在五天内退回您的银行卡。"
)

// discard is a SpeechWriter that counts chunks and samples and notes when
// the first chunk and the first word arrived.
type discard struct {
	start     time.Time
	first     time.Duration
	firstWord time.Duration
	chunks    int
	samples   int
}

func (d *discard) WriteSpeech(c pipeline.SpeechChunk) error {
	if d.chunks == 0 {
		d.first = time.Since(d.start)
	}
	if d.firstWord == 0 && c.TextEnd > c.TextStart {
		d.firstWord = time.Since(d.start)
	}
	d.chunks++
	d.samples += len(c.Audio.Samples)
	return nil
}

// BenchmarkSynthesize measures, for a twelve-word English sentence and a
// Mandarin one at 16 kHz: the real-time factor (xRT), the median time to
// the first chunk (ttfc-ms) and to the first word (ttfw-ms), chunks per
// request and heap allocations per chunk.
func BenchmarkSynthesize(b *testing.B) {
	for _, req := range []pipeline.SpeechRequest{
		{Text: twelveWords, Language: "en", Rate: audio.Rate16k},
		{Text: mandarinTwelve, Language: "zh", Rate: audio.Rate16k},
	} {
		b.Run(req.Language, func(b *testing.B) {
			s := newSynth(b)
			d := discard{start: time.Now()}
			if err := s.Synthesize(context.Background(), req, &d); err != nil {
				b.Fatal(err)
			}
			firsts := make([]time.Duration, 0, b.N)
			words := make([]time.Duration, 0, b.N)
			var audioTime time.Duration
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mallocs, chunks := ms.Mallocs, 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				d = discard{start: time.Now()}
				if err := s.Synthesize(context.Background(), req, &d); err != nil {
					b.Fatal(err)
				}
				firsts = append(firsts, d.first)
				words = append(words, d.firstWord)
				audioTime += time.Duration(d.samples) * time.Second / audio.Rate16k
				chunks += d.chunks
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms)
			slices.Sort(firsts)
			slices.Sort(words)
			b.ReportMetric(float64(b.Elapsed())/float64(audioTime), "xRT")
			b.ReportMetric(float64(firsts[len(firsts)/2])/1e6, "ttfc-ms")
			b.ReportMetric(float64(words[len(words)/2])/1e6, "ttfw-ms")
			b.ReportMetric(float64(chunks)/float64(len(firsts)), "chunks/op")
			b.ReportMetric(float64(ms.Mallocs-mallocs)/float64(chunks), "allocs/chunk")
		})
	}
}

// BenchmarkSynthesizeParallel measures throughput when many calls speak at
// once: espeak-ng synthesizes one clause at a time for the whole process,
// so this is the ceiling of all espeak-ng speech, in seconds of speech per
// second of wall time (speech-s/s: how many callers can be spoken to at
// once), with the median time to the first chunk under that load and the
// process's resident memory.
func BenchmarkSynthesizeParallel(b *testing.B) {
	for _, callers := range []int{4, 32} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			s := newSynth(b)
			req := pipeline.SpeechRequest{Text: twelveWords, Rate: audio.Rate16k}
			var (
				mu     sync.Mutex
				total  time.Duration
				firsts []time.Duration
			)
			b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var local time.Duration
				var lf []time.Duration
				for pb.Next() {
					d := discard{start: time.Now()}
					if err := s.Synthesize(context.Background(), req, &d); err != nil {
						b.Error(err)
						return
					}
					local += time.Duration(d.samples) * time.Second / audio.Rate16k
					lf = append(lf, d.first)
				}
				mu.Lock()
				total += local
				firsts = append(firsts, lf...)
				mu.Unlock()
			})
			slices.Sort(firsts)
			b.ReportMetric(total.Seconds()/b.Elapsed().Seconds(), "speech-s/s")
			if len(firsts) > 0 {
				b.ReportMetric(float64(firsts[len(firsts)/2])/1e6, "ttfc-ms")
			}
			if rss := residentMB(); rss > 0 {
				b.ReportMetric(rss, "rss-MB")
			}
		})
	}
}

// residentMB returns the process's resident set size in MB, or 0.
func residentMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
