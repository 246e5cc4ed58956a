package sphinx

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// discard is a sink that drops results.
type discard struct{}

func (discard) WriteTranscript(pipeline.Transcript) {}

// BenchmarkWriteVoiceSilence measures what a silent caller costs: one 20 ms
// frame per op (ns/op divided by 20 ms is the share of a core). It must not
// allocate.
func BenchmarkWriteVoiceSilence(b *testing.B) {
	r := newRecognizer(b, WithMaxDecoders(1), WithPreloadDecoders(0))
	st, err := r.Open(context.Background(), pipeline.RecognitionConfig{Rate: 16000}, discard{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	vw := st.(pipeline.VoiceWriter)
	f := audio.Frame{Rate: 16000, Samples: silence(audio.FrameDuration)}
	v := pipeline.Voice{Prob: 0.05, Pad: 60 * time.Millisecond}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := vw.WriteVoice(f, v); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s := r.Stats(); s.Pool.Acquired != 0 {
		b.Fatalf("silence acquired a decoder: %+v", s)
	}
}

// BenchmarkWriteSilence measures plain Write (no session voice activity:
// the stream runs the energy detector itself) on a silent line, one 20 ms
// frame per op. It must not allocate.
func BenchmarkWriteSilence(b *testing.B) {
	r := newRecognizer(b, WithMaxDecoders(1), WithPreloadDecoders(0))
	st, err := r.Open(context.Background(), pipeline.RecognitionConfig{Rate: 16000}, discard{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	f := audio.Frame{Rate: 16000, Samples: silence(audio.FrameDuration)}
	for range 50 { // the detector learns the line's noise
		if err := st.Write(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := st.Write(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteVoiceSpeech measures the writer's side of an utterance in
// steady state: one 20 ms frame of speech per op, queued for the decoding
// goroutine. The only decoder is held elsewhere, so the decoding goroutine
// waits and the queue overflows (drop oldest): the writer path alone is
// measured, overflow included. It must not allocate.
func BenchmarkWriteVoiceSpeech(b *testing.B) {
	r := newRecognizer(b, WithMaxDecoders(1), WithPreloadDecoders(1), WithAcquireTimeout(time.Minute),
		WithPartialInterval(0), WithMaxUtterance(10*time.Minute))
	held, err := r.pool.acquire(context.Background(), nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	st, err := r.Open(context.Background(), pipeline.RecognitionConfig{Rate: 16000}, discard{})
	if err != nil {
		b.Fatal(err)
	}
	vw := st.(pipeline.VoiceWriter)
	speech := loadClip(b, "agent_rms.wav").pcm
	n := audio.SamplesFor(16000, audio.FrameDuration)
	v := pipeline.Voice{Prob: 0.9, Speaking: true, Pad: 60 * time.Millisecond}
	frame := func(i int) audio.Frame {
		off := (i * n) % (len(speech) - n)
		return audio.Frame{Rate: 16000, Samples: speech[off : off+n]}
	}
	for i := range 200 { // start the utterance and fill the backlog
		if err := vw.WriteVoice(frame(i), v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if err := vw.WriteVoice(frame(i), v); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	if err := st.Close(); err != nil { // gives up waiting for the decoder
		b.Fatal(err)
	}
	r.pool.release(held, true)
}

// threadCPU returns the CPU time of the calling OS thread.
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecode measures one stream's decoding: an utterance decoded as
// the live path does (20 ms engine calls, partial hypotheses every 200 ms,
// the final with lattice posteriors and n-best), per op. It reports the
// real-time factor in CPU time of the decoding thread (cpu-xRT: the share
// of a core one speaking caller takes) and in wall time (wall-xRT, which
// includes waiting for a busy machine's CPU), and the CPU time of the final
// result once the audio is in (final-cpu-ms: the final's latency on an
// idle core, the grammar pass included).
func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name  string
		hints pipeline.Hints
		clip  string
	}{
		{"open", pipeline.Hints{}, "agent_rms.wav"},
		{"grammar", pipeline.Hints{Grammar: digitsGrammar}, "digits_slt.wav"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := newRecognizer(b, WithMaxDecoders(1), WithPreloadDecoders(1))
			h, err := r.compileHints(tc.hints)
			if err != nil {
				b.Fatal(err)
			}
			pcm := loadClip(b, tc.clip).pcm
			d, err := r.pool.acquire(context.Background(), nil, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer r.pool.release(d, true)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var cpu, final time.Duration
			wall := time.Now()
			b.ResetTimer()
			for b.Loop() {
				ch := channel{band: bandWide}
				c0 := threadCPU(b)
				u, err := r.beginUtterance(d, h, 0, &ch)
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < len(pcm); i += 320 {
					if _, _, err := u.feed(pcm[i:min(i+320, len(pcm))]); err != nil {
						b.Fatal(err)
					}
				}
				c1 := threadCPU(b)
				if _, err := u.finish(); err != nil {
					b.Fatal(err)
				}
				c2 := threadCPU(b)
				cpu += c2 - c0
				final += c2 - c1
			}
			audioDur := float64(b.N) * sampleTime(int64(len(pcm))).Seconds()
			b.ReportMetric(cpu.Seconds()/audioDur, "cpu-xRT")
			b.ReportMetric(time.Since(wall).Seconds()/audioDur, "wall-xRT")
			b.ReportMetric(float64(final.Milliseconds())/float64(b.N), "final-cpu-ms")
		})
	}
}

// rssBytes returns the process's resident set size.
func rssBytes(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(data))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// BenchmarkDecoderLoad measures loading a decoder (per op) and the memory
// each holds (MB/decoder: growth of the process's resident set with all
// of them loaded, the model files' mapped pages included).
func BenchmarkDecoderLoad(b *testing.B) {
	modelOrSkip(b)
	m, err := findModel(resolveModelDir("", os.LookupEnv))
	if err != nil {
		b.Fatal(err)
	}
	var loaded []*decoder
	defer func() {
		for _, d := range loaded {
			d.free()
		}
	}()
	before := rssBytes(b)
	for b.Loop() {
		d, err := newDecoder(m, len(loaded))
		if err != nil {
			b.Fatal(err)
		}
		loaded = append(loaded, d)
	}
	b.ReportMetric(float64(rssBytes(b)-before)/float64(len(loaded))/(1<<20), "MB/decoder")
}

// BenchmarkOpenSilentStream measures the memory of a stream whose caller has
// not spoken yet (B/stream: heap per open stream).
func BenchmarkOpenSilentStream(b *testing.B) {
	r := newRecognizer(b, WithMaxDecoders(1), WithPreloadDecoders(0))
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	streams := make([]pipeline.RecognitionStream, 0, b.N)
	b.ReportAllocs()
	for b.Loop() {
		st, err := r.Open(context.Background(), pipeline.RecognitionConfig{Rate: 16000}, discard{})
		if err != nil {
			b.Fatal(err)
		}
		streams = append(streams, st)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc))/float64(len(streams)), "B/stream")
	for _, st := range streams {
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
