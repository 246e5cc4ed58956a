package openai

import (
	"context"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline/audio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// transcriptionRequest is one request as the fake server parsed it, the way
// OpenAI's API reads the multipart form.
type transcriptionRequest struct {
	Path, Auth, ContentType string
	Model, Format, Language string
	Prompt                  string
	HasPrompt               bool
	Granularities           []string
	FileName, FileType      string
	WAV                     *audio.WAV
	Err                     error // what was wrong with the request
}

// reply answers one request; n counts requests from 1.
type reply func(w http.ResponseWriter, r *http.Request, n int, req transcriptionRequest)

// fakeServer is an in-process OpenAI-compatible transcription server that
// answers each request with the next scripted reply (the last one repeats).
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	replies  []reply
	requests []transcriptionRequest
	arrived  chan int // receives n when request n arrives (buffered, dropped when full)
}

// newFakeServer starts a server that answers with replies in order.
func newFakeServer(t *testing.T, replies ...reply) *fakeServer {
	t.Helper()
	f := &fakeServer{replies: replies, arrived: make(chan int, 16)}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// serve parses the request and runs the scripted reply.
func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	req := parseTranscription(r)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	n := len(f.requests)
	rep := f.replies[min(n, len(f.replies))-1]
	f.mu.Unlock()
	select {
	case f.arrived <- n:
	default:
	}
	if req.Err != nil {
		writeError(w, http.StatusBadRequest, req.Err.Error(), "invalid_request_error", "", "")
		return
	}
	rep(w, r, n, req)
}

// Requests returns a copy of the requests received so far.
func (f *fakeServer) Requests() []transcriptionRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]transcriptionRequest(nil), f.requests...)
}

// URL returns the API root, ending in /v1 like OpenAI's.
func (f *fakeServer) URL() string { return f.Server.URL + "/v1" }

// parseTranscription reads a POST /v1/audio/transcriptions request.
func parseTranscription(r *http.Request) transcriptionRequest {
	req := transcriptionRequest{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
	mt, _, err := mime.ParseMediaType(req.ContentType)
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions":
		req.Err = fmt.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		return req
	case err != nil || mt != "multipart/form-data":
		req.Err = fmt.Errorf("content type %q is not multipart/form-data", req.ContentType)
		return req
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		req.Err = fmt.Errorf("parsing the form: %w", err)
		return req
	}
	form := r.MultipartForm
	req.Model = r.FormValue("model")
	req.Format = r.FormValue("response_format")
	req.Language = r.FormValue("language")
	_, req.HasPrompt = form.Value["prompt"]
	req.Prompt = r.FormValue("prompt")
	req.Granularities = form.Value["timestamp_granularities[]"]
	file, hdr, err := r.FormFile("file")
	if err != nil {
		req.Err = fmt.Errorf("the file field: %w", err)
		return req
	}
	defer file.Close()
	req.FileName, req.FileType = hdr.Filename, hdr.Header.Get("Content-Type")
	if req.WAV, err = audio.ReadWAV(file); err != nil {
		req.Err = fmt.Errorf("the file is not a WAV: %w", err)
	}
	return req
}

// writeError answers with OpenAI's error JSON.
func writeError(w http.ResponseWriter, status int, msg, typ, param, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	p, c := "null", "null"
	if param != "" {
		p = fmt.Sprintf("%q", param)
	}
	if code != "" {
		c = fmt.Sprintf("%q", code)
	}
	fmt.Fprintf(w, `{"error": {"message": %q, "type": %q, "param": %s, "code": %s}}`, msg, typ, p, c)
}

// jsonReply answers 200 with body as application/json.
func jsonReply(body string) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ transcriptionRequest) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

// errorReply answers with an OpenAI error body and optional headers
// (name, value pairs).
func errorReply(status int, msg, typ, param, code string, headers ...string) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ transcriptionRequest) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		writeError(w, status, msg, typ, param, code)
	}
}

// rawReply answers with status, content type and body as given.
func rawReply(status int, contentType, body string) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ transcriptionRequest) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// hangReply never answers: it returns when release is closed or the client
// goes away.
func hangReply(release <-chan struct{}) reply {
	return func(_ http.ResponseWriter, r *http.Request, _ int, _ transcriptionRequest) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
}

// beachJSON is the verbose_json answer from OpenAI's API reference for
// word and segment timestamps, trimmed to its first sentence.
const beachJSON = `{
  "task": "transcribe",
  "language": "english",
  "duration": 3.319999933242798,
  "text": "The beach was a popular spot on a hot summer day.",
  "segments": [
    {
      "id": 0,
      "seek": 0,
      "start": 0.0,
      "end": 3.319999933242798,
      "text": " The beach was a popular spot on a hot summer day.",
      "tokens": [50364, 440, 7534, 390, 257, 3743, 4008, 322, 257, 2368, 4266, 786, 13, 50530],
      "temperature": 0.0,
      "avg_logprob": -0.2860786020755768,
      "compression_ratio": 1.2363636493682861,
      "no_speech_prob": 0.00985979475080967
    }
  ],
  "words": [
    {"word": "The", "start": 0.0, "end": 0.23999999463558197},
    {"word": "beach", "start": 0.23999999463558197, "end": 0.6200000047683716},
    {"word": "was", "start": 0.6200000047683716, "end": 0.8999999761581421},
    {"word": "a", "start": 0.8999999761581421, "end": 1.0},
    {"word": "popular", "start": 1.0, "end": 1.4199999570846558},
    {"word": "spot", "start": 1.4199999570846558, "end": 1.7799999713897705},
    {"word": "on", "start": 1.7799999713897705, "end": 1.9800000190734863},
    {"word": "a", "start": 1.9800000190734863, "end": 2.0799999237060547},
    {"word": "hot", "start": 2.0799999237060547, "end": 2.299999952316284},
    {"word": "summer", "start": 2.299999952316284, "end": 2.5999999046325684},
    {"word": "day", "start": 2.5999999046325684, "end": 3.319999933242798}
  ]
}`

// beachConfidence is exp(avg_logprob) * (1 - no_speech_prob) of beachJSON.
var beachConfidence = math.Exp(-0.2860786020755768) * (1 - 0.00985979475080967)

// sleepRecorder is a WithSleep function that records the waits and returns
// at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

// sleep records d.
func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

// Waits returns the recorded waits.
func (s *sleepRecorder) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newTestTranscriber returns a Transcriber for srv with no environment,
// recorded sleeps and jitter fixed at its middle.
func newTestTranscriber(t *testing.T, srv *fakeServer, sleeps *sleepRecorder, opts ...Option) *Transcriber {
	t.Helper()
	base := []Option{WithEnv(nil), WithBaseURL(srv.URL()), WithAPIKey("sk-test"),
		WithSleep(sleeps.sleep), WithJitter(func() float64 { return 0.5 })}
	tr, err := NewTranscriber(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewTranscriber: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// speech returns d of a 220 Hz tone at rate, standing in for speech.
func speech(rate int, d time.Duration) audio.Frame {
	f := audio.NewFrame(rate, d)
	for i := range f.Samples {
		f.Samples[i] = int16(8000 * math.Sin(2*math.Pi*220*float64(i)/float64(rate)))
	}
	return f
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
