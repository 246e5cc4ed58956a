package ws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Option configures a Twilio transport. Options check their argument and
// make New fail with ErrInvalidOption when it is unusable.
type Option func(*options) error

// options holds what the Options set.
type options struct {
	log   *slog.Logger
	pacer *audio.Pacer
	now   func() time.Time
}

// WithLogger sets the logger (default: discard). Each call's records carry
// call_id, and stream_sid and call_sid once the start message has come.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrInvalidOption)
		}
		o.log = l
		return nil
	}
}

// WithPacer sends every call's bot audio on p's 20 ms ticks. One pacer
// serves all the server's calls (and transports); without this option the
// transport starts a pacer of its own and Close stops it. The caller keeps
// ownership of p and must close it after the transport.
func WithPacer(p *audio.Pacer) Option {
	return func(o *options) error {
		if p == nil {
			return fmt.Errorf("%w: WithPacer(nil)", ErrInvalidOption)
		}
		o.pacer = p
		return nil
	}
}

// WithClock sets the clock that stamps calls (Info.Started, the call ID),
// decides media timeouts and measures playback lag (default time.Now).
// Network deadlines (start timeout, read and write deadlines, pings) run on
// the real clock, as the network does.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: WithClock(nil)", ErrInvalidOption)
		}
		o.now = now
		return nil
	}
}

// Twilio is the Twilio Media Streams transport: an http.Handler that the
// server mounts at Config.Path, which upgrades each request from Twilio to
// a WebSocket and runs one call over it. It is safe for concurrent use;
// Close ends every call and waits for them.
type Twilio struct {
	cfg      Config
	handler  bridge.Handler
	log      *slog.Logger
	now      func() time.Time
	pacer    *audio.Pacer
	ownPacer bool
	signer   *signer // nil: signatures are not checked
	origins  map[string]bool
	upgrader websocket.Upgrader

	ctx    context.Context // parent of every call's context; ends on Close
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	calls  map[*Call]struct{}
	ended  CallStats // totals of calls that have ended
	wg     sync.WaitGroup

	active       atomic.Int64
	accepted     atomic.Uint64
	refused      atomic.Uint64
	unauthorized atomic.Uint64
	overCapacity atomic.Uint64
	failed       atomic.Uint64
}

// Stats is a snapshot of a Twilio transport's counters.
type Stats struct {
	// Active is the number of open streams.
	Active int
	// Accepted counts calls the Handler accepted.
	Accepted uint64
	// Refused counts calls the Handler refused (busy, rejected, error).
	Refused uint64
	// Unauthorized counts upgrade requests refused with HTTP 403: a
	// missing or invalid signature, or a browser origin not allowed.
	Unauthorized uint64
	// OverCapacity counts upgrade requests refused with HTTP 503 at
	// twilio.max_calls or after Close.
	OverCapacity uint64
	// Failed counts streams that ended before a call started: no start
	// message, an unsupported media format, a broken connection.
	Failed uint64
	// Calls totals the counters of every call, ended or active;
	// PlaybackLag is the largest of them.
	Calls CallStats
}

// New returns a Twilio transport that hands calls to h. cfg's zero fields
// take the defaults; New fails with ErrInvalidConfig when cfg does not
// validate, and with ErrInvalidOption for a bad option.
func New(cfg Config, h bridge.Handler, opts ...Option) (*Twilio, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: nil bridge.Handler", ErrInvalidOption)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{log: slog.New(slog.DiscardHandler), now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	cfg = cfg.withDefaults()
	t := &Twilio{
		cfg: cfg, handler: h, log: o.log, now: o.now, pacer: o.pacer,
		origins: map[string]bool{}, calls: map[*Call]struct{}{},
	}
	if t.pacer == nil {
		p, err := audio.NewPacer()
		if err != nil {
			return nil, fmt.Errorf("ws: starting the pacer: %w", err)
		}
		t.pacer, t.ownPacer = p, true
	}
	if cfg.AuthToken != "" {
		t.signer = newSigner(cfg)
	}
	for _, origin := range cfg.AllowedOrigins {
		t.origins[strings.ToLower(strings.TrimSuffix(origin, "/"))] = true
	}
	t.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.WriteTimeout,
		ReadBufferSize:   2048,
		WriteBufferSize:  1024,
		// Origins are checked before the upgrade (checkOrigin), with an
		// HTTP 403 that says why.
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			http.Error(w, "parley: "+reason.Error(), status)
		},
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	return t, nil
}

// Config returns the configuration in use, defaults filled in.
func (t *Twilio) Config() Config { return t.cfg }

// ServeHTTP upgrades a Media Streams request to a WebSocket and runs the
// call until it ends. Before the upgrade it refuses: methods other than GET
// (405), a browser Origin not in twilio.allowed_origins (403), a missing or
// invalid X-Twilio-Signature when twilio.auth_token is set (403), more
// than twilio.max_calls streams or a closed transport (503).
func (t *Twilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "parley: the Twilio Media Streams endpoint takes a WebSocket GET", http.StatusMethodNotAllowed)
		return
	}
	if !t.originAllowed(r) {
		t.unauthorized.Add(1)
		t.log.Warn("twilio: refused a stream from a browser origin; add it to twilio.allowed_origins if it is yours",
			"origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		http.Error(w, "parley: origin not allowed", http.StatusForbidden)
		return
	}
	if t.signer != nil {
		if err := t.signer.check(r); err != nil {
			t.unauthorized.Add(1)
			t.log.Warn("twilio: refused a stream with a missing or invalid signature; check twilio.auth_token and twilio.public_url",
				"remote", r.RemoteAddr, "signed_url", t.signer.signedURL(r))
			http.Error(w, "parley: "+err.Error(), http.StatusForbidden)
			return
		}
	}
	if err := t.reserve(); err != nil {
		t.overCapacity.Add(1)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "parley: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer t.release()
	conn, err := t.upgrader.Upgrade(w, r, nil)
	if err != nil {
		t.log.Debug("twilio: upgrade failed", "remote", r.RemoteAddr, "err", err)
		return // the upgrader has answered
	}
	c := newCall(t, conn, r.RemoteAddr)
	t.track(c)
	c.run()
	t.untrack(c)
}

// originAllowed reports whether r's Origin (if any) may open a stream.
func (t *Twilio) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || t.origins[strings.ToLower(strings.TrimSuffix(origin, "/"))]
}

// reserve takes a stream slot, or says why there is none.
func (t *Twilio) reserve() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrClosed
	}
	if t.active.Load() >= int64(t.cfg.MaxCalls) {
		return fmt.Errorf("%w: %d streams open (twilio.max_calls)", bridge.ErrBusy, t.cfg.MaxCalls)
	}
	t.active.Add(1)
	t.wg.Add(1)
	return nil
}

// release gives back the slot of reserve.
func (t *Twilio) release() {
	t.active.Add(-1)
	t.wg.Done()
}

// track registers a running call, ending it at once if Close came first.
func (t *Twilio) track(c *Call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls[c] = struct{}{}
	if t.closed {
		c.end(ErrClosed, websocket.CloseGoingAway, "server shutting down")
	}
}

// untrack removes an ended call and adds its counters to the totals.
func (t *Twilio) untrack(c *Call) {
	st := c.Stats()
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.calls, c)
	t.ended.add(st)
}

// Stats returns a snapshot of the transport's counters.
func (t *Twilio) Stats() Stats {
	t.mu.Lock()
	total := t.ended
	calls := make([]*Call, 0, len(t.calls))
	for c := range t.calls {
		calls = append(calls, c)
	}
	t.mu.Unlock()
	for _, c := range calls {
		total.add(c.Stats())
	}
	return Stats{
		Active: int(t.active.Load()), Accepted: t.accepted.Load(), Refused: t.refused.Load(),
		Unauthorized: t.unauthorized.Load(), OverCapacity: t.overCapacity.Load(), Failed: t.failed.Load(),
		Calls: total,
	}
}

// Close refuses new streams (HTTP 503), ends every call with close code
// 1001 (going away) and ErrClosed, waits for them to finish and stops the
// transport's own pacer (not one given with WithPacer). A hijacked
// WebSocket is not tracked by http.Server.Shutdown, so the server calls
// Close when it shuts down. Close is idempotent and returns nil.
func (t *Twilio) Close() error {
	t.mu.Lock()
	already := t.closed
	t.closed = true
	calls := make([]*Call, 0, len(t.calls))
	for c := range t.calls {
		calls = append(calls, c)
	}
	t.mu.Unlock()
	for _, c := range calls {
		c.end(ErrClosed, websocket.CloseGoingAway, "server shutting down")
	}
	t.wg.Wait()
	if !already {
		t.cancel()
		if t.ownPacer {
			_ = t.pacer.Close()
		}
	}
	return nil
}

// refusal maps an Accept error to a WebSocket close code and reason, as
// the HTTP status a SIP or WHIP transport would answer with.
func refusal(err error) (code int, reason string) {
	switch {
	case errors.Is(err, bridge.ErrBusy):
		return websocket.CloseTryAgainLater, "busy (503): at capacity, try again later"
	case errors.Is(err, bridge.ErrRejected):
		return websocket.ClosePolicyViolation, "rejected (403): call not allowed"
	default:
		return websocket.CloseInternalServerErr, "server error (500): the call could not be started"
	}
}

// closeReason trims a close reason to the 123 bytes a close frame holds,
// at a character boundary.
func closeReason(s string) string {
	const maxReason = 123
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= maxReason {
		return s
	}
	s = s[:maxReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// durationText formats a configured duration for a close reason ("10s").
func durationText(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}
