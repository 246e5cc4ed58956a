package openai

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

func TestSynthesizeErrors(t *testing.T) {
	pcm, _ := tone(24000, 300*time.Millisecond)
	cases := []struct {
		desc      string
		replies   []reply
		wantErr   error
		wantCalls int
		wantCode  int
		wantMsg   string
	}{
		{desc: "401 is an auth error and is not retried",
			replies: []reply{errorReply(401, "Incorrect API key provided: sk-test.", "invalid_request_error", "", "invalid_api_key")},
			wantErr: ErrAuth, wantCalls: 1, wantCode: 401, wantMsg: "set OPENAI_API_KEY or tts.openai.api_key"},
		{desc: "404 for the model names the model setting",
			replies: []reply{errorReply(404, "The model `tts-9` does not exist or you do not have access to it.", "invalid_request_error", "", "model_not_found")},
			wantErr: ErrModel, wantCalls: 1, wantCode: 404, wantMsg: "tts.openai.model"},
		{desc: "an unknown voice names the voice setting",
			replies: []reply{errorReply(400, "Invalid value for 'voice': 'robot'. Supported values are: 'alloy', 'ash', 'coral'.", "invalid_request_error", "voice", "invalid_value")},
			wantErr: ErrVoice, wantCalls: 1, wantCode: 400},
		{desc: "a plain 404 names the base URL",
			replies: []reply{func(w http.ResponseWriter, _ *http.Request, _ int, _ speechRequest) { http.NotFound(w, nil) }},
			wantErr: ErrEndpoint, wantCalls: 1, wantCode: 404},
		{desc: "429 insufficient_quota is not retried",
			replies: []reply{errorReply(429, "You exceeded your current quota.", "insufficient_quota", "", "insufficient_quota")},
			wantErr: ErrQuota, wantCalls: 1, wantCode: 429},
		{desc: "500 on every attempt gives up after the retries",
			replies: []reply{errorReply(500, "The server had an error while processing your request.", "server_error", "", "")},
			wantErr: ErrUnavailable, wantCalls: 3, wantCode: 500, wantMsg: "gave up after 3 attempts"},
		{desc: "a connection dropped before any audio is retried",
			replies:   []reply{streamReply("audio/pcm", nil, part{drop: true}), rawReply("audio/pcm", pcm)},
			wantCalls: 2},
		{desc: "a compressed answer is not retried",
			replies: []reply{rawReply("audio/mpeg", []byte("ID3\x04\x00"))},
			wantErr: ErrFormat, wantCalls: 1},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, tc.replies...)
			s := newTestSynth(t, srv, &sleepRecorder{})
			w := &recorder{}
			err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence, Rate: 16000}, w)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if n := len(srv.Requests()); n != tc.wantCalls {
				t.Errorf("server got %d requests, want %d", n, tc.wantCalls)
			}
			var api *APIError
			if got := errors.As(err, &api); got != (tc.wantCode != 0) || (got && api.StatusCode != tc.wantCode) {
				t.Errorf("APIError %+v, want status %d", api, tc.wantCode)
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not say %q", err, tc.wantMsg)
			}
			if err != nil && len(w.Chunks()) != 0 {
				t.Errorf("%d chunks written before the error", len(w.Chunks()))
			}
		})
	}
}

func TestSynthesizeRetriesThenStreams(t *testing.T) {
	pcm, samples := tone(24000, time.Second)
	srv := newFakeServer(t,
		errorReply(500, "The server had an error while processing your request.", "server_error", "", ""),
		errorReply(503, "overloaded", "server_error", "", ""),
		rawReply("audio/pcm", pcm))
	sleeps := &sleepRecorder{}
	s := newTestSynth(t, srv, sleeps)
	w := &recorder{}
	if err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence, Rate: 16000}, w); err != nil {
		t.Fatalf("Synthesize: %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("server got %d requests, want 3", n)
	}
	want := []time.Duration{150 * time.Millisecond, 300 * time.Millisecond}
	if got := sleeps.Waits(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("waits %v, want %v", got, want)
	}
	if len(w.Samples()) != len(resampled(t, samples, 24000, 16000)) {
		t.Errorf("got %d samples", len(w.Samples()))
	}
	checkRanges(t, w.Chunks(), sentence)
}

func TestSynthesizeHonoursRetryAfter(t *testing.T) {
	pcm, _ := tone(24000, 200*time.Millisecond)
	cases := []struct {
		desc     string
		header   []string
		wantWait time.Duration
		wantErr  error
	}{
		{desc: "Retry-After in seconds", header: []string{"Retry-After", "1"}, wantWait: time.Second},
		{desc: "retry-after-ms", header: []string{"retry-after-ms", "600"}, wantWait: 600 * time.Millisecond},
		{desc: "a Retry-After over max_backoff fails at once", header: []string{"Retry-After", "60"}, wantErr: ErrRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t,
				errorReply(429, "Rate limit reached for tts-1 on requests per min (RPM): Limit 3.", "requests", "", "rate_limit_exceeded", tc.header...),
				rawReply("audio/pcm", pcm))
			sleeps := &sleepRecorder{}
			s := newTestSynth(t, srv, sleeps)
			err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: "One moment.", Rate: 16000}, &recorder{})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if len(srv.Requests()) != 1 {
					t.Errorf("server got %d requests, want 1", len(srv.Requests()))
				}
				return
			}
			if got := sleeps.Waits(); len(got) != 1 || got[0] != tc.wantWait {
				t.Errorf("waits %v, want [%v]", got, tc.wantWait)
			}
		})
	}
}

func TestSynthesizeTimeouts(t *testing.T) {
	pcm, _ := tone(24000, 400*time.Millisecond)
	cases := []struct {
		desc       string
		reply      func(release chan struct{}) reply
		wantErr    []error
		wantCalls  int
		wantChunks bool
	}{
		{desc: "no answer at all is retried, then a timeout",
			reply:   func(release chan struct{}) reply { return hangReply(release) },
			wantErr: []error{ErrTimeout}, wantCalls: 2},
		{desc: "headers without audio is retried, then a timeout",
			reply: func(release chan struct{}) reply {
				return streamReply("audio/pcm", nil, part{}, part{gate: release, data: pcm})
			},
			wantErr: []error{ErrTimeout}, wantCalls: 2},
		{desc: "a stall after the first audio is a broken stream, not retried",
			reply: func(release chan struct{}) reply {
				return streamReply("audio/pcm", nil, part{data: pcm[:9600]}, part{gate: release, data: pcm[9600:]})
			},
			wantErr: []error{ErrStream, ErrTimeout}, wantCalls: 1, wantChunks: true},
		{desc: "a connection dropped after the first audio is a broken stream",
			reply: func(chan struct{}) reply {
				return streamReply("audio/pcm", nil, part{data: pcm[:9600]}, part{drop: true})
			},
			wantErr: []error{ErrStream}, wantCalls: 1, wantChunks: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			srv := newFakeServer(t, tc.reply(release))
			cfg := DefaultConfig()
			cfg.BaseURL, cfg.APIKey, cfg.Timeout, cfg.Retries = srv.URL(), "sk-test", 150*time.Millisecond, 1
			s := newTestSynth(t, srv, &sleepRecorder{}, WithConfig(cfg))
			w := &recorder{}
			start := time.Now()
			err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence, Rate: 16000}, w)
			for _, want := range tc.wantErr {
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
			if n := len(srv.Requests()); n != tc.wantCalls {
				t.Errorf("server got %d requests, want %d", n, tc.wantCalls)
			}
			if got := len(w.Chunks()) > 0; got != tc.wantChunks {
				t.Errorf("chunks written: %v, want %v", got, tc.wantChunks)
			}
			if el := time.Since(start); el > 20*cfg.Timeout {
				t.Errorf("gave up after %v with a %v timeout", el, cfg.Timeout)
			}
		})
	}
}

func TestSynthesizeStopsWhenCancelled(t *testing.T) {
	pcm, _ := tone(24000, 2*time.Second)
	never := make(chan struct{})
	defer close(never)
	handlerDone := make(chan struct{})
	srv := newFakeServer(t, streamReply("audio/pcm", handlerDone, part{data: pcm[:19200]}, part{gate: never, data: pcm[19200:]}))
	s := newTestSynth(t, srv, &sleepRecorder{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var chunks int
	w := pipeline.SpeechWriterFunc(func(c pipeline.SpeechChunk) error {
		chunks++
		if chunks == 2 {
			cancel() // barge-in while the server is still synthesizing
		}
		return nil
	})
	err := s.Synthesize(ctx, pipeline.SpeechRequest{Text: sentence, Rate: 16000}, w)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	<-handlerDone // the server saw the client go away: the body was closed
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestSynthesizeReturnsTheWritersError(t *testing.T) {
	pcm, _ := tone(24000, time.Second)
	srv := newFakeServer(t, rawReply("audio/pcm", pcm))
	s := newTestSynth(t, srv, &sleepRecorder{})
	errFull := errors.New("output closed")
	w := &recorder{onChunk: func(int, pipeline.SpeechChunk) error { return errFull }}
	err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence, Rate: 16000}, w)
	if err != errFull {
		t.Fatalf("err = %v, want the writer's error as is", err)
	}
	if len(w.Chunks()) != 1 || len(srv.Requests()) != 1 {
		t.Errorf("%d chunks and %d requests, want 1 and 1", len(w.Chunks()), len(srv.Requests()))
	}
}

func TestSynthesizeStopsDuringTheBackoff(t *testing.T) {
	srv := newFakeServer(t, errorReply(503, "overloaded", "server_error", "", ""))
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.Backoff, cfg.MaxBackoff = srv.URL(), "sk-test", time.Minute, time.Hour
	s := newTestSynth(t, srv, &sleepRecorder{}, WithConfig(cfg), WithSleep(sleepContext))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-srv.arrived
		cancel()
	}()
	err := s.Synthesize(ctx, pipeline.SpeechRequest{Text: sentence, Rate: 16000}, &recorder{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}
