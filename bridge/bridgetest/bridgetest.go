// Package bridgetest is a test kit for transports: an Endpoint that
// records what the caller sent and plays scripted bot audio, and a Handler
// that hands such endpoints out and keeps the calls it accepted.
package bridgetest

import (
	"context"
	"sync"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Endpoint is a bridge.Endpoint for tests. It keeps every caller sample
// and digit it receives (up to MaxSamples samples; later ones are counted
// only) and plays the bot audio queued with Play. The zero value is ready
// to use; it is safe for concurrent use.
type Endpoint struct {
	// MaxSamples bounds the caller audio kept (0 means 10 minutes at
	// 16 kHz).
	MaxSamples int

	mu      sync.Mutex
	caller  []int16
	frames  int
	dropped int
	digits  []byte
	bot     []int16
	played  int
	pushErr error
}

// PushAudio implements bridge.Endpoint. Frames at a rate other than
// audio.PipelineRate are an error, as with a pipeline.Session.
func (e *Endpoint) PushAudio(f audio.Frame) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pushErr != nil {
		return e.pushErr
	}
	if f.Rate != audio.PipelineRate || len(f.Samples) == 0 {
		return errBadFrame(f)
	}
	e.frames++
	limit := e.MaxSamples
	if limit <= 0 {
		limit = 600 * audio.PipelineRate
	}
	room := max(limit-len(e.caller), 0)
	n := min(room, len(f.Samples))
	e.caller = append(e.caller, f.Samples[:n]...)
	e.dropped += len(f.Samples) - n
	return nil
}

// PushDTMF implements bridge.Endpoint.
func (e *Endpoint) PushDTMF(digit byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pushErr != nil {
		return e.pushErr
	}
	e.digits = append(e.digits, digit)
	return nil
}

// NextFrame implements bridge.Endpoint: it plays the queued bot audio, then
// silence.
func (e *Endpoint) NextFrame(dst []int16) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := copy(dst, e.bot[e.played:])
	clear(dst[n:])
	e.played += n
	return n > 0
}

// Play queues bot audio (16 kHz) to be sent to the caller.
func (e *Endpoint) Play(samples []int16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.bot = append(e.bot, samples...)
}

// Playing reports whether queued bot audio is left.
func (e *Endpoint) Playing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.played < len(e.bot)
}

// StopPlaying drops the bot audio not yet played.
func (e *Endpoint) StopPlaying() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.bot, e.played = e.bot[:0], 0
}

// FailWith makes later PushAudio and PushDTMF calls return err (nil to
// stop failing), as a closed session does.
func (e *Endpoint) FailWith(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pushErr = err
}

// Caller returns a copy of the caller audio received so far (16 kHz).
func (e *Endpoint) Caller() []int16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int16(nil), e.caller...)
}

// Frames returns how many caller frames were pushed.
func (e *Endpoint) Frames() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.frames
}

// Digits returns the keypad digits received so far, in order.
func (e *Endpoint) Digits() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return string(e.digits)
}

// Handler is a bridge.Handler for tests: it accepts calls with a new
// Endpoint each (or refuses them with Refuse) and keeps them.
type Handler struct {
	mu     sync.Mutex
	refuse error
	calls  []Accepted
	notify chan Accepted
}

// Accepted is one call a Handler accepted.
type Accepted struct {
	Call     bridge.Call
	Endpoint *Endpoint
}

// NewHandler returns a Handler whose Calls channel buffers up to buffer
// accepted calls (further calls are still accepted and kept, but not sent
// on the channel).
func NewHandler(buffer int) *Handler {
	return &Handler{notify: make(chan Accepted, max(buffer, 1))}
}

// Refuse makes Accept return err (nil to accept again).
func (h *Handler) Refuse(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refuse = err
}

// Accept implements bridge.Handler.
func (h *Handler) Accept(_ context.Context, c bridge.Call) (bridge.Endpoint, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.refuse != nil {
		return nil, h.refuse
	}
	a := Accepted{Call: c, Endpoint: &Endpoint{}}
	h.calls = append(h.calls, a)
	select {
	case h.notify <- a:
	default:
	}
	return a.Endpoint, nil
}

// Calls returns the channel on which accepted calls are announced.
func (h *Handler) Calls() <-chan Accepted { return h.notify }

// All returns the calls accepted so far.
func (h *Handler) All() []Accepted {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Accepted(nil), h.calls...)
}
