package openai

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/stt"
)

// doerFunc adapts a function to an HTTPDoer.
type doerFunc func(*http.Request) (*http.Response, error)

// Do calls fn(req).
func (fn doerFunc) Do(req *http.Request) (*http.Response, error) { return fn(req) }

// FuzzServerAnswer feeds arbitrary answers (status, header, body) through
// the whole client path: go-openai's decoding, error classification and the
// mapping to a Transcript.
func FuzzServerAnswer(f *testing.F) {
	f.Add(200, "", []byte(beachJSON))
	f.Add(200, "", []byte(`{"text":"hi","segments":[{"start":5,"end":-1,"avg_logprob":3,"no_speech_prob":-2,"text":"hi"}],"words":[{"word":" hi ","start":1e300,"end":-1e300}]}`))
	f.Add(401, "", []byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`))
	f.Add(404, "", []byte(`{"error":{"message":["a","b"],"type":"x","code":404}}`))
	f.Add(429, "Mon, 02 Jan 2006 15:04:05 GMT", []byte(`{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`))
	f.Add(503, "12", []byte("<html>unavailable</html>"))
	f.Add(422, "", []byte(`{"detail":[{"loc":["body","response_format"]}]}`))
	f.Fuzz(func(t *testing.T, status int, retryAfterHeader string, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		doer := doerFunc(func(req *http.Request) (*http.Response, error) {
			h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {retryAfterHeader}}
			return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: h,
				Body: io.NopCloser(strings.NewReader(string(body))), Request: req}, nil
		})
		cfg := DefaultConfig()
		cfg.APIKey, cfg.Retries = "sk-fuzz", 0
		tr, err := NewTranscriber(WithEnv(nil), WithConfig(cfg), WithHTTPClient(doer))
		if err != nil {
			t.Fatal(err)
		}
		dur := 2 * time.Second
		got, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(8000, dur)})
		if err != nil {
			checkFuzzError(t, status, err)
			return
		}
		checkFuzzTranscript(t, got, dur)
	})
}

// checkFuzzError checks that a failure is classified.
func checkFuzzError(t *testing.T, status int, err error) {
	t.Helper()
	known := []error{ErrAuth, ErrForbidden, ErrModel, ErrEndpoint, ErrRateLimited, ErrQuota,
		ErrBadRequest, ErrUnavailable, ErrTimeout, ErrResponse}
	found := false
	for _, k := range known {
		found = found || errors.Is(err, k)
	}
	if !found {
		t.Fatalf("unclassified error for status %d: %v", status, err)
	}
	var api *APIError
	if status >= 400 && (!errors.As(err, &api) || api.StatusCode != status || api.RetryAfter < 0) {
		t.Fatalf("status %d gave %v, want an *APIError with that status", status, err)
	}
}

// checkFuzzTranscript checks the invariants of a Transcript for an
// utterance of dur.
func checkFuzzTranscript(t *testing.T, got stt.Transcript, dur time.Duration) {
	t.Helper()
	if !got.Final || got.End != dur || got.Confidence < 0 || got.Confidence > 1 {
		t.Fatalf("bad transcript %+v", got)
	}
	if got.Text == "" && len(got.Words) > 0 {
		t.Fatalf("words %v without text", got.Words)
	}
	for _, w := range got.Words {
		if w.Text == "" || w.Start < 0 || w.End < w.Start || w.End > dur {
			t.Fatalf("bad word %+v in a %v utterance", w, dur)
		}
	}
}

// FuzzRetryAfter checks that any Retry-After header gives a sane wait.
func FuzzRetryAfter(f *testing.F) {
	f.Add("", "120")
	f.Add("1500", "")
	f.Add("", "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add("-5", "1e400")
	f.Add("NaN", "Inf")
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ms, after string) {
		h := http.Header{}
		h.Set("retry-after-ms", ms)
		h.Set("Retry-After", after)
		if d := retryAfter(h, now); d < 0 || d > 1e6*time.Second {
			t.Fatalf("retryAfter(%q, %q) = %v", ms, after, d)
		}
	})
}
