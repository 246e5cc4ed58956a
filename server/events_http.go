package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// Event stream timings.
const (
	// eventKeepAlive is how often an idle stream sends a keep-alive (an
	// SSE comment, a WebSocket ping), so proxies keep it open and a dead
	// client is noticed.
	eventKeepAlive = 15 * time.Second
	// eventWriteTimeout ends a stream whose client stopped reading: the
	// socket's buffers filled up and a write could not finish.
	eventWriteTimeout = 30 * time.Second
)

// handleEvents serves GET /api/events[?call_id=ID]: Server-Sent Events, or
// a WebSocket when the request is an upgrade.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	callID := r.URL.Query().Get("call_id")
	if callID != "" && !validCallID(callID) {
		writeError(w, http.StatusBadRequest, "call_id is not a call id (see GET /api/calls)")
		return
	}
	s.streams.Add(1)
	defer s.streams.Done()
	if websocket.IsWebSocketUpgrade(r) {
		s.eventsWebSocket(w, r, callID)
		return
	}
	s.eventsSSE(w, r, callID)
}

// droppedEvent tells a client it lost n events.
func droppedEvent(callID string, n uint64) liveEvent {
	return newLiveEvent(EventDropped, callID, 0, map[string]any{"count": n})
}

// eventsSSE streams events as text/event-stream, the event name being the
// type.
func (s *Server) eventsSSE(w http.ResponseWriter, r *http.Request, callID string) {
	c, ok := s.hub.subscribe(callID, s.cfg.HTTP.EventBuffer)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	defer s.hub.unsubscribe(c)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	write := func(e *liveEvent, comment string) bool {
		buf.Reset()
		if e != nil {
			fmt.Fprintf(&buf, "event: %s\ndata: %s\n\n", e.kind, e.data)
		} else {
			buf.WriteString(": " + comment + "\n\n")
		}
		_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(nil, "connected") {
		return
	}
	keep := time.NewTicker(eventKeepAlive)
	defer keep.Stop()
	for {
		select {
		case e := <-c.ch:
			if n := c.dropped.Swap(0); n > 0 {
				d := droppedEvent(callID, n)
				if !write(&d, "") {
					return
				}
			}
			if !write(&e, "") {
				return
			}
		case <-keep.C:
			if !write(nil, "keep-alive") {
				return
			}
		case <-r.Context().Done():
			return
		case <-c.gone:
			return
		}
	}
}

// eventsWebSocket streams events as WebSocket text messages, one JSON
// object each. Messages from the client are read and ignored.
func (s *Server) eventsWebSocket(w http.ResponseWriter, r *http.Request, callID string) {
	c, ok := s.hub.subscribe(callID, s.cfg.HTTP.EventBuffer)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	defer s.hub.unsubscribe(c)
	up := websocket.Upgrader{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 4096}
	conn, err := up.Upgrade(w, r, nil) // writes the HTTP error itself
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(4096)
	readerDone := make(chan struct{})
	go func() { // notices the client going away; answers pings
		defer close(readerDone)
		_ = conn.SetReadDeadline(time.Now().Add(2 * eventKeepAlive))
		conn.SetPongHandler(func(string) error {
			return conn.SetReadDeadline(time.Now().Add(2 * eventKeepAlive))
		})
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	defer func() { conn.Close(); <-readerDone }()
	send := func(data []byte) bool {
		_ = conn.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		return conn.WriteMessage(websocket.TextMessage, data) == nil
	}
	keep := time.NewTicker(eventKeepAlive)
	defer keep.Stop()
	for {
		select {
		case e := <-c.ch:
			if n := c.dropped.Swap(0); n > 0 && !send(droppedEvent(callID, n).data) {
				return
			}
			if !send(e.data) {
				return
			}
		case <-keep.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(eventWriteTimeout)) != nil {
				return
			}
		case <-readerDone:
			return
		case <-c.gone:
			_ = conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
			return
		}
	}
}

// validCallID reports whether id can be a call id: what bridge.NewID makes
// and what is safe in file names and URLs.
func validCallID(id string) bool {
	if id == "" || len(id) > 128 || id == "." || id == ".." {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// atoiDefault parses a non-negative integer query parameter.
func atoiDefault(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a non-negative integer", s)
	}
	return n, nil
}
