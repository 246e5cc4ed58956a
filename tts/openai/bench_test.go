package openai

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// loopReader returns data over and over in reads of at most size bytes,
// like a network body that never ends.
type loopReader struct {
	data []byte
	off  int
	size int
}

// Read copies the next bytes of the loop.
func (r *loopReader) Read(p []byte) (int, error) {
	n := copy(p[:min(len(p), r.size)], r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

// BenchmarkStreamStep measures the per-chunk path (read, decode, resample
// 24 to 16 kHz, text range, write) in steady state; it must not allocate.
func BenchmarkStreamStep(b *testing.B) {
	pcm, _ := tone(24000, time.Second)
	rs, err := audio.NewResampler(24000, 16000)
	if err != nil {
		b.Fatal(err)
	}
	est := newEstimator(sentence, 14, 16000)
	var samples int
	w := pipeline.SpeechWriterFunc(func(c pipeline.SpeechChunk) error {
		samples += len(c.Audio.Samples)
		return nil
	})
	st := newStreamer(&loopReader{data: pcm, size: 1001}, 24000, rs, est, w, 16000)
	st.watchdog, st.timeout = time.AfterFunc(time.Hour, func() {}), time.Hour
	defer st.watchdog.Stop()
	b.ReportAllocs()
	for b.Loop() {
		if done, werr, err := st.step(); done || werr != nil || err != nil {
			b.Fatal(done, werr, err)
		}
	}
	b.ReportMetric(float64(samples)/float64(b.N), "samples/op")
}

// BenchmarkSynthesize measures one 3 s sentence end to end against an
// in-memory server: request, streaming, resampling and chunking.
func BenchmarkSynthesize(b *testing.B) {
	pcm, _ := tone(24000, 3*time.Second)
	doer := doerFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"audio/pcm"}},
			Body: io.NopCloser(&chunkedReader{data: pcm, sizes: []byte{255, 127}}), Request: req}, nil
	})
	s, err := New(WithEnv(nil), WithAPIKey("sk-bench"), WithHTTPClient(doer))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	w := pipeline.SpeechWriterFunc(func(pipeline.SpeechChunk) error { return nil })
	req := pipeline.SpeechRequest{Text: sentence, Rate: 16000}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Synthesize(context.Background(), req, w); err != nil {
			b.Fatal(err)
		}
	}
}
