package openai

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/stt"
)

// BenchmarkToTranscript measures mapping a verbose_json answer to a
// Transcript (once per utterance).
func BenchmarkToTranscript(b *testing.B) {
	var r goopenai.AudioResponse
	if err := json.Unmarshal([]byte(beachJSON), &r); err != nil {
		b.Fatal(err)
	}
	th := silence{0.6, -1}
	b.ReportAllocs()
	for b.Loop() {
		if tr := toTranscript(&r, 3400*time.Millisecond, th); len(tr.Words) != 11 {
			b.Fatal(tr)
		}
	}
}

// BenchmarkTranscribe measures the client side of one 3.4 s utterance at
// 16 kHz: WAV and multipart encoding, the request, JSON decoding and
// mapping, against an in-memory server.
func BenchmarkTranscribe(b *testing.B) {
	doer := doerFunc(func(req *http.Request) (*http.Response, error) {
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return nil, err
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(beachJSON)), Request: req}, nil
	})
	tr, err := NewTranscriber(WithEnv(nil), WithAPIKey("sk-bench"), WithHTTPClient(doer))
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	u := stt.Utterance{Audio: speech(16000, 3400*time.Millisecond), Language: "en", Hints: stt.Hints{Phrases: []string{"beach"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Transcribe(context.Background(), u); err != nil {
			b.Fatal(err)
		}
	}
}
