package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/parley-voice/parley/server/records"
)

// routes returns the server's HTTP handler: the API, the metrics, the
// health check, and the transports' and web UI's handlers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /api/calls", s.timed(s.handleListCalls))
	mux.Handle("GET /api/calls/{id}", s.timed(s.handleGetCall))
	mux.Handle("GET /api/calls/{id}/recording.wav", s.timed(s.handleRecording))
	mux.HandleFunc("GET /api/events", s.handleEvents)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.Handle("GET /healthz", s.timed(s.handleHealth))
	mux.Handle("/api/", s.timed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
	}))
	for _, rt := range s.extraRoutes() {
		mux.Handle(rt.pattern, rt.handler)
	}
	return s.limitBody(mux)
}

// route is one extra handler (a transport's, the web UI, an option's).
type route struct {
	pattern string
	handler http.Handler
}

// limitBody bounds every request body to http.max_body_bytes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.HTTP.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// timed bounds the writing of a response to http.write_timeout (the
// server itself has no write timeout, for the event streams).
func (s *Server) timed(fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.HTTP.WriteTimeout))
		fn(w, r)
	})
}

// writeJSON writes v as the JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the response failed: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError writes {"error": msg} with status.
func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// handleListCalls serves GET /api/calls?limit=&cursor=&channel=&status=
// &since=&until=&q=: a page of call summaries, newest first.
func (s *Server) handleListCalls(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	page, err := s.store.List(r.Context(), q)
	switch {
	case errors.Is(err, records.ErrInvalid):
		writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), records.ErrInvalid.Error()+": "))
		return
	case err != nil:
		s.log.Error("listing calls failed", "err", err)
		writeError(w, http.StatusInternalServerError, "listing calls failed; see the server's log")
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// listQuery reads the query parameters of GET /api/calls.
func listQuery(r *http.Request) (records.Query, error) {
	v := r.URL.Query()
	limit, err := atoiDefault(v.Get("limit"), 0)
	if err != nil {
		return records.Query{}, errors.New("limit: " + err.Error())
	}
	q := records.Query{Limit: limit, Cursor: v.Get("cursor"), Channel: v.Get("channel"), Status: v.Get("status"),
		Text: v.Get("q")}
	if len(q.Text) > 256 || len(q.Channel) > 32 || len(q.Cursor) > 512 {
		return records.Query{}, errors.New("a query parameter is too long")
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return records.Query{}, errors.New(p.name + ": not an RFC 3339 time (e.g. 2026-03-02T14:00:00Z)")
			}
			*p.dst = t
		}
	}
	return q, nil
}

// handleGetCall serves GET /api/calls/{id}: the record, live or stored.
func (s *Server) handleGetCall(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.record(w, r)
	if ok {
		writeJSON(w, http.StatusOK, rec)
	}
}

// record finds the call of the request's {id}, writing the error response
// when there is none.
func (s *Server) record(w http.ResponseWriter, r *http.Request) (records.Record, bool) {
	id := r.PathValue("id")
	if !validCallID(id) {
		writeError(w, http.StatusNotFound, "no call with id "+id)
		return records.Record{}, false
	}
	if rec, ok := s.calls.snapshot(id); ok {
		return rec, true
	}
	rec, err := s.store.Get(r.Context(), id)
	switch {
	case errors.Is(err, records.ErrNotFound):
		writeError(w, http.StatusNotFound, "no call with id "+id)
		return records.Record{}, false
	case err != nil:
		s.log.Error("reading a call record failed", "call_id", id, "err", err)
		writeError(w, http.StatusInternalServerError, "reading the call record failed; see the server's log")
		return records.Record{}, false
	}
	return rec, true
}

// handleRecording serves GET /api/calls/{id}/recording.wav with range
// requests.
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.record(w, r)
	if !ok {
		return
	}
	if rec.RecordingFile == "" {
		msg := "call " + rec.ID + " has no recording"
		if rec.Status == records.StatusLive {
			msg += " yet: it is still in progress"
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	f, err := os.Open(rec.RecordingFile)
	if err != nil {
		s.log.Warn("recording file missing", "call_id", rec.ID, "file", rec.RecordingFile, "err", err)
		writeError(w, http.StatusNotFound, "the recording of call "+rec.ID+" is no longer on the server")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading the recording failed")
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", `inline; filename="`+rec.ID+`.wav"`)
	http.ServeContent(w, r, rec.ID+".wav", st.ModTime(), f)
}

// health is the JSON of GET /healthz.
type health struct {
	Status      string  `json:"status"`
	ActiveCalls int     `json:"active_calls"`
	UptimeS     float64 `json:"uptime_s"`
}

// handleHealth serves GET /healthz: 200 while serving, 503 while shutting
// down (so a load balancer stops sending calls).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	h := health{Status: "ok", ActiveCalls: s.calls.active(), UptimeS: time.Since(s.started).Seconds()}
	status := http.StatusOK
	if s.calls.isDraining() {
		h.Status, status = "shutting_down", http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}
