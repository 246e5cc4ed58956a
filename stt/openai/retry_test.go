package openai

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/stt"
)

func TestTranscribeErrors(t *testing.T) {
	cases := []struct {
		desc      string
		replies   []reply
		wantErr   error
		wantCalls int
		wantCode  int    // status of the *APIError, 0 when none is expected
		wantMsg   string // part of the error text
	}{
		{desc: "401 is an auth error and is not retried",
			replies: []reply{errorReply(401, "Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "", "invalid_api_key")},
			wantErr: ErrAuth, wantCalls: 1, wantCode: 401, wantMsg: "set OPENAI_API_KEY or stt.openai.api_key"},
		{desc: "403 is not retried",
			replies: []reply{errorReply(403, "You are not allowed to sample from this model", "invalid_request_error", "", "")},
			wantErr: ErrForbidden, wantCalls: 1, wantCode: 403},
		{desc: "404 for the model names the model setting",
			replies: []reply{errorReply(404, "The model `whisper-9` does not exist or you do not have access to it.", "invalid_request_error", "", "model_not_found")},
			wantErr: ErrModel, wantCalls: 1, wantCode: 404, wantMsg: "stt.openai.model"},
		{desc: "a plain 404 page names the base URL",
			replies: []reply{rawReply(404, "text/plain; charset=utf-8", "404 page not found\n")},
			wantErr: ErrEndpoint, wantCalls: 1, wantCode: 404, wantMsg: "404 page not found"},
		{desc: "a bad request is not retried",
			replies: []reply{errorReply(400, "Audio file is too short. Minimum audio length is 0.1 seconds.", "invalid_request_error", "file", "audio_too_short")},
			wantErr: ErrBadRequest, wantCalls: 1, wantCode: 400, wantMsg: "too short"},
		{desc: "429 insufficient_quota is not retried",
			replies: []reply{errorReply(429, "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "", "insufficient_quota")},
			wantErr: ErrQuota, wantCalls: 1, wantCode: 429},
		{desc: "500 on every attempt gives up after the retries",
			replies: []reply{errorReply(500, "The server had an error while processing your request. Sorry about that!", "server_error", "", "")},
			wantErr: ErrUnavailable, wantCalls: 3, wantCode: 500, wantMsg: "gave up after 3 attempts"},
		{desc: "502 from a proxy with an HTML body is retried",
			replies: []reply{rawReply(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")},
			wantErr: ErrUnavailable, wantCalls: 3, wantCode: 502, wantMsg: "502 Bad Gateway"},
		{desc: "a dropped connection is retried",
			replies: []reply{dropConnection},
			wantErr: ErrUnavailable, wantCalls: 3},
		{desc: "x-should-retry false stops a 503 from being retried",
			replies: []reply{errorReply(503, "overloaded", "server_error", "", "", "x-should-retry", "false")},
			wantErr: ErrUnavailable, wantCalls: 1, wantCode: 503},
		{desc: "malformed JSON in a 200 is a response error and is not retried",
			replies: []reply{rawReply(200, "application/json", `{"text": "hello",, "words": []}`)},
			wantErr: ErrResponse, wantCalls: 1},
		{desc: "JSON cut short is a response error worth retrying",
			replies: []reply{rawReply(200, "application/json", `{"text": "hello", "words": [`)},
			wantErr: ErrResponse, wantCalls: 3, wantMsg: "cut short"},
		{desc: "JSON of the wrong shape is a response error",
			replies: []reply{rawReply(200, "application/json", `{"text": 42}`)},
			wantErr: ErrResponse, wantCalls: 1},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, tc.replies...)
			tr := newTestTranscriber(t, srv, &sleepRecorder{})
			_, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, time.Second)})
			checkFailure(t, err, tc.wantErr, tc.wantCode, tc.wantMsg)
			if n := len(srv.Requests()); n != tc.wantCalls {
				t.Errorf("server got %d requests, want %d", n, tc.wantCalls)
			}
		})
	}
}

// checkFailure checks that err wraps want, is an *APIError with status
// code when code is not 0, and says msg.
func checkFailure(t *testing.T, err, want error, code int, msg string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	var api *APIError
	if got := errors.As(err, &api); got != (code != 0) || (got && api.StatusCode != code) {
		t.Errorf("APIError %+v, want status %d", api, code)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not say %q", err, msg)
	}
}

func TestTranscribeRetriesThenSucceeds(t *testing.T) {
	srv := newFakeServer(t,
		errorReply(500, "The server had an error while processing your request.", "server_error", "", ""),
		rawReply(503, "text/plain", "upstream connect error"),
		jsonReply(beachJSON))
	sleeps := &sleepRecorder{}
	tr := newTestTranscriber(t, srv, sleeps)
	got, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, 3400*time.Millisecond)})
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	if got.Text == "" || len(srv.Requests()) != 3 {
		t.Fatalf("got %q after %d requests, want the text after 3", got.Text, len(srv.Requests()))
	}
	// Backoff 200ms then 400ms, with the jitter fixed at 0.5: 3/4 of each.
	want := []time.Duration{150 * time.Millisecond, 300 * time.Millisecond}
	if w := sleeps.Waits(); len(w) != 2 || w[0] != want[0] || w[1] != want[1] {
		t.Errorf("waits %v, want %v", w, want)
	}
}

func TestTranscribeHonoursRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		desc     string
		header   []string
		wantWait time.Duration
		wantErr  error
	}{
		{desc: "Retry-After in seconds", header: []string{"Retry-After", "1"}, wantWait: time.Second},
		{desc: "retry-after-ms wins over Retry-After", header: []string{"retry-after-ms", "750", "Retry-After", "1"}, wantWait: 750 * time.Millisecond},
		{desc: "Retry-After as an HTTP date", header: []string{"Retry-After", now.Add(2 * time.Second).Format(http.TimeFormat)}, wantWait: 2 * time.Second},
		{desc: "a shorter Retry-After than the backoff keeps the backoff", header: []string{"retry-after-ms", "10"}, wantWait: 150 * time.Millisecond},
		{desc: "a Retry-After over max_backoff fails at once", header: []string{"Retry-After", "30"}, wantErr: ErrRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t,
				errorReply(429, "Rate limit reached for whisper-1 in organization org-x on requests per min (RPM): Limit 50, Used 50, Requested 1.", "requests", "", "rate_limit_exceeded", tc.header...),
				jsonReply(beachJSON))
			sleeps := &sleepRecorder{}
			tr := newTestTranscriber(t, srv, sleeps, WithNow(func() time.Time { return now }))
			_, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, time.Second)})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				var api *APIError
				if !errors.As(err, &api) || api.RetryAfter != 30*time.Second || len(srv.Requests()) != 1 {
					t.Errorf("got %v after %d requests, want the 30s Retry-After without a retry", err, len(srv.Requests()))
				}
				return
			}
			if w := sleeps.Waits(); len(w) != 1 || w[0] != tc.wantWait {
				t.Errorf("waits %v, want [%v]", w, tc.wantWait)
			}
		})
	}
}

func TestTranscribeRetryDoesNotOutliveTheDeadline(t *testing.T) {
	srv := newFakeServer(t, errorReply(500, "boom", "server_error", "", ""))
	sleeps := &sleepRecorder{}
	tr := newTestTranscriber(t, srv, sleeps)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := tr.Transcribe(ctx, stt.Utterance{Audio: speech(16000, time.Second)})
	if !errors.Is(err, ErrUnavailable) || len(sleeps.Waits()) != 0 {
		t.Fatalf("err %v after waits %v; want ErrUnavailable without waiting past the deadline", err, sleeps.Waits())
	}
}

func TestTranscribeTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newFakeServer(t, hangReply(release))
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.Timeout, cfg.Retries = srv.URL(), "sk-test", 100*time.Millisecond, 1
	tr := newTestTranscriber(t, srv, &sleepRecorder{}, WithConfig(cfg))
	start := time.Now()
	_, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, time.Second)})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server got %d requests, want 2 (a timeout is retried)", n)
	}
	if el := time.Since(start); el > 20*cfg.Timeout {
		t.Errorf("gave up after %v with a %v timeout per attempt", el, cfg.Timeout)
	}
}

func TestTranscribeStopsWhenCancelled(t *testing.T) {
	cases := []struct {
		desc  string
		reply reply
		sleep bool // use the real sleep, so the cancel lands in the backoff
	}{
		{desc: "cancel while the server is working", reply: nil},
		{desc: "cancel during the backoff", reply: errorReply(500, "boom", "server_error", "", ""), sleep: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			rep := tc.reply
			if rep == nil {
				rep = hangReply(release)
			}
			srv := newFakeServer(t, rep)
			cfg := DefaultConfig()
			cfg.BaseURL, cfg.APIKey, cfg.Backoff, cfg.MaxBackoff = srv.URL(), "sk-test", time.Minute, time.Hour
			opts := []Option{WithConfig(cfg)}
			if tc.sleep {
				opts = append(opts, WithSleep(sleepContext))
			}
			tr := newTestTranscriber(t, srv, &sleepRecorder{}, opts...)
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-srv.arrived
				cancel()
			}()
			_, err := tr.Transcribe(ctx, stt.Utterance{Audio: speech(16000, time.Second)})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("server got %d requests, want 1", n)
			}
		})
	}
}

func TestTranscribeFormatFallback(t *testing.T) {
	jsonOnly := func(w http.ResponseWriter, r *http.Request, n int, req transcriptionRequest) {
		if req.Format != "json" {
			writeError(w, 400, "response_format 'verbose_json' is not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead.",
				"invalid_request_error", "response_format", "unsupported_value")
			return
		}
		jsonReply(`{"text": "I want to return my jacket."}`)(w, r, n, req)
	}
	noGranularities := func(w http.ResponseWriter, r *http.Request, n int, req transcriptionRequest) {
		if len(req.Granularities) > 0 {
			rawReply(422, "application/json", `{"detail":[{"type":"extra_forbidden","loc":["body","timestamp_granularities[]"],"msg":"Extra inputs are not permitted"}]}`)(w, r, n, req)
			return
		}
		jsonReply(beachJSON)(w, r, n, req)
	}
	cases := []struct {
		desc        string
		reply       reply
		wantText    string
		wantFormats []string // response_format of every request, over two utterances
		wantGran    bool     // the second utterance asked for word timestamps
	}{
		{desc: "a json-only server", reply: jsonOnly, wantText: "I want to return my jacket.",
			wantFormats: []string{"verbose_json", "json", "json"}},
		{desc: "a server that refuses timestamp_granularities", reply: noGranularities,
			wantText: "The beach was a popular spot on a hot summer day.", wantFormats: []string{"verbose_json", "verbose_json", "verbose_json"}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, tc.reply)
			tr := newTestTranscriber(t, srv, &sleepRecorder{})
			for i := range 2 {
				got, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, 3400*time.Millisecond)})
				if err != nil || got.Text != tc.wantText {
					t.Fatalf("utterance %d: got %q, %v; want %q", i, got.Text, err, tc.wantText)
				}
			}
			reqs := srv.Requests()
			var formats []string
			for _, r := range reqs {
				formats = append(formats, r.Format)
			}
			if strings.Join(formats, ",") != strings.Join(tc.wantFormats, ",") {
				t.Errorf("formats %q, want %q", formats, tc.wantFormats)
			}
			if len(reqs[len(reqs)-1].Granularities) != 0 {
				t.Errorf("the last request still asked for %q", reqs[len(reqs)-1].Granularities)
			}
		})
	}
}

func TestTranscribeFormatFallbackHappensOnce(t *testing.T) {
	srv := newFakeServer(t, errorReply(400, "Unsupported response_format", "invalid_request_error", "response_format", ""))
	tr := newTestTranscriber(t, srv, &sleepRecorder{})
	_, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, time.Second)})
	if !errors.Is(err, ErrBadRequest) {
		t.Fatalf("err = %v, want ErrBadRequest", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server got %d requests, want 2: verbose_json, then json once", n)
	}
}

// dropConnection closes the connection without answering.
func dropConnection(w http.ResponseWriter, _ *http.Request, _ int, _ transcriptionRequest) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}
