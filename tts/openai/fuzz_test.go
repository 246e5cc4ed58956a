package openai

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline"
)

// chunkedReader returns its data in reads of the given sizes (cycled), as a
// network body does.
type chunkedReader struct {
	data  []byte
	sizes []byte
	i     int
}

// Read returns up to the next size of bytes.
func (r *chunkedReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(r.data)
	if len(r.sizes) > 0 {
		n = int(r.sizes[r.i%len(r.sizes)]) + 1
		r.i++
	}
	n = copy(p, r.data[:min(n, len(r.data))])
	r.data = r.data[n:]
	return n, nil
}

// FuzzAnswer feeds arbitrary 200 answers, cut into arbitrary reads, through
// the whole path: format detection, WAV headers, odd byte counts,
// resampling and text ranges.
func FuzzAnswer(f *testing.F) {
	pcm, _ := tone(24000, 100*time.Millisecond)
	f.Add("audio/pcm", pcm, []byte{0, 1, 2}, "Hello there, friend.")
	f.Add("audio/wav", append(wavHeader(22050, 1, 0xFFFFFFFF), pcm[:999]...), []byte{40}, "好的，谢谢。")
	f.Add("", append(wavHeader(8000, 1, 10), pcm...), []byte{}, "a")
	f.Add("application/octet-stream", []byte("OggS"), []byte{1}, "x y")
	f.Add("application/json", []byte(`{"error":"none"}`), []byte{}, "x")
	f.Fuzz(func(t *testing.T, contentType string, body, sizes []byte, text string) {
		if !utf8.ValidString(text) || len(text) > 200 || len(body) > 1<<16 {
			return
		}
		doer := doerFunc(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {contentType}},
				Body: io.NopCloser(&chunkedReader{data: body, sizes: sizes}), Request: req}, nil
		})
		s, err := New(WithEnv(nil), WithAPIKey("sk-fuzz"), WithHTTPClient(doer))
		if err != nil {
			t.Fatal(err)
		}
		w := &recorder{}
		err = s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: text, Rate: 16000}, w)
		chunks := w.Chunks()
		for i, c := range chunks {
			if c.Audio.Rate != 16000 || len(c.Audio.Samples) == 0 {
				t.Fatalf("chunk %d: %d samples at %d Hz", i, len(c.Audio.Samples), c.Audio.Rate)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrResponse) && !errors.Is(err, ErrStream) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if len(chunks) > 0 {
			checkFuzzRanges(t, chunks, text)
		}
	})
}

// checkFuzzRanges checks that ranges are contiguous, within the text and
// closed by the last chunk.
func checkFuzzRanges(t *testing.T, chunks []pipeline.SpeechChunk, text string) {
	t.Helper()
	prev := 0
	for i, c := range chunks {
		if c.TextStart != prev || c.TextEnd < c.TextStart || c.TextEnd > len(text) {
			t.Fatalf("chunk %d covers [%d, %d) after %d in %q", i, c.TextStart, c.TextEnd, prev, text)
		}
		prev = c.TextEnd
	}
	if prev != len(text) {
		t.Fatalf("ranges end at %d of %d", prev, len(text))
	}
}

// FuzzWAVHeader checks that any header is either refused with ErrFormat or
// gives a sane rate, without reading past the header limit.
func FuzzWAVHeader(f *testing.F) {
	f.Add(wavHeader(24000, 1, 100))
	f.Add(wavHeader(44100, 2, 0xFFFFFFFF))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEJUNK\x03\x00\x00\x00abc\x00fmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		src, rate, err := readWAVHeader(r)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if rate < 1000 || rate > 384000 || src == nil {
			t.Fatalf("rate %d", rate)
		}
		if consumed := len(data) - r.Len(); consumed > maxWAVHeader+128 {
			t.Fatalf("read %d header bytes", consumed)
		}
	})
}

// FuzzEstimator checks the text range invariants for any text and any
// sequence of chunk lengths.
func FuzzEstimator(f *testing.F) {
	f.Add("I can help you return the jacket.", []byte{10, 200, 0, 255})
	f.Add("好的，谢谢。", []byte{1, 1, 1})
	f.Add("  ", []byte{5})
	f.Add("a\u00a0b\u3000c", []byte{0, 9})
	f.Fuzz(func(t *testing.T, text string, steps []byte) {
		e := newEstimator(text, 14, 16000)
		var played int64
		prev := 0
		for _, s := range steps {
			played += int64(s) * 100
			start, end := e.advance(played)
			if start != prev || end < start || end > len(text) {
				t.Fatalf("advance gave [%d, %d) after %d in %q", start, end, prev, text)
			}
			if end == len(text) && len(text) > 0 && e.bounds[len(e.bounds)-1].off == len(text) {
				t.Fatalf("advance claimed the last word of %q", text)
			}
			prev = end
		}
		start, end := e.final()
		if start != prev || end != len(text) {
			t.Fatalf("final gave [%d, %d), want [%d, %d)", start, end, prev, len(text))
		}
	})
}
