package openai

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// speechRequest is one request as the fake server parsed it.
type speechRequest struct {
	Auth           string  `json:"-"`
	Model          string  `json:"model"`
	Input          string  `json:"input"`
	Voice          string  `json:"voice"`
	ResponseFormat string  `json:"response_format"`
	Speed          float64 `json:"speed"`
	Instructions   *string `json:"instructions"`
	Err            error   `json:"-"`
}

// reply answers one request; n counts requests from 1.
type reply func(w http.ResponseWriter, r *http.Request, n int, req speechRequest)

// fakeServer is an in-process OpenAI-compatible speech server that answers
// each request with the next scripted reply (the last one repeats).
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	replies  []reply
	requests []speechRequest
	arrived  chan int // receives n when request n arrives (dropped when full)
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
	req := parseSpeech(r)
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
func (f *fakeServer) Requests() []speechRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]speechRequest(nil), f.requests...)
}

// URL returns the API root, ending in /v1 like OpenAI's.
func (f *fakeServer) URL() string { return f.Server.URL + "/v1" }

// parseSpeech reads a POST /v1/audio/speech request the way OpenAI's API
// does: a JSON body, unknown fields rejected.
func parseSpeech(r *http.Request) speechRequest {
	req := speechRequest{Auth: r.Header.Get("Authorization")}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/audio/speech":
		req.Err = fmt.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		return req
	case mt != "application/json":
		req.Err = fmt.Errorf("content type %q is not application/json", mt)
		return req
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		req.Err = fmt.Errorf("parsing the body: %w", err)
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

// errorReply answers with an OpenAI error body and optional headers
// (name, value pairs).
func errorReply(status int, msg, typ, param, code string, headers ...string) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ speechRequest) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		writeError(w, status, msg, typ, param, code)
	}
}

// rawReply answers 200 with the content type and body as given.
func rawReply(contentType string, body []byte) reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ speechRequest) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}
}

// part is one write of a streamed answer: wait for gate (when not nil),
// then write data and flush, then drop the connection if drop is set.
type part struct {
	gate <-chan struct{}
	data []byte
	drop bool
}

// streamReply streams parts with chunked encoding, flushing each, like
// OpenAI's speech endpoint. A gate that is never opened holds the answer
// until the client goes away. done is closed when the handler returns.
func streamReply(contentType string, done chan<- struct{}, parts ...part) reply {
	return func(w http.ResponseWriter, r *http.Request, _ int, _ speechRequest) {
		if done != nil {
			defer close(done)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		for _, p := range parts {
			if p.gate != nil {
				select {
				case <-p.gate:
				case <-r.Context().Done():
					return
				}
			}
			if p.drop {
				if conn, _, err := rc.Hijack(); err == nil {
					conn.Close()
				}
				return
			}
			if _, err := w.Write(p.data); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

// hangReply sends no answer until release is closed or the client goes
// away.
func hangReply(release <-chan struct{}) reply {
	return func(_ http.ResponseWriter, r *http.Request, _ int, _ speechRequest) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
}

// tone returns d of a 220 Hz tone at rate as little-endian PCM16 bytes,
// standing in for speech, and its samples.
func tone(rate int, d time.Duration) ([]byte, []int16) {
	samples := make([]int16, audio.SamplesFor(rate, d))
	b := make([]byte, 2*len(samples))
	for i := range samples {
		samples[i] = int16(8000 * math.Sin(2*math.Pi*220*float64(i)/float64(rate)))
		binary.LittleEndian.PutUint16(b[2*i:], uint16(samples[i]))
	}
	return b, samples
}

// wavHeader returns a 16-bit PCM WAV header for mono audio at rate with
// dataSize bytes (0xFFFFFFFF for unknown), channels as given.
func wavHeader(rate, channels int, dataSize uint32) []byte {
	h := make([]byte, 44)
	le := binary.LittleEndian
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], dataSize+36)
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)
	le.PutUint16(h[20:], 1)
	le.PutUint16(h[22:], uint16(channels))
	le.PutUint32(h[24:], uint32(rate))
	le.PutUint32(h[28:], uint32(rate*channels*2))
	le.PutUint16(h[32:], uint16(channels*2))
	le.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	le.PutUint32(h[40:], dataSize)
	return h
}

// recorder is a SpeechWriter that keeps copies of the chunks; onChunk, when
// set, runs for each chunk (its error is returned to the synthesizer).
type recorder struct {
	mu      sync.Mutex
	chunks  []pipeline.SpeechChunk
	onChunk func(n int, c pipeline.SpeechChunk) error
}

// WriteSpeech records a copy of c.
func (r *recorder) WriteSpeech(c pipeline.SpeechChunk) error {
	c.Audio = c.Audio.Clone()
	r.mu.Lock()
	r.chunks = append(r.chunks, c)
	n := len(r.chunks)
	r.mu.Unlock()
	if r.onChunk != nil {
		return r.onChunk(n, c)
	}
	return nil
}

// Chunks returns the chunks written so far.
func (r *recorder) Chunks() []pipeline.SpeechChunk {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pipeline.SpeechChunk(nil), r.chunks...)
}

// Samples returns the audio of all chunks, in order.
func (r *recorder) Samples() []int16 {
	var out []int16
	for _, c := range r.Chunks() {
		out = append(out, c.Audio.Samples...)
	}
	return out
}

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

// newTestSynth returns a Synthesizer for srv with no environment, recorded
// sleeps and jitter fixed at its middle.
func newTestSynth(t *testing.T, srv *fakeServer, sleeps *sleepRecorder, opts ...Option) *Synthesizer {
	t.Helper()
	base := []Option{WithEnv(nil), WithBaseURL(srv.URL()), WithAPIKey("sk-test"),
		WithSleep(sleeps.sleep), WithJitter(func() float64 { return 0.5 })}
	s, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// doerFunc adapts a function to an HTTPDoer.
type doerFunc func(*http.Request) (*http.Response, error)

// Do calls fn(req).
func (fn doerFunc) Do(req *http.Request) (*http.Response, error) { return fn(req) }

// checkRanges checks the text ranges of chunks for text: contiguous, not
// going backwards, at word boundaries, and closed to len(text) by the
// last.
func checkRanges(t testing.TB, chunks []pipeline.SpeechChunk, text string) {
	t.Helper()
	prev := 0
	for i, c := range chunks {
		if c.TextStart != prev || c.TextEnd < c.TextStart || c.TextEnd > len(text) {
			t.Fatalf("chunk %d covers [%d, %d) after [.., %d) in a %d-byte text", i, c.TextStart, c.TextEnd, prev, len(text))
		}
		if e := c.TextEnd; e > 0 && e < len(text) && text[e] != ' ' && i < len(chunks)-1 {
			t.Fatalf("chunk %d ends inside a word: %q|%q", i, text[:e], text[e:])
		}
		prev = c.TextEnd
	}
	if len(chunks) > 0 && prev != len(text) {
		t.Fatalf("the last chunk ends at %d, want %d", prev, len(text))
	}
}

// resampled returns samples at from converted to to as one stream.
func resampled(t testing.TB, samples []int16, from, to int) []int16 {
	t.Helper()
	rs, err := audio.NewResampler(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return rs.Flush(rs.Process(nil, samples))
}
