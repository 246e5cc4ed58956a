package webrtc

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	pion "github.com/pion/webrtc/v4"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// HTTP protocol constants (RFC 9725).
const (
	// maxOfferBytes bounds a POSTed offer. A browser's offer with all its
	// candidates is 3 to 8 KiB.
	maxOfferBytes = 64 << 10
	// retryAfterSeconds is the Retry-After of a 503 answer.
	retryAfterSeconds = 5
	// sdpType is the media type of offers and answers (RFC 8866).
	sdpType = "application/sdp"
	// allowCollection and allowResource are the methods of the endpoint
	// URL and of a session URL.
	allowCollection = "OPTIONS, POST"
	allowResource   = "OPTIONS, DELETE"
)

// Stats is a snapshot of a WHIP endpoint's counters.
type Stats struct {
	// Active is the number of calls being set up or in progress.
	Active int
	// Accepted counts calls the handler accepted.
	Accepted uint64
	// Refused counts offers refused for capacity or by the handler (HTTP
	// 503, 403, 500).
	Refused uint64
	// BadRequests counts requests refused for their content (HTTP 400,
	// 401, 413, 415).
	BadRequests uint64
}

// WHIP is the WebRTC-HTTP Ingestion Protocol endpoint (RFC 9725) through
// which browsers call Parley. It is an http.Handler for the base path
// (default /whip) and the session URLs under it:
//
//   - POST base with an SDP offer (Content-Type: application/sdp) creates
//     a call and answers 201 Created with the SDP answer, the session URL
//     in Location (base/{call id}) and an ETag. The answer carries every
//     candidate: this server does not trickle.
//   - DELETE base/{call id} hangs the call up (200).
//   - PATCH (trickle ICE, ICE restart) is answered 405: clients must send
//     a complete offer and start a new session to recover.
//   - OPTIONS answers CORS preflights and Accept-Post: application/sdp.
//
// All methods are safe for concurrent use. Close hangs up every call.
type WHIP struct {
	cfg      Config
	opts     options
	h        bridge.Handler
	api      *pion.API
	log      *slog.Logger
	pacer    *audio.Pacer
	ownPacer bool

	mu     sync.Mutex
	calls  map[string]*call
	active int // calls being set up or in progress, bounded by MaxCalls
	closed bool
	wg     sync.WaitGroup // one per active call

	accepted, refused, badRequests atomic.Uint64
	closeOnce                      sync.Once
}

// New returns a WHIP endpoint that hands each browser call to h. It
// validates cfg, builds the pion API shared by all calls and, without
// WithPacer, starts a private pacer.
func New(cfg Config, h bridge.Handler, opts ...Option) (*WHIP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("%w: a nil bridge.Handler", ErrInvalidOption)
	}
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	api, err := newAPI(cfg, o.log)
	if err != nil {
		return nil, err
	}
	w := &WHIP{cfg: cfg, opts: o, h: h, api: api, log: o.log, pacer: o.pacer, calls: make(map[string]*call)}
	if w.pacer == nil {
		p, err := audio.NewPacer(audio.WithPacerLogger(o.log))
		if err != nil {
			return nil, fmt.Errorf("webrtc: starting the media pacer: %w", err)
		}
		w.pacer, w.ownPacer = p, true
	}
	return w, nil
}

// ServeHTTP implements http.Handler.
func (w *WHIP) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.setCORS(rw, r)
	id, isSession, ok := w.route(r.URL.Path)
	if !ok {
		w.fail(rw, http.StatusNotFound, "no such WHIP resource: POST offers to "+w.opts.basePath)
		return
	}
	allow := allowCollection
	if isSession {
		allow = allowResource
	}
	if r.Method == http.MethodOptions {
		w.options(rw, allow)
		return
	}
	if !w.authorized(r) {
		rw.Header().Set("WWW-Authenticate", `Bearer realm="parley"`)
		w.bad(rw, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <webrtc.token>")
		return
	}
	switch {
	case !isSession && r.Method == http.MethodPost:
		w.post(rw, r)
	case isSession && r.Method == http.MethodDelete:
		w.delete(rw, id)
	default:
		rw.Header().Set("Allow", allow)
		msg := fmt.Sprintf("%s is not supported here (allowed: %s)", r.Method, allow)
		if r.Method == http.MethodPatch {
			msg = "this server does not support trickle ICE or ICE restarts: send a complete offer (wait for ICE gathering) and start a new session to reconnect"
		}
		w.fail(rw, http.StatusMethodNotAllowed, msg)
	}
}

// route splits a request path into the session id (for base/{id}); ok is
// false for paths outside the endpoint.
func (w *WHIP) route(path string) (id string, isSession, ok bool) {
	base := w.opts.basePath
	if path == base || path == base+"/" {
		return "", false, true
	}
	rest, found := strings.CutPrefix(path, base+"/")
	if !found || rest == "" || strings.Contains(rest, "/") {
		return "", false, false
	}
	return rest, true, true
}

// authorized checks the bearer token, in constant time.
func (w *WHIP) authorized(r *http.Request) bool {
	if w.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(w.cfg.Token)) == 1
}

// setCORS adds the CORS headers for a cross-origin browser request.
func (w *WHIP) setCORS(rw http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || w.cfg.CORSOrigin == "" {
		return
	}
	h := rw.Header()
	switch w.cfg.CORSOrigin {
	case "*":
		h.Set("Access-Control-Allow-Origin", "*")
	case origin:
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	default:
		return
	}
	h.Set("Access-Control-Expose-Headers", "Location, ETag, Link, Accept-Post, Retry-After")
}

// options answers OPTIONS: the allowed methods, Accept-Post and the CORS
// preflight headers.
func (w *WHIP) options(rw http.ResponseWriter, allow string) {
	h := rw.Header()
	h.Set("Allow", allow)
	h.Set("Accept-Post", sdpType)
	if h.Get("Access-Control-Allow-Origin") != "" {
		h.Set("Access-Control-Allow-Methods", allow)
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
		h.Set("Access-Control-Max-Age", "86400")
	}
	w.setLinks(rw)
	rw.WriteHeader(http.StatusNoContent)
}

// setLinks announces the configured STUN servers (RFC 9725 section 4.6).
func (w *WHIP) setLinks(rw http.ResponseWriter) {
	for _, s := range w.cfg.STUNServers {
		rw.Header().Add("Link", "<"+s+`>; rel="ice-server"`)
	}
}

// delete hangs up the call of a session URL.
func (w *WHIP) delete(rw http.ResponseWriter, id string) {
	w.mu.Lock()
	c := w.calls[id]
	w.mu.Unlock()
	if c == nil {
		w.fail(rw, http.StatusNotFound, "no call "+id+" (it has ended or never existed)")
		return
	}
	c.end(nil, "caller hung up (WHIP DELETE)")
	rw.WriteHeader(http.StatusOK)
}

// fail writes a plain-text error answer.
func (w *WHIP) fail(rw http.ResponseWriter, status int, msg string) {
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(status)
	_, _ = rw.Write([]byte(msg + "\n"))
}

// bad is fail for a request refused for its content, counted.
func (w *WHIP) bad(rw http.ResponseWriter, status int, msg string) {
	w.badRequests.Add(1)
	w.fail(rw, status, msg)
}

// busy answers 503 with Retry-After.
func (w *WHIP) busy(rw http.ResponseWriter, msg string) {
	w.refused.Add(1)
	rw.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	w.fail(rw, http.StatusServiceUnavailable, msg)
}

// reserve takes a call slot; it fails when closed or at max_calls.
func (w *WHIP) reserve() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.active >= w.cfg.MaxCalls {
		return fmt.Errorf("%w: %d browser calls in progress (webrtc.max_calls)", bridge.ErrBusy, w.active)
	}
	w.active++
	w.wg.Add(1)
	return nil
}

// unreserve returns a slot whose call never started.
func (w *WHIP) unreserve() {
	w.mu.Lock()
	w.active--
	w.mu.Unlock()
	w.wg.Done()
}

// register makes a started call reachable by its session URL; it fails
// when the endpoint was closed meanwhile.
func (w *WHIP) register(c *call) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	w.calls[c.info.ID] = c
	return nil
}

// release forgets an ended call and returns its slot.
func (w *WHIP) release(c *call) {
	w.mu.Lock()
	delete(w.calls, c.info.ID)
	w.active--
	w.mu.Unlock()
	w.wg.Done()
}

// portsText describes the UDP ports for error messages.
func (w *WHIP) portsText() string {
	if w.cfg.UDPPortMin == 0 {
		return "on any port"
	}
	return fmt.Sprintf("ports %d-%d", w.cfg.UDPPortMin, w.cfg.UDPPortMax)
}

// Stats returns a snapshot of the endpoint's counters. Safe from any
// goroutine.
func (w *WHIP) Stats() Stats {
	w.mu.Lock()
	active := w.active
	w.mu.Unlock()
	return Stats{Active: active, Accepted: w.accepted.Load(), Refused: w.refused.Load(), BadRequests: w.badRequests.Load()}
}

// Close refuses new offers (503), hangs up every call, waits for their
// goroutines and offers being set up, and stops the private pacer. It is
// idempotent and returns nil.
func (w *WHIP) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		calls := make([]*call, 0, len(w.calls))
		for _, c := range w.calls {
			calls = append(calls, c)
		}
		w.mu.Unlock()
		for _, c := range calls {
			c.end(nil, "server shutting down")
		}
		w.wg.Wait()
		if w.ownPacer {
			_ = w.pacer.Close()
		}
	})
	return nil
}
