package openaitest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// maxBody bounds a request body the server reads.
const maxBody = 8 << 20

// Server is an OpenAI-compatible chat completion server answering from a
// script. It is safe for concurrent use; see the package documentation.
type Server struct {
	srv     *httptest.Server
	apiKey  string
	created int64
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex
	replies  []Reply
	fallback *Reply
	requests []Request
	aborted  []int
	calls    int // tool call ids made up so far
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey makes the server answer HTTP 401 (invalid_api_key) to requests
// whose Authorization header is not "Bearer " + key. Default: any key.
func WithAPIKey(key string) Option {
	return func(s *Server) { s.apiKey = key }
}

// NewServer starts a server on a loopback port. Close it when done (tests:
// t.Cleanup(s.Close)).
func NewServer(opts ...Option) *Server {
	s := &Server{closing: make(chan struct{}), created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL returns the API root, ending in /v1 like OpenAI's; clients post to
// URL() + "/chat/completions".
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Client returns an HTTP client for the server whose idle connections Close
// closes, so tests leak no goroutines.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Enqueue adds replies to the script; each request takes the next one.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, replies...)
}

// SetDefault sets the reply to requests that find the script empty.
// Without one, they get HTTP 500 saying no reply was scripted.
func (s *Server) SetDefault(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = &r
}

// Pending returns how many queued replies no request has taken yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.replies)
}

// Requests returns the requests received so far, in arrival order. The
// slice is a copy; do not modify the requests' slices and maps.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Len returns how many requests arrived so far.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Aborted returns the numbers (Request.N) of the requests whose client went
// away (cancelled the request, closed the connection) before the reply was
// complete, in the order the server noticed.
func (s *Server) Aborted() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.aborted...)
}

// Close releases stalled replies, closes client connections and shuts the
// server down, waiting for its handlers. It is idempotent.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// serve answers one request from the script.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	s.mu.Lock()
	n := len(s.requests) + 1
	req := parseRequest(r, body, n)
	if err != nil && req.Err == nil {
		req.Err = fmt.Errorf("%w: reading the body: %w", ErrBadRequest, err)
	}
	s.requests = append(s.requests, req)
	authorized := s.apiKey == "" || r.Header.Get("Authorization") == "Bearer "+s.apiKey
	var reply Reply
	scripted := false
	if authorized && req.Err == nil {
		reply, scripted = s.next()
	}
	s.mu.Unlock()

	switch {
	case !authorized:
		writeError(w, Reply{Status: http.StatusUnauthorized})
	case req.Err != nil:
		msg := strings.TrimPrefix(req.Err.Error(), ErrBadRequest.Error()+": ")
		writeError(w, Reply{Status: http.StatusBadRequest, Error: &APIError{Message: msg, Type: "invalid_request_error"}})
	case !scripted:
		writeError(w, ErrorReply(http.StatusInternalServerError, fmt.Sprintf("openaitest: no reply scripted for request %d", n)))
	default:
		s.answer(w, r, req, reply)
	}
}

// next takes the next scripted reply; s.mu is held.
func (s *Server) next() (Reply, bool) {
	if len(s.replies) > 0 {
		r := s.replies[0]
		s.replies = s.replies[1:]
		return r, true
	}
	if s.fallback != nil {
		return *s.fallback, true
	}
	return Reply{}, false
}

// answer sends reply, applying its faults.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, reply Reply) {
	reply.ToolCalls = s.withIDs(reply.ToolCalls)
	for k, v := range reply.Header {
		w.Header()[k] = v
	}
	if reply.Stall && (reply.StallAfter == 0 || reply.Status >= 400) && !s.stall(r, req.N, reply.Release) {
		return
	}
	if reply.Status >= 400 {
		writeError(w, reply)
		return
	}
	if !req.Stream {
		s.writeCompletion(w, r, req, reply)
		return
	}
	s.writeStream(w, r, req, reply)
}

// withIDs gives tool calls without an id one.
func (s *Server) withIDs(calls []ToolCall) []ToolCall {
	out := append([]ToolCall(nil), calls...)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range out {
		if out[i].ID == "" {
			s.calls++
			out[i].ID = fmt.Sprintf("call_%d", s.calls)
		}
	}
	return out
}

// stall waits for release, the client or the server's closing; it reports
// whether the reply should go on. On closing it drops the connection.
func (s *Server) stall(r *http.Request, n int, release <-chan struct{}) bool {
	select {
	case <-release:
		return true
	case <-r.Context().Done():
		s.abort(n)
		return false
	case <-s.closing:
		disconnect() // the client sees the connection drop
		return false
	}
}

// abort records that the client of request n went away.
func (s *Server) abort(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.aborted {
		if a == n {
			return
		}
	}
	s.aborted = append(s.aborted, n)
}

// disconnect drops the connection without finishing the response.
func disconnect() {
	panic(http.ErrAbortHandler)
}
