package openai_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/openai"
)

// fakeClock records the waits between retries without waiting.
type fakeClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *fakeClock) now() time.Time { return time.Unix(1767225600, 0) }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return ctx.Err()
}

// newEmbedder returns an embedder of the fake server at url: cfg (the
// defaults when zero) with the server's address and key, then opts.
func newEmbedder(t *testing.T, url string, clock *fakeClock, cfg openai.Config, opts ...openai.Option) (*openai.Embedder, error) {
	t.Helper()
	if cfg.Model == "" {
		cfg = openai.DefaultConfig()
	}
	cfg.BaseURL, cfg.APIKey = url+"/v1", "sk-test-0123456789"
	base := []openai.Option{
		openai.WithConfig(cfg), openai.WithEnv(nil),
		openai.WithClock(clock.now, clock.sleep), openai.WithJitter(func() float64 { return 0.5 }),
	}
	return openai.New(context.Background(), append(base, opts...)...)
}

// withConfig returns the default configuration changed by edit.
func withConfig(edit func(*openai.Config)) openai.Config {
	c := openai.DefaultConfig()
	edit(&c)
	return c
}

func TestEmbed(t *testing.T) {
	tests := []struct {
		desc     string
		cfg      openai.Config
		dims     int
		requests int // for 5 texts
	}{
		{"dimensions asked from the server", openai.Config{}, 48, 1 + 1},
		{"dimensions sent", withConfig(func(c *openai.Config) { c.Dimensions = 16 }), 16, 1},
		{"base64 encoding", withConfig(func(c *openai.Config) { c.EncodingFormat, c.BatchSize = openai.EncodingBase64, 2 }), 48, 1 + 3},
	}
	texts := []string{"returns policy", "gift cards", "", "store hours in portland", "refund timing"}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f, srv := newFakeServer(t, 48)
			e, err := newEmbedder(t, srv.URL, &fakeClock{}, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if e.Dimensions() != tc.dims {
				t.Errorf("Dimensions = %d, want %d", e.Dimensions(), tc.dims)
			}
			vs, err := e.Embed(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vs {
				want := fakeVector(texts[i], tc.dims)
				if len(v) != tc.dims || cos(v, want) < 0.9999 {
					t.Errorf("vector %d (%q) is not the server's, in input order", i, texts[i])
				}
			}
			if got := len(f.calls()); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
			if !strings.HasPrefix(e.Name(), "openai:text-embedding-3-small:") {
				t.Errorf("Name = %q", e.Name())
			}
		})
	}
}

func TestPrefixes(t *testing.T) {
	f, srv := newFakeServer(t, 8)
	c := openai.DefaultConfig()
	c.Dimensions, c.QueryPrefix, c.DocumentPrefix = 8, "search_query: ", "search_document: "
	e, err := newEmbedder(t, srv.URL, &fakeClock{}, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"a chunk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.EmbedQuery(context.Background(), "a question"); err != nil {
		t.Fatal(err)
	}
	calls := f.calls()
	if len(calls) != 2 || calls[0].Input[0] != "search_document: a chunk" || calls[1].Input[0] != "search_query: a question" {
		t.Errorf("requests %+v, want the document then the query prefix", calls)
	}
	plain, err := newEmbedder(t, srv.URL, &fakeClock{}, openai.Config{}, openai.WithDimensions(8))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Name() == e.Name() {
		t.Errorf("a document prefix does not change Name (%s)", e.Name())
	}
}

func TestErrors(t *testing.T) {
	rateLimited := fakeReply{status: 429, header: map[string]string{"Retry-After": "1"}, body: `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`}
	unavailable := fakeReply{status: 503, body: `{"error":{"message":"The server is overloaded","type":"server_error"}}`}
	tests := []struct {
		desc    string
		opts    []openai.Option
		script  []fakeReply
		want    error
		waits   []time.Duration
		message string
	}{
		{"rate limited then fine", nil, []fakeReply{rateLimited}, nil, []time.Duration{time.Second}, ""},
		{"5xx twice then fine", nil, []fakeReply{unavailable, unavailable}, nil, []time.Duration{375 * time.Millisecond, 750 * time.Millisecond}, ""},
		{"5xx until retries run out", nil, []fakeReply{unavailable, unavailable, unavailable, unavailable}, openai.ErrUnavailable, []time.Duration{375 * time.Millisecond, 750 * time.Millisecond, 1500 * time.Millisecond}, "overloaded"},
		{"Retry-After beyond max_backoff", nil, []fakeReply{{status: 429, header: map[string]string{"Retry-After": "60"}, body: rateLimited.body}}, openai.ErrRateLimited, nil, "Rate limit"},
		{"quota", nil, []fakeReply{{status: 429, body: `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`}}, openai.ErrQuota, nil, "quota"},
		{"wrong key", []openai.Option{openai.WithAPIKey("sk-wrong-0123456789")}, nil, openai.ErrAuth, nil, "Incorrect API key"},
		{"unknown model", []openai.Option{openai.WithModel("text-embedding-9")}, nil, openai.ErrModel, nil, "does not exist"},
		{"bad request", nil, []fakeReply{{status: 400, body: `{"error":{"message":"This model does not support specifying dimensions.","type":"invalid_request_error","param":"dimensions","code":null}}`}}, openai.ErrBadRequest, nil, "dimensions"},
		{"not JSON", nil, []fakeReply{{status: 200, body: `<html>proxy login</html>`}}, openai.ErrResponse, nil, ""},
		{"too few vectors", nil, []fakeReply{{status: 200, body: `{"object":"list","data":[],"model":"m"}`}}, openai.ErrResponse, nil, "0 vectors"},
		{"vector of the wrong length", nil, []fakeReply{{status: 200, body: `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,2,3]}],"model":"m"}`}}, openai.ErrResponse, nil, "3 values"},
		{"index out of range", []openai.Option{openai.WithDimensions(1)}, []fakeReply{{status: 200, body: `{"data":[{"index":1,"embedding":[1]}]}`}}, openai.ErrResponse, nil, "index"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			f, srv := newFakeServer(t, 8)
			clock := &fakeClock{}
			opts := append([]openai.Option{openai.WithDimensions(8)}, tc.opts...)
			e, err := newEmbedder(t, srv.URL, clock, openai.Config{}, opts...)
			if err == nil {
				f.then(tc.script...)
				_, err = e.Embed(context.Background(), []string{"where is my order"})
			}
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
			if len(clock.waits) != len(tc.waits) {
				t.Fatalf("waits %v, want %v", clock.waits, tc.waits)
			}
			for i := range tc.waits {
				if clock.waits[i] != tc.waits[i] {
					t.Errorf("wait %d = %v, want %v", i, clock.waits[i], tc.waits[i])
				}
			}
		})
	}
}

func TestStartupErrors(t *testing.T) {
	_, srv := newFakeServer(t, 8)
	tests := []struct {
		desc string
		opts []openai.Option
		want error
	}{
		{"wrong key is found at start", []openai.Option{openai.WithAPIKey("sk-nope-0123456789")}, openai.ErrAuth},
		{"wrong address is found at start", []openai.Option{openai.WithBaseURL(srv.URL + "/api")}, openai.ErrEndpoint},
		{"no key for api.openai.com", []openai.Option{openai.WithBaseURL(""), openai.WithAPIKey("")}, openai.ErrConfig},
	}
	for _, tc := range tests {
		_, err := newEmbedder(t, srv.URL, &fakeClock{}, openai.Config{}, tc.opts...)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: New = %v, want %v", tc.desc, err, tc.want)
		}
	}
}

func TestCorruptBase64(t *testing.T) {
	f, srv := newFakeServer(t, 8)
	e, err := newEmbedder(t, srv.URL, &fakeClock{}, withConfig(func(c *openai.Config) { c.EncodingFormat, c.Dimensions = openai.EncodingBase64, 8 }))
	if err != nil {
		t.Fatal(err)
	}
	f.then(fakeReply{status: 200, body: `{"data":[{"index":0,"embedding":"!!!not base64"}]}`})
	if _, err := e.Embed(context.Background(), []string{"x"}); !errors.Is(err, openai.ErrResponse) {
		t.Errorf("Embed of corrupt base64 = %v, want ErrResponse", err)
	}
}

func TestCancel(t *testing.T) {
	_, srv := newFakeServer(t, 8)
	e, err := newEmbedder(t, srv.URL, &fakeClock{}, openai.Config{}, openai.WithDimensions(8))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newHangingServer(t, release)
	c := openai.DefaultConfig()
	c.Dimensions, c.Timeout, c.Retries = 8, 50*time.Millisecond, 1
	clock := &fakeClock{}
	e, err := newEmbedder(t, srv, clock, c)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Embed(context.Background(), []string{"x"})
	close(release)
	if !errors.Is(err, openai.ErrTimeout) || len(clock.waits) != 1 {
		t.Errorf("Embed against a server that never answers = %v after %d retries, want ErrTimeout after 1", err, len(clock.waits))
	}
}

// newHangingServer answers no request until release is closed.
func newHangingServer(t *testing.T, release chan struct{}) string {
	f, srv := newFakeServer(t, 8)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	_ = f
	return srv.URL
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*openai.Config)
		field string
	}{
		{"defaults with a key", func(*openai.Config) {}, ""},
		{"own server without a key", func(c *openai.Config) { c.APIKey, c.BaseURL = "", "http://localhost:11434/v1" }, ""},
		{"OpenAI without a key", func(c *openai.Config) { c.APIKey = "" }, "api_key"},
		{"base URL not http", func(c *openai.Config) { c.BaseURL = "localhost:8000" }, "base_url"},
		{"empty model", func(c *openai.Config) { c.Model = " " }, "model"},
		{"negative dimensions", func(c *openai.Config) { c.Dimensions = -1 }, "dimensions"},
		{"batch size 0", func(c *openai.Config) { c.BatchSize = 0 }, "batch_size"},
		{"unknown encoding", func(c *openai.Config) { c.EncodingFormat = "int8" }, "encoding_format"},
		{"zero timeout", func(c *openai.Config) { c.Timeout = 0 }, "timeout"},
		{"too many retries", func(c *openai.Config) { c.Retries = 11 }, "retries"},
		{"max backoff below backoff", func(c *openai.Config) { c.MaxBackoff = time.Millisecond }, "max_backoff"},
	}
	for _, tc := range tests {
		c := openai.DefaultConfig()
		c.APIKey = "sk-test-0123456789"
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.desc, err)
		case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field+":") || !errors.Is(err, knowledge.ErrInvalidConfig)):
			t.Errorf("%s: Validate = %v, want an ErrInvalidConfig naming %s", tc.desc, err, tc.field)
		}
	}
}

func TestFromEnvAndString(t *testing.T) {
	env := map[string]string{openai.EnvAPIKey: "sk-from-env-0123456789", openai.EnvBaseURL: "http://localhost:9/v1"}
	c := openai.DefaultConfig().FromEnv(func(k string) string { return env[k] })
	if c.APIKey != env[openai.EnvAPIKey] || c.BaseURL != env[openai.EnvBaseURL] {
		t.Errorf("FromEnv = %+v", c)
	}
	c2 := openai.Config{APIKey: "mine", BaseURL: "http://x/v1"}.FromEnv(func(k string) string { return env[k] })
	if c2.APIKey != "mine" || c2.BaseURL != "http://x/v1" {
		t.Errorf("FromEnv overwrote set fields: %+v", c2)
	}
	if s := c.String(); strings.Contains(s, "sk-from-env-0123456789") {
		t.Errorf("String leaks the key: %s", s)
	}
}

func cos(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}
