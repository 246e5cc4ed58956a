package flite

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

// twelveWords is a typical sentence of a bot's answer.
const twelveWords = "Your refund of forty dollars will reach your card within five days."

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

// BenchmarkSynthesize measures, per voice and for the twelve-word
// sentence at 16 kHz: the real-time factor (synthesis time over audio
// time, xRT), the median time to the first chunk (ttfc-ms, the leading
// silence) and to the first word (ttfw-ms), chunks per request and heap
// allocations per chunk.
func BenchmarkSynthesize(b *testing.B) {
	for _, voice := range []string{"slt", "rms", "awb", "kal", "kal16"} {
		b.Run(voice, func(b *testing.B) {
			s := newSynth(b, WithVoice(voice))
			req := pipeline.SpeechRequest{Text: twelveWords, Rate: audio.Rate16k}
			var d discard
			d.start = time.Now()
			if err := s.Synthesize(context.Background(), req, &d); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			firsts := make([]time.Duration, 0, b.N)
			words := make([]time.Duration, 0, b.N)
			var audioTime time.Duration
			var mallocs uint64
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mallocs = ms.Mallocs
			chunks := 0
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

// BenchmarkSynthesizeRates measures the cost of resampling slt's 16 kHz
// to the other rates.
func BenchmarkSynthesizeRates(b *testing.B) {
	s := newSynth(b)
	for _, rate := range []int{audio.Rate8k, audio.Rate16k, audio.Rate24k, audio.Rate48k} {
		b.Run(fmt.Sprintf("%dHz", rate), func(b *testing.B) {
			req := pipeline.SpeechRequest{Text: twelveWords, Rate: rate}
			b.ReportAllocs()
			var audioTime time.Duration
			for b.Loop() {
				d := discard{start: time.Now()}
				if err := s.Synthesize(context.Background(), req, &d); err != nil {
					b.Fatal(err)
				}
				audioTime += time.Duration(d.samples) * time.Second / time.Duration(rate)
			}
			b.ReportMetric(float64(b.Elapsed())/float64(audioTime), "xRT")
		})
	}
}

// BenchmarkSynthesizeParallel measures throughput with every CPU busy:
// seconds of slt speech synthesized per second of wall time (speech-s/s,
// the number of callers that can be spoken to at once), and the process's
// resident memory.
func BenchmarkSynthesizeParallel(b *testing.B) {
	s := newSynth(b)
	req := pipeline.SpeechRequest{Text: twelveWords, Rate: audio.Rate16k}
	var (
		mu    sync.Mutex
		total time.Duration
	)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var local time.Duration
		for pb.Next() {
			d := discard{start: time.Now()}
			if err := s.Synthesize(context.Background(), req, &d); err != nil {
				b.Error(err)
				return
			}
			local += time.Duration(d.samples) * time.Second / audio.Rate16k
		}
		mu.Lock()
		total += local
		mu.Unlock()
	})
	b.ReportMetric(total.Seconds()/b.Elapsed().Seconds(), "speech-s/s")
	if rss := residentMB(); rss > 0 {
		b.ReportMetric(rss, "rss-MB")
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
