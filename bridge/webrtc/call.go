package webrtc

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// call is one browser call: a pion PeerConnection and the media between
// it and the call's bridge.Endpoint. It implements bridge.Call.
//
// Goroutines: pion's callbacks (connection state, track, data channel),
// the track reader (the browser's RTP into the jitter buffer), the RTCP
// reader of the sender, the pump (jitter buffer into the endpoint and
// queued bot audio out, woken by the pacer) and the lifecycle goroutine
// run by the WHIP endpoint, which tears everything down once end is
// called and closes done last.
type call struct {
	w      *WHIP
	info   bridge.Info
	log    *slog.Logger
	pc     *pion.PeerConnection
	track  *pion.TrackLocalStaticSample
	sender *pion.RTPSender
	ctx    context.Context
	cancel context.CancelFunc

	// ep is written before started is closed and only read after it.
	ep      bridge.Endpoint
	started chan struct{}

	in  *audio.JitterBuffer
	enc *audio.OpusEncoder
	out outQueue
	// wake carries pacer ticks to the pump (capacity 1: ticks that find
	// it full are counted in due, not lost).
	wake    chan struct{}
	due     atomic.Int32
	tickBuf []int16 // the pacer's scratch frame

	connected   atomic.Bool
	gotTrack    atomic.Bool
	stopConnect func() bool

	endOnce sync.Once
	endCh   chan struct{}
	done    chan struct{}

	mu        sync.Mutex
	err       error
	reason    string
	ending    bool                // set by teardown: no media goroutine may start
	pacerSess *audio.PacerSession // set once connected
	media     sync.WaitGroup

	stats callStats
}

// callStats are a call's media counters (atomics: written by the media
// goroutines, read at the end).
type callStats struct {
	packetsIn, invalidIn, dtmfIn, readErrors atomic.Uint64
	framesIn, pushErrors                     atomic.Uint64
	framesOut, encodeErrors, writeErrors     atomic.Uint64
	digits, badDigits                        atomic.Uint64
}

// Info implements bridge.Call.
func (c *call) Info() bridge.Info { return c.info }

// Hangup implements bridge.Call: it closes the peer connection (a DTLS
// close_notify tells the browser) and waits for the call's goroutines, or
// for ctx. Called from inside Handler.Accept it returns at once and the
// call ends as soon as Accept returns.
func (c *call) Hangup(ctx context.Context, reason string) error {
	c.end(nil, reason)
	select {
	case <-c.started:
	default:
		// Called from inside Accept: the teardown runs once it returns.
		return nil
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("webrtc: hangup of call %s: %w", c.info.ID, ctx.Err())
	}
}

// Transfer implements bridge.Call: a browser call cannot be transferred.
func (c *call) Transfer(context.Context, string) error {
	return fmt.Errorf("webrtc: transfer of call %s: %w (a browser call has no SIP leg to refer; hand off to an agent instead)", c.info.ID, bridge.ErrUnsupported)
}

// SendDTMF implements bridge.Call: browsers do not receive keypad tones.
func (c *call) SendDTMF(string) error {
	return fmt.Errorf("webrtc: DTMF to call %s: %w (browsers do not receive RFC 4733 events)", c.info.ID, bridge.ErrUnsupported)
}

// Flush implements bridge.Call: it drops the bot audio queued for the
// writer. What the browser has buffered (its jitter buffer, tens of
// milliseconds) cannot be recalled.
func (c *call) Flush() { c.out.flush() }

// Done implements bridge.Call. It is closed after the peer connection is
// closed and the call's goroutines have returned: the endpoint gets no
// more PushAudio or PushDTMF calls from then on.
func (c *call) Done() <-chan struct{} { return c.done }

// Err implements bridge.Call.
func (c *call) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// end asks for the call to end with err (nil for a normal hangup); the
// first call wins. It never blocks.
func (c *call) end(err error, reason string) {
	c.endOnce.Do(func() {
		c.mu.Lock()
		c.err, c.reason = err, reason
		c.mu.Unlock()
		close(c.endCh)
	})
}

// endpoint returns the call's endpoint once the call has started, nil
// before.
func (c *call) endpoint() bridge.Endpoint {
	select {
	case <-c.started:
		return c.ep
	default:
		return nil
	}
}

// enterMedia registers a media goroutine with the call; it reports false
// once teardown has begun (the goroutine must then return at once).
func (c *call) enterMedia() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ending {
		return false
	}
	c.media.Add(1)
	return true
}

// goMedia runs fn in a media goroutine unless teardown has begun.
func (c *call) goMedia(fn func()) {
	if !c.enterMedia() {
		return
	}
	go func() {
		defer c.media.Done()
		fn()
	}()
}

// start connects the accepted call: its endpoint, the connect timeout,
// and the RTCP reader of the sender. The WHIP endpoint then runs c.run.
func (c *call) start(ep bridge.Endpoint) {
	c.ep = ep
	close(c.started)
	c.stopConnect = c.w.opts.afterFunc(c.w.cfg.ConnectTimeout, func() {
		if !c.connected.Load() {
			c.end(fmt.Errorf("webrtc: %w: the browser did not connect within %v of the answer (check that UDP %s reaches this server)",
				bridge.ErrMediaTimeout, c.w.cfg.ConnectTimeout, c.w.portsText()), "connect timeout")
		}
	})
	c.goMedia(c.readRTCP)
}

// run waits for the end of the call and tears it down.
func (c *call) run() {
	<-c.endCh
	c.teardown()
}

// teardown stops the pacer session, closes the peer connection, waits
// for the media goroutines, releases the call and closes done.
func (c *call) teardown() {
	c.cancel()
	if c.stopConnect != nil {
		c.stopConnect()
	}
	c.mu.Lock()
	c.ending = true
	sess := c.pacerSess
	c.mu.Unlock()
	if sess != nil {
		sess.Unregister()
		<-sess.Done()
	}
	if err := c.pc.Close(); err != nil {
		c.log.Warn("closing the peer connection", "err", err)
	}
	c.media.Wait()
	c.logSummary()
	c.w.release(c)
	close(c.done)
}

// onConnectionState follows the peer connection: connected starts the
// media clock; failed and closed end the call.
func (c *call) onConnectionState(s pion.PeerConnectionState) {
	c.log.Debug("peer connection state", "state", s.String())
	switch s {
	case pion.PeerConnectionStateConnected:
		c.onConnected()
	case pion.PeerConnectionStateDisconnected:
		c.log.Info("browser unreachable; the call ends unless it is back within ice_timeout", "ice_timeout", c.w.cfg.ICETimeout)
	case pion.PeerConnectionStateFailed:
		c.end(fmt.Errorf("webrtc: %w: nothing arrived from the browser for %v (ICE failed)", bridge.ErrMediaTimeout, c.w.cfg.ICETimeout), "ice failed")
	case pion.PeerConnectionStateClosed:
		c.end(nil, "peer connection closed")
	}
}

// onConnected starts the call's media clock the first time the peer
// connection is up: the pacer session and the pump.
func (c *call) onConnected() {
	select {
	case <-c.started:
	case <-c.endCh:
		return
	}
	if c.connected.Swap(true) {
		return // back from disconnected
	}
	if pair, err := c.sender.Transport().ICETransport().GetSelectedCandidatePair(); err == nil && pair != nil {
		c.log.Info("browser connected", "local", fmt.Sprintf("%s:%d", pair.Local.Address, pair.Local.Port),
			"remote", fmt.Sprintf("%s:%d", pair.Remote.Address, pair.Remote.Port), "remote_type", pair.Remote.Typ.String())
	}
	c.mu.Lock()
	if c.ending {
		c.mu.Unlock()
		return
	}
	sess, err := c.w.pacer.Register(c.tick)
	if err == nil {
		c.pacerSess = sess
		c.media.Add(1)
	}
	c.mu.Unlock()
	if err != nil {
		c.end(fmt.Errorf("webrtc: the media clock is stopped (server shutting down): %w", err), "pacer closed")
		return
	}
	go func() {
		defer c.media.Done()
		c.pump()
	}()
}

// logSummary logs the call's counters at its end.
func (c *call) logSummary() {
	c.mu.Lock()
	err, reason := c.err, c.reason
	c.mu.Unlock()
	dropped, flushed := c.out.counts()
	js := c.in.Stats()
	s := &c.stats
	attrs := []any{
		"reason", reason, "duration", c.w.opts.now().Sub(c.info.Started).Round(time.Millisecond),
		"packets_in", s.packetsIn.Load(), "invalid_in", s.invalidIn.Load(), "lost", js.Lost, "late", js.Late,
		"concealed_frames", js.Concealed, "frames_in", s.framesIn.Load(), "push_errors", s.pushErrors.Load(),
		"frames_out", s.framesOut.Load(), "out_dropped", dropped, "out_flushed", flushed,
		"encode_errors", s.encodeErrors.Load(), "write_errors", s.writeErrors.Load(),
		"digits", s.digits.Load(), "bad_digits", s.badDigits.Load(),
	}
	if err != nil {
		c.log.Info("call ended", append(attrs, "err", err)...)
		return
	}
	c.log.Info("call ended", attrs...)
}
