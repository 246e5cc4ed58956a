package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/server/recording"
	"github.com/parley-voice/parley/server/records"
)

// Timeouts of the call's control actions.
const (
	// controlTimeout bounds a Hangup, a Transfer or a handoff.
	controlTimeout = 10 * time.Second
	// goodbyeTimeout hangs up a call whose goodbye (a failed handoff's
	// apology) never finished playing.
	goodbyeTimeout = 30 * time.Second
)

// call is one call in progress: its session, and the goroutine that keeps
// its record, feeds the live events and carries out the agent's actions.
type call struct {
	m       *manager
	bc      bridge.Call
	info    bridge.Info
	log     *slog.Logger
	sess    *pipeline.Session
	sub     *pipeline.Subscription
	agent   agentic.Agent
	rec     *recording.Recording
	started time.Time

	mu sync.Mutex // guards b, for snapshots from the HTTP API
	b  *recordBuilder

	// Owned by the call's goroutine.
	endReason   string // set by the server's own hang-ups; first one wins
	ending      bool   // a hang-up is under way or due: no more actions
	hangupAt    ticker // fires when a delayed hang-up is due
	goodbye     int    // 1: hang up after the next bot speech; 2: after turn goodbyeTurn
	goodbyeTurn int
	speechEnd   time.Duration
	awaitFinal  bool
	handoffDone chan handoffOutcome
	finished    bool
	wg          sync.WaitGroup // control goroutines (hang-up, handoff)
}

// handoffOutcome is a finished handoff, for the call's goroutine.
type handoffOutcome struct {
	res HandoffResult
	err error
}

// ticker is an optional pipeline.Ticker.
type ticker struct{ t pipeline.Ticker }

func (t *ticker) c() <-chan time.Time {
	if t.t == nil {
		return nil
	}
	return t.t.C()
}

func (t *ticker) stop() {
	if t.t != nil {
		t.t.Stop()
		t.t = nil
	}
}

// snapshot returns the record so far.
func (c *call) snapshot() records.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.snapshot()
}

// run is the call's goroutine: from the answer until its record is queued.
func (c *call) run() {
	m := c.m
	defer m.release(c.info.ID)
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("call goroutine panicked; ending the call", "panic", r, "stack", string(debug.Stack()))
			m.metrics.errors.WithLabelValues("server").Inc()
			c.endReason = EndError
			if !c.finished {
				c.finish()
			}
		}
	}()
	m.metrics.activeCalls.Inc()
	if err := m.store.Start(m.ctx, c.snapshot()); err != nil {
		c.log.Error("call record not started", "err", err)
	}
	m.hub.publish(newLiveEvent(EventCallStarted, c.info.ID, 0, map[string]any{"channel": c.info.Channel,
		"direction": c.info.Direction, "from": c.info.From, "to": c.info.To, "codec": c.info.Codec}))
	var maxDur ticker
	if d := m.cfg.Call.MaxDuration; d > 0 {
		maxDur.t = m.clock.NewTicker(d)
	}
	defer maxDur.stop()
	c.loop(&maxDur)
	c.finish()
}

// loop handles the session's events until the call ends.
func (c *call) loop(maxDur *ticker) {
	m := c.m
	hangAll := m.hangAll
	defer c.hangupAt.stop()
	for {
		select {
		case e, ok := <-c.sub.Events():
			if !ok { // the session ended on its own (an engine panicked)
				c.hangup(EndError, 0)
				return
			}
			c.handle(e)
		case <-c.bc.Done():
			return
		case <-maxDur.c():
			maxDur.stop()
			c.log.Info("call reached call.max_duration; hanging up", "max_duration", m.cfg.Call.MaxDuration.String())
			c.hangup(EndMaxDuration, 0)
		case <-c.hangupAt.c():
			c.hangupAt.stop()
			c.hangupNow()
		case o := <-c.handoffDone:
			c.handoffFinished(o)
		case <-hangAll:
			c.hangup(EndShutdown, 0)
			hangAll = nil // handled; the call ends soon
		}
	}
}

// handle records one event, publishes it live and carries out actions.
func (c *call) handle(e pipeline.Event) {
	m := c.m
	c.mu.Lock()
	c.b.add(e)
	c.mu.Unlock()
	if le, ok := liveFromSession(e); ok {
		m.hub.publish(le)
	}
	switch ev := e.(type) {
	case pipeline.SpeechStoppedEvent:
		c.speechEnd, c.awaitFinal = ev.End, true
	case pipeline.TranscriptEvent:
		if ev.Transcript.Final && c.awaitFinal {
			c.awaitFinal = false
			if d := ev.At - c.speechEnd; d >= 0 {
				m.metrics.sttFinal.Observe(d.Seconds())
			}
		}
	case pipeline.BargeInEvent:
		m.metrics.bargeIns.Inc()
	case pipeline.ErrorEvent:
		m.metrics.errors.WithLabelValues(ev.Stage).Inc()
	case pipeline.BotSpeechStartedEvent:
		if c.goodbye == 1 {
			c.goodbye, c.goodbyeTurn = 2, ev.Turn
		}
	case pipeline.BotSpeechStoppedEvent:
		if c.goodbye == 2 && ev.Turn >= c.goodbyeTurn {
			c.goodbye = 0
			c.hangup(EndHandoffUnavailable, m.cfg.Call.HangupDelay)
		}
	case pipeline.ActionEvent:
		c.act(ev)
	}
}

// act carries out an agent's control action. Actions marked AfterSpeech
// arrive once the caller heard what preceded them.
func (c *call) act(ev pipeline.ActionEvent) {
	if c.ending {
		return
	}
	switch a := ev.Action.(type) {
	case agentic.EndCall, pipeline.EndCall:
		c.log.Info("the agent ended the call", "reason", actionFields(a)["reason"])
		c.hangup(EndBotHangup, c.m.cfg.Call.HangupDelay)
	case agentic.SendDTMF:
		if err := c.bc.SendDTMF(a.Digits); err != nil {
			c.log.Warn("sending DTMF failed", "digits", a.Digits, "err", err)
			c.event("dtmf_failed", map[string]any{"digits": a.Digits, "error": err.Error()})
		}
	default:
		if req, ok := handoffRequest(a, c.m.cfg.Handoff.DefaultQueue); ok {
			c.handoff(req)
		}
	}
}

// event adds an event of the server's own to the record and the live
// stream.
func (c *call) event(kind string, data map[string]any) {
	at := c.m.clock.Now().Sub(c.started)
	c.mu.Lock()
	c.b.event(kind, at, data)
	c.mu.Unlock()
	f := make(map[string]any, len(data)+1)
	for k, v := range data {
		f[k] = v
	}
	f["action"] = kind
	c.m.hub.publish(newLiveEvent(EventAction, c.info.ID, at.Milliseconds(), f))
}

// handoff starts carrying out a handoff on a goroutine of its own.
func (c *call) handoff(req HandoffRequest) {
	req.Call, req.Session = c.bc, c.sess
	c.log.Info("handing the call off", "queue", req.Queue, "reason", req.Reason)
	c.ending = true // no other action until it is done
	c.spawn(func() {
		ctx, cancel := context.WithTimeout(c.m.ctx, controlTimeout)
		defer cancel()
		res, err := c.m.handoffs.Handoff(ctx, req)
		c.handoffDone <- handoffOutcome{res: res, err: err}
	})
}

// handoffFinished records a handoff's outcome; a failed one is apologised
// for and the call ends once the apology was heard.
func (c *call) handoffFinished(o handoffOutcome) {
	if !c.recordHandoff(o) {
		return
	}
	msg := c.m.cfg.Handoff.UnavailableMessage
	if msg == "" || c.sess.Say(msg) != nil {
		c.hangup(EndHandoffUnavailable, 0)
		return
	}
	c.goodbye = 1
	c.hangupAt.stop()
	c.hangupAt.t = c.m.clock.NewTicker(goodbyeTimeout)
	c.endReason = EndHandoffUnavailable
}

// recordHandoff records a handoff's outcome and reports whether it
// failed.
func (c *call) recordHandoff(o handoffOutcome) (failed bool) {
	if o.err == nil {
		c.event("handoff_result", map[string]any{"status": o.res.Status, "target": o.res.Target})
		if o.res.Status == HandoffTransferred {
			c.endReason = EndTransferred
		}
		c.ending = o.res.Status == HandoffTransferred
		return false
	}
	c.log.Warn("handoff not carried out; ending the call", "err", o.err)
	c.event("handoff_result", map[string]any{"status": "unavailable", "error": o.err.Error()})
	if c.endReason == "" {
		c.endReason = EndHandoffUnavailable
	}
	return true
}

// hangup ends the call after delay (at once when 0), for reason.
func (c *call) hangup(reason string, delay time.Duration) {
	if c.endReason == "" || c.endReason == EndHandoffUnavailable && reason == EndHandoffUnavailable {
		c.endReason = reason
	}
	c.ending = true
	c.hangupAt.stop()
	if delay <= 0 {
		c.hangupNow()
		return
	}
	c.hangupAt.t = c.m.clock.NewTicker(delay)
}

// hangupNow asks the transport to hang up, on a goroutine of its own.
func (c *call) hangupNow() {
	reason := c.endReason
	c.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), controlTimeout)
		defer cancel()
		if err := c.bc.Hangup(ctx, reason); err != nil {
			c.log.Warn("hang-up failed", "reason", reason, "err", err)
		}
	})
}

// spawn runs fn on a goroutine the call waits for before it finishes; a
// panic in fn is logged, not fatal.
func (c *call) spawn(fn func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				c.log.Error("call control goroutine panicked", "panic", r, "stack", string(debug.Stack()))
				c.m.metrics.errors.WithLabelValues("server").Inc()
			}
		}()
		fn()
	}()
}

// finish closes the session, the recording and the agent, completes the
// record and reports the call's end.
func (c *call) finish() {
	m := c.m
	c.finished = true
	select {
	case <-c.bc.Done():
	default: // the session or this goroutine failed: end the call
		c.hangupNow()
	}
	c.ending = true
	if err := c.sess.Close(); err != nil {
		c.log.Warn("closing the call's engines", "err", err)
	}
	for e := range c.sub.Events() { // the events published while it closed
		c.mu.Lock()
		c.b.add(e)
		c.mu.Unlock()
	}
	closeAgent(c.agent)
	c.wg.Wait()
	select {
	case o := <-c.handoffDone: // the call ended (a transfer) before the loop saw the outcome
		c.recordHandoff(o)
	default:
	}
	reason := c.reason()
	now := m.clock.Now()
	c.mu.Lock()
	rec := c.b.snapshot()
	c.mu.Unlock()
	rec.EndedAt, rec.EndReason = now, reason
	rec.DurationMS = max(now.Sub(c.started).Milliseconds(), 0)
	c.recordingDone(&rec)
	if err := m.store.Complete(m.ctx, rec); err != nil {
		c.log.Error("call record not completed", "err", err)
	}
	m.metrics.calls.WithLabelValues(c.info.Channel, reason).Inc()
	m.metrics.activeCalls.Dec()
	m.hub.publish(newLiveEvent(EventCallEnded, c.info.ID, rec.DurationMS,
		map[string]any{"reason": reason, "duration_ms": rec.DurationMS}))
	c.log.Info("call ended", "reason", reason, "duration_ms", rec.DurationMS, "turns", len(rec.Turns))
}

// reason says why the call ended.
func (c *call) reason() string {
	if c.endReason != "" {
		return c.endReason
	}
	select {
	case <-c.bc.Done():
	default:
		return EndError
	}
	switch err := c.bc.Err(); {
	case err == nil:
		return EndCallerHangup
	case errors.Is(err, bridge.ErrMediaTimeout):
		return EndMediaTimeout
	default:
		c.log.Warn("call ended by a transport error", "err", err)
		return EndError
	}
}

// recordingDone notes the recording in the record once the session closed
// it.
func (c *call) recordingDone(rec *records.Record) {
	if c.rec == nil {
		return
	}
	st := c.rec.Stats()
	if st.CallerDropped > 0 || st.BotDropped > 0 {
		c.m.metrics.recDropped.WithLabelValues("caller").Add(float64(st.CallerDropped))
		c.m.metrics.recDropped.WithLabelValues("bot").Add(float64(st.BotDropped))
		c.log.Warn("recording lost frames: the disk is too slow", "caller_dropped", st.CallerDropped, "bot_dropped", st.BotDropped)
	}
	if err := c.rec.Err(); err != nil {
		c.m.metrics.errors.WithLabelValues("recording").Inc()
		rec.Events = append(rec.Events, records.Event{Type: "error", AtMS: rec.DurationMS,
			Data: map[string]any{"stage": "recording", "error": err.Error()}})
	}
	if st.Written > 0 {
		rec.Recording = fmt.Sprintf("/api/calls/%s/recording.wav", c.info.ID)
		rec.RecordingFile = c.rec.Path()
	}
}
