package ws

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// closeGrace is how long the writer waits, after sending a close frame,
// for the far end's answering close before it drops the TCP connection.
// Closing a socket with unread data resets it, which can destroy the close
// frame before the far end reads it.
const closeGrace = time.Second

// Call is one Twilio Media Stream, the bridge.Call the transport hands to
// the Handler. All methods are safe for concurrent use.
//
// Three goroutines work on a call: the HTTP handler's goroutine reads the
// WebSocket (inbound audio, digits, marks), one writer goroutine owns all
// writes of data messages (media, mark, clear, close), and the pacer's
// worker calls the call's send function every 20 ms (bot audio into the
// send queue). None of them holds a lock across network I/O.
type Call struct {
	t    *Twilio
	conn *websocket.Conn
	log  *slog.Logger
	now  func() time.Time
	cfg  *Config

	// info is filled by the reader before Accept and read-only after.
	info bridge.Info
	// ep is set by the reader when Accept returns, before the pacer
	// session is registered and before started is set.
	ep      bridge.Endpoint
	started atomic.Bool
	refused bool // the Handler refused the call (reader goroutine only)
	ps      atomic.Pointer[audio.PacerSession]

	ctx    context.Context
	cancel context.CancelFunc

	endOnce     sync.Once
	done        chan struct{}
	err         error // why the call ended; written before done is closed
	closeCode   int   // close frame to send (0: none); written before done
	closeText   string
	closeSent   chan struct{} // closed once the close frame was written (or skipped)
	readerDone  chan struct{}
	writerDone  chan struct{}
	lastMediaNs atomic.Int64 // on the call's clock
	flushed     atomic.Bool  // Flush happened since the last tick

	q     sendQueue
	marks markTracker
	in    inbound  // reader goroutine only
	out   outbound // pacer send function only
	st    counters
}

// newCall wraps an upgraded connection.
func newCall(t *Twilio, conn *websocket.Conn, remote string) *Call {
	now := t.now()
	c := &Call{
		t: t, conn: conn, now: t.now, cfg: &t.cfg,
		done: make(chan struct{}), closeSent: make(chan struct{}),
		readerDone: make(chan struct{}), writerDone: make(chan struct{}),
	}
	c.info = bridge.Info{
		ID: bridge.NewID(now), Channel: bridge.ChannelTwilio, Direction: bridge.Inbound,
		Remote: remote, Codec: "PCMU/8000",
	}
	c.log = t.log.With("call_id", c.info.ID)
	c.ctx, c.cancel = context.WithCancel(t.ctx)
	c.q.init(t.cfg.SendQueue)
	return c
}

// run serves the call on the handler's goroutine until it has ended and
// its goroutines and pacer session have stopped.
func (c *Call) run() {
	go c.writeLoop()
	c.conn.SetReadLimit(int64(c.cfg.MaxMessageSize))
	_ = c.conn.SetReadDeadline(time.Now().Add(c.cfg.StartTimeout))
	c.conn.SetPongHandler(func(string) error { c.in.refreshDeadline(c); return nil })
	c.readLoop()
	<-c.writerDone
	if ps := c.ps.Load(); ps != nil {
		<-ps.Done()
	}
	c.cancel()
	err := c.Err()
	st := c.Stats()
	if !c.started.Load() && !c.refused {
		c.t.failed.Add(1)
	}
	c.log.Info("twilio: stream ended", "err", err,
		"frames_in", st.FramesIn, "frames_out", st.FramesOut, "dropped", st.Dropped,
		"bad_messages", st.BadMessages, "marks_played", st.MarksPlayed, "playback_lag", st.PlaybackLag)
}

// end ends the call once: it records why, closes Done, cancels the call's
// context and stops its pacer session. The writer then sends the close
// frame (code 0: none) and closes the connection. end does no I/O and
// never blocks, so any goroutine may call it, the pacer's included.
func (c *Call) end(err error, code int, reason string) bool {
	first := false
	c.endOnce.Do(func() {
		first = true
		c.err, c.closeCode, c.closeText = err, code, closeReason(reason)
		close(c.done)
		c.cancel()
		if ps := c.ps.Load(); ps != nil {
			ps.Unregister()
		}
	})
	return first
}

// ended reports whether the call has ended.
func (c *Call) ended() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Info implements bridge.Call. Info.Params holds call_sid, stream_sid,
// account_sid and each custom <Parameter> of the TwiML <Stream> as
// "param_" + its lower-case name; From and To come from custom parameters
// named "from" and "to" (any case), and Direction is Outbound when a
// "direction" parameter starts with "outbound" (pass Twilio's {{Direction}}).
func (c *Call) Info() bridge.Info { return c.info }

// Hangup implements bridge.Call: it closes the WebSocket with code 1000
// (normal closure) and reason, after the bot audio already queued; Twilio
// then goes on with the TwiML after <Connect> (or ends the call if there is
// none). It returns once the close frame is written or ctx is done, and
// is idempotent.
func (c *Call) Hangup(ctx context.Context, reason string) error {
	if reason == "" {
		reason = "call ended"
	}
	c.end(nil, websocket.CloseNormalClosure, reason)
	select {
	case <-c.closeSent:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ws: hangup: %w", ctx.Err())
	}
}

// Transfer implements bridge.Call. A Media Stream cannot transfer its call:
// it returns bridge.ErrUnsupported (bridge.ErrCallEnded after the end).
// Transfer a Twilio call with Twilio's REST API (update the call with
// TwiML <Dial>), or end the stream and let the TwiML after <Connect> dial.
func (c *Call) Transfer(context.Context, string) error {
	if c.ended() {
		return bridge.ErrCallEnded
	}
	return fmt.Errorf("%w: a Twilio Media Stream cannot transfer; update the call through Twilio's REST API with TwiML <Dial>", bridge.ErrUnsupported)
}

// SendDTMF implements bridge.Call. A Media Stream cannot send keypad
// tones: it returns bridge.ErrUnsupported (bridge.ErrCallEnded after the
// end). Play digits with Twilio's REST API (TwiML <Play digits="...">).
func (c *Call) SendDTMF(string) error {
	if c.ended() {
		return bridge.ErrCallEnded
	}
	return fmt.Errorf("%w: a Twilio Media Stream cannot send DTMF; use Twilio's REST API with TwiML <Play digits>", bridge.ErrUnsupported)
}

// Flush implements bridge.Call: it drops the bot audio queued for sending
// and has the writer send a clear message ahead of anything queued after
// it, so that Twilio drops what it has buffered too. Marks sent before the
// clear come back at once (Twilio echoes them on clear); they count as
// cleared, not played. It never blocks.
func (c *Call) Flush() {
	if !c.started.Load() || c.ended() {
		return
	}
	n := c.q.flush()
	c.st.flushed.Add(uint64(n))
	c.marks.clearOutstanding()
	c.flushed.Store(true)
}

// AudioReady moves the call's bot audio to the pacer's next sub-tick
// (audio.PacerSession.Kick), so that a new bot answer starts within a
// millisecond instead of at the call's next 20 ms slot. The server calls
// it when bot audio becomes ready after a silence
// (pipeline.WithAudioReady). It never blocks.
func (c *Call) AudioReady() {
	if ps := c.ps.Load(); ps != nil {
		ps.Kick()
	}
}

// Done implements bridge.Call.
func (c *Call) Done() <-chan struct{} { return c.done }

// Err implements bridge.Call: nil after a stop message, a close by either
// side with code 1000 or 1001, or Hangup; bridge.ErrMediaTimeout when no
// media came for twilio.media_timeout; otherwise the error that ended the
// stream (ErrConnectionLost, ErrTooManyErrors, ErrUnsupportedFormat, a
// refusal from the Handler...). It is nil while the call runs.
func (c *Call) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Stats returns a snapshot of the call's counters.
func (c *Call) Stats() CallStats {
	st := c.st.snapshot()
	c.marks.fill(&st)
	if ps := c.ps.Load(); ps != nil {
		st.Pacer = ps.Stats()
	}
	return st
}

// accept builds the call's identity from the start message, asks the
// Handler for an Endpoint and connects it to the pacer. It reports
// whether the call is running.
func (c *Call) accept(m *message) bool {
	st := &m.start
	if st.StreamSid == "" {
		st.StreamSid = string(m.streamSid)
	}
	if st.StreamSid == "" {
		c.end(fmt.Errorf("%w: start message without a streamSid", ErrBadMessage),
			websocket.ClosePolicyViolation, "start message without a streamSid")
		return false
	}
	if p := st.formatProblem(); p != "" {
		c.end(fmt.Errorf("%w: got %s", ErrUnsupportedFormat, p), websocket.CloseUnsupportedData,
			"unsupported "+p+": Parley takes audio/x-mulaw, 8000 Hz, mono")
		return false
	}
	c.fillInfo(st)
	c.log = c.log.With("stream_sid", st.StreamSid, "call_sid", st.CallSid)
	c.out.init(c, st.StreamSid)
	c.in.init(c)
	ep, err := c.t.handler.Accept(c.ctx, c)
	if err != nil {
		c.t.refused.Add(1)
		c.refused = true
		code, reason := refusal(err)
		c.log.Info("twilio: call refused", "err", err)
		c.end(fmt.Errorf("ws: call refused: %w", err), code, reason)
		return false
	}
	c.ep = ep
	c.lastMediaNs.Store(c.now().UnixNano())
	ps, err := c.t.pacer.Register(c.tick)
	if err != nil {
		c.end(fmt.Errorf("ws: sending bot audio: %w", err), websocket.CloseInternalServerErr, "server error (500)")
		return false
	}
	c.ps.Store(ps)
	if c.ended() { // Hangup during Accept, or Close
		ps.Unregister()
		return false
	}
	c.started.Store(true)
	c.t.accepted.Add(1)
	_ = c.conn.SetReadDeadline(time.Now().Add(c.cfg.MediaTimeout))
	c.log.Info("twilio: call started", "from", c.info.From, "to", c.info.To, "remote", c.info.Remote)
	return true
}

// fillInfo completes Info from a start message.
func (c *Call) fillInfo(st *startInfo) {
	c.info.Started = c.now()
	p := map[string]string{"stream_sid": st.StreamSid}
	if st.CallSid != "" {
		p["call_sid"] = st.CallSid
	}
	if st.AccountSid != "" {
		p["account_sid"] = st.AccountSid
	}
	for k, v := range st.CustomParameters {
		lk := strings.ToLower(k)
		p["param_"+lk] = v
		switch lk {
		case "from":
			c.info.From = v
		case "to":
			c.info.To = v
		case "direction":
			if strings.HasPrefix(strings.ToLower(v), "outbound") {
				c.info.Direction = bridge.Outbound
			}
		}
	}
	c.info.Params = p
}
