package vad

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// benchFrames cycles d over the 20 ms frames of x, and reports the CPU time
// per second of audio next to ns/op (one op is one 20 ms frame).
func benchFrames(b *testing.B, d Detector, x []int16) {
	b.Helper()
	frames := len(x) / 320
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		j := i % frames
		if _, err := d.Process(audio.Frame{Rate: 16000, Samples: x[j*320 : (j+1)*320]}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)*50, "µs-cpu/s-audio")
}

func speechAndNoise() []int16 {
	return pcm(mix(concat(silence(1), pseudoSpeech(41, -25, 3)), whiteNoise(42, -45, 4)))
}

func BenchmarkEnergyProcess(b *testing.B) {
	b.Run("speech", func(b *testing.B) { benchFrames(b, NewEnergy(), speechAndNoise()) })
	b.Run("noise", func(b *testing.B) { benchFrames(b, NewEnergy(), pcm(whiteNoise(43, -45, 4))) })
	// Digital silence (the caller's line while the bot talks) and a quiet
	// line (-75 dBFS): the early-outs.
	b.Run("silence", func(b *testing.B) { benchFrames(b, NewEnergy(), make([]int16, 4*16000)) })
	b.Run("quiet", func(b *testing.B) { benchFrames(b, NewEnergy(), pcm(whiteNoise(45, -75, 4))) })
}

func BenchmarkSileroProcess(b *testing.B) {
	d := newDetector(b, testModel(b))
	benchFrames(b, d.Silero, speechAndNoise())
}

// BenchmarkSileroParallel scores one stream per goroutine on a shared model:
// the throughput of many concurrent calls.
func BenchmarkSileroParallel(b *testing.B) {
	m := testModel(b)
	x := speechAndNoise()
	// One detector per goroutine, made before the clock starts.
	pool := make(chan *Silero, 64)
	for range cap(pool) {
		d, err := m.NewDetector()
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		pool <- d
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		d := <-pool
		for i := 0; pb.Next(); i++ {
			j := i % (len(x) / 320)
			if _, err := d.Process(audio.Frame{Rate: 16000, Samples: x[j*320 : (j+1)*320]}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSileroBatched scores windows of many streams at once on one
// model, each stream on its own goroutine submitting window after window:
// the batching under load. One op is one window of one stream; ns/op is
// the wall time per window, cpu-µs/window the process CPU time per window
// (inference, batching and scheduling), windows/batch the mean batch size.
func BenchmarkSileroBatched(b *testing.B) {
	for _, c := range []struct{ streams, runners int }{{1, 1}, {8, 1}, {64, 1}, {256, 1}, {64, 2}} {
		name := fmt.Sprintf("streams=%d", c.streams)
		if c.runners > 1 {
			name += fmt.Sprintf(",runners=%d", c.runners)
		}
		b.Run(name, func(b *testing.B) { benchBatched(b, c.streams, c.runners) })
	}
}

func benchBatched(b *testing.B, streams, runners int) {
	m, err := LoadSilero(testModelPath(b), WithConcurrentBatches(runners))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	const windows = 16
	x := streamAudio(streams, windows)
	ds := make([]*Silero, streams)
	for i := range ds {
		if ds[i], err = m.NewDetector(); err != nil {
			b.Fatal(err)
		}
		defer ds[i].Close()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	before, cpu := m.Stats(), cpuTime(b)
	b.ResetTimer()
	for s, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; next.Add(1) <= int64(b.N); i++ {
				w := (i + s) % windows
				if _, err := d.Process(audio.Frame{Rate: 16000, Samples: x[s][w*sileroWindow : (w+1)*sileroWindow]}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	after := m.Stats()
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/window")
	b.ReportMetric(float64(after.Windows-before.Windows)/float64(max(after.Batches-before.Batches, 1)), "windows/batch")
}

// cpuTime returns the process's user and system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkGateProcess(b *testing.B) {
	m := testModel(b)
	for _, c := range []struct {
		name string
		x    []int16
	}{
		{"speech", speechAndNoise()},
		{"silence", pcm(whiteNoise(44, -50, 4))},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := m.NewDetector()
			if err != nil {
				b.Fatal(err)
			}
			g, err := NewGate(NewEnergy(), s, DefaultGateConfig())
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			benchFrames(b, g, c.x)
			st := g.Stats()
			b.ReportMetric(100*float64(st.ModelFrames)/float64(max(st.Frames, 1)), "%model")
		})
	}
}

func BenchmarkSegmenterPush(b *testing.B) {
	s, err := NewSegmenter(DefaultSegmenterConfig())
	if err != nil {
		b.Fatal(err)
	}
	probs := seq(0.0, 10, 0.9, 30, 0.4, 5, 0.0, 30)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Push(probs[i%len(probs)], 20*ms)
	}
}

func BenchmarkRealFFT(b *testing.B) {
	f := newRealFFT()
	var x [fftN]float64
	var out [fftHalf + 1]float64
	for i := range x {
		x[i] = float64(i%7) - 3
	}
	b.ReportAllocs()
	for b.Loop() {
		f.power(&x, &out)
	}
}

// BenchmarkEnergyManyStreams scores 500 streams in turn, as a server with
// 500 calls does: the cost per frame includes bringing each stream's state
// back into the cache. The streams share their tables, as a Factory's do.
func BenchmarkEnergyManyStreams(b *testing.B) {
	for _, c := range []struct {
		name string
		x    []int16
	}{
		{"speech", speechAndNoise()},
		{"silence", make([]int16, 4*16000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			tab := newEnergyTables()
			ds := make([]*Energy, 500)
			for i := range ds {
				ds[i] = newEnergy(tab)
			}
			frames := len(c.x) / 320
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				j := (i / len(ds)) % frames
				if _, err := ds[i%len(ds)].Process(audio.Frame{Rate: 16000, Samples: c.x[j*320 : (j+1)*320]}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
