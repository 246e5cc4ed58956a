package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorded is what a test server saw of a request.
type recorded struct {
	method, path, query, body string
	header                    http.Header
}

// server starts a test server answering with h and recording requests.
func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, func() []recorded) {
	t.Helper()
	var mu sync.Mutex
	var reqs []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b), r.Header.Clone()})
		mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), reqs...)
	}
}

// newTool builds a tool against srv with a client closed at the end.
func newTool(t *testing.T, c Config, opts ...Option) *Tool {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	tool, err := New(c, append([]Option{WithHTTPClient(client), WithSleep(func(ctx context.Context, d time.Duration) error { return ctx.Err() })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

var call = agentic.Call{ID: "call-7"}

func TestGetTemplatesAndQuery(t *testing.T) {
	srv, reqs := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status":"shipped"}`) })
	c := validConfig()
	c.URL = srv.URL + "/orders/{order_number}?v=1"
	c.Parameters["properties"].(map[string]any)["verbose"] = map[string]any{"type": "boolean"}
	c.Headers = map[string]string{"Authorization": "Bearer ${TOKEN}"}
	tool := newTool(t, c, WithGetenv(func(string) string { return "abc" }))
	out, err := tool.Call(context.Background(), call, json.RawMessage(`{"order_number":"48/27 163","verbose":true,"n":12.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"status":"shipped"}` {
		t.Errorf("result %s", out)
	}
	r := reqs()[0]
	if r.method != "GET" || r.path != "/orders/48%2F27%20163" || r.query != "v=1&n=12.5&verbose=true" {
		t.Errorf("request %s %s ? %s", r.method, r.path, r.query)
	}
	if r.header.Get("Authorization") != "Bearer abc" || r.header.Get("X-Parley-Call-Id") != "call-7" || r.header.Get("Accept") != "application/json" {
		t.Errorf("headers %v", r.header)
	}
}

func TestPostBody(t *testing.T) {
	srv, reqs := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"ticket_id":"100001"}`)
	})
	c := DefaultConfig()
	c.Name, c.Description, c.URL = "create_ticket", "Open a ticket.", srv.URL+"/tickets"
	tool := newTool(t, c)
	if _, err := tool.Call(context.Background(), call, json.RawMessage(`{"type":"billing","amount":42.5}`)); err != nil {
		t.Fatal(err)
	}
	r := reqs()[0]
	if r.method != "POST" || r.body != `{"call_id":"call-7","arguments":{"amount":42.5,"type":"billing"}}` || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %q %v", r.method, r.body, r.header)
	}
}

func TestFailures(t *testing.T) {
	huge := strings.Repeat("x", 2<<10)
	tests := []struct {
		desc      string
		method    string
		handler   http.HandlerFunc
		args      string
		timeout   time.Duration
		attempts  int
		toolError string // the *agentic.ToolError's Message
		temporary bool
		is        error
	}{
		{"404 with the service's message", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			io.WriteString(w, `{"error":"no order 4827163"}`)
		}, `{"order_number":"4827163"}`, time.Second, 1, "no order 4827163", false, nil},
		{"422 with a nested message", "POST", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(422)
			io.WriteString(w, `{"error":{"message":"bad zip"}}`)
		}, `{"order_number":"1"}`, time.Second, 1, "bad zip", false, nil},
		{"400 with an HTML page", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			io.WriteString(w, `<html>bad</html>`)
		}, `{"order_number":"1"}`, time.Second, 1, "refused the request (HTTP 400)", false, nil},
		{"500 retried then failed", "GET", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", 500)
		}, `{"order_number":"1"}`, time.Second, 3, "service failed (HTTP 500)", true, nil},
		{"500 on POST not retried", "POST", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusServiceUnavailable)
		}, `{"order_number":"1"}`, time.Second, 1, "service failed (HTTP 503)", true, nil},
		{"timeout retried", "GET", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			`{"order_number":"1"}`, 20 * time.Millisecond, 3, "", false, ErrTimeout},
		{"not JSON", "GET", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") },
			`{"order_number":"1"}`, time.Second, 1, "", false, ErrResponse},
		{"too big", "GET", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `"`+huge+`"`) },
			`{"order_number":"1"}`, time.Second, 1, "", false, ErrResponse},
		{"missing argument", "GET", func(w http.ResponseWriter, r *http.Request) {},
			`{}`, time.Second, 0, "missing argument order_number", false, ErrArguments},
		{"arguments not an object", "GET", func(w http.ResponseWriter, r *http.Request) {},
			`[1]`, time.Second, 0, "the arguments must be a JSON object", false, ErrArguments},
		{"object in the path", "GET", func(w http.ResponseWriter, r *http.Request) {},
			`{"order_number":{"a":1}}`, time.Second, 0, "must be a string, number or boolean", false, ErrArguments},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			srv, reqs := server(t, tt.handler)
			c := validConfig()
			c.Method, c.Timeout, c.MaxResponseBytes = tt.method, tt.timeout, 1<<10
			c.URL = srv.URL + "/orders/{order_number}"
			_, err := newTool(t, c).Call(context.Background(), call, json.RawMessage(tt.args))
			if err == nil {
				t.Fatal("no error")
			}
			if n := len(reqs()); n != tt.attempts {
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			}
			var te *agentic.ToolError
			if tt.toolError != "" && (!errors.As(err, &te) || !strings.Contains(te.Message, tt.toolError) || te.Tool != "order_lookup") {
				t.Errorf("got %v, want a ToolError saying %q", err, tt.toolError)
			}
			var se *StatusError
			if errors.As(err, &se) && se.Temporary() != tt.temporary {
				t.Errorf("temporary %v, want %v", se.Temporary(), tt.temporary)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), "order_lookup") {
				t.Errorf("%q does not name the tool", err)
			}
		})
	}
}

func TestEmptyBodyAndRetrySuccess(t *testing.T) {
	var n atomic.Int32
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c := validConfig()
	c.URL = srv.URL + "/orders/{order_number}"
	out, err := newTool(t, c).Call(context.Background(), call, json.RawMessage(`{"order_number":"1"}`))
	if err != nil || string(out) != `{}` {
		t.Fatalf("got %s, %v", out, err)
	}
}

func TestCancelledCallReturnsPromptly(t *testing.T) {
	started := make(chan struct{}, 1)
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	})
	c := validConfig()
	c.URL, c.Timeout = srv.URL+"/orders/{order_number}", time.Minute
	tool := newTool(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := tool.Call(ctx, call, json.RawMessage(`{"order_number":"1"}`))
		done <- err
	}()
	<-started
	cancel()
	var err error
	pipelinetest.Eventually(t, func() bool {
		select {
		case err = <-done:
			return true
		default:
			return false
		}
	}, "the call returns once cancelled")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestBackoffDoubles(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "", http.StatusServiceUnavailable) })
	c := validConfig()
	c.URL, c.Retries, c.Backoff = srv.URL+"/orders/{order_number}", 3, 100*time.Millisecond
	var waits []time.Duration
	tool := newTool(t, c, WithSleep(func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }))
	if _, err := tool.Call(context.Background(), call, json.RawMessage(`{"order_number":"1"}`)); err == nil {
		t.Fatal("no error")
	}
	if len(waits) != 3 || waits[0] != 100*time.Millisecond || waits[1] != 200*time.Millisecond || waits[2] != 400*time.Millisecond {
		t.Errorf("waits %v", waits)
	}
}
