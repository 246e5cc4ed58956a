package ws

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// maxCatchUp bounds the extra frames a tick sends after the pacer skipped
// ticks (audio.Tick.Missed), so that a stall does not leave the bot's
// audio behind the wall clock for the rest of a talkspurt. Twilio buffers
// what arrives early.
const maxCatchUp = 5

// markPrefix names the marks this transport sends ("parley-1", ...).
const markPrefix = "parley-"

// outbound is the pacer send function's state: the bot's frame at each
// stage of encoding and the pre-built parts of the messages.
type outbound struct {
	pcm16 []int16 // one 20 ms frame at 16 kHz, from the endpoint
	pcm8  []int16
	ulaw  []byte
	msg   []byte
	down  *audio.Resampler

	mediaHead []byte // {"event":"media","streamSid":"MZ..","media":{"payload":"
	markHead  []byte // {"event":"mark","streamSid":"MZ..","mark":{"name":"
	clearMsg  []byte // read by the writer (written before the call starts)

	markEvery  bool
	inSpurt    bool
	sentFrames int64
}

// init builds the call's outbound messages for streamSid.
func (o *outbound) init(c *Call, streamSid string) {
	sid, _ := json.Marshal(streamSid) // a string always marshals
	o.mediaHead = fmt.Appendf(nil, `{"event":"media","streamSid":%s,"media":{"payload":"`, sid)
	o.markHead = fmt.Appendf(nil, `{"event":"mark","streamSid":%s,"mark":{"name":"`, sid)
	o.clearMsg = fmt.Appendf(nil, `{"event":"clear","streamSid":%s}`, sid)
	o.down, _ = audio.NewResampler(audio.PipelineRate, twilioRate, audio.WithStopbandAttenuation(resampleStopbandDB)) // valid: cannot fail
	o.pcm16 = make([]int16, frame16k)
	o.pcm8 = make([]int16, 0, frame8k)
	o.ulaw = make([]byte, 0, frame8k)
	o.msg = make([]byte, 0, len(o.mediaHead)+base64.StdEncoding.EncodedLen(frame8k)+8)
	o.markEvery = *c.cfg.MarkEvery
}

// tick is the call's pacer send function: it checks the media timeout,
// pulls the bot's next frame and queues it as a media message. It never
// blocks and, in steady state, does not allocate.
func (c *Call) tick(t audio.Tick) {
	if c.mediaTimedOut() {
		return
	}
	o := &c.out
	if c.flushed.Load() && c.flushed.Swap(false) {
		// The cleared audio's filter tail must not start the next answer,
		// and its talkspurt ended with the clear (no mark).
		o.down.Reset()
		o.inSpurt = false
	}
	n := 1
	if o.inSpurt {
		n += min(t.Missed, maxCatchUp)
	}
	for range n {
		if !c.sendFrame() {
			return
		}
	}
}

// mediaTimedOut ends the call when no media came for the media timeout.
func (c *Call) mediaTimedOut() bool {
	idle := c.now().UnixNano() - c.lastMediaNs.Load()
	if idle <= int64(c.cfg.MediaTimeout) {
		return false
	}
	c.end(fmt.Errorf("%w: none for %v (twilio.media_timeout)", bridge.ErrMediaTimeout, c.cfg.MediaTimeout),
		websocket.CloseNormalClosure, "no media for "+durationText(c.cfg.MediaTimeout))
	return true
}

// sendFrame queues the bot's next frame and reports whether it was bot
// audio. At the end of a talkspurt it sends one more frame, the silence
// that carries the resampler's tail, and then a mark.
func (c *Call) sendFrame() bool {
	o := &c.out
	if c.ep.NextFrame(o.pcm16) {
		o.inSpurt = true
		c.queueMedia()
		return true
	}
	if o.inSpurt {
		o.inSpurt = false
		c.queueMedia()
		if o.markEvery {
			c.queueMark()
		}
	}
	return false
}

// queueMedia encodes o.pcm16 as a media message and queues it.
func (c *Call) queueMedia() {
	o := &c.out
	o.pcm8 = o.down.Process(o.pcm8[:0], o.pcm16)
	o.ulaw = audio.EncodeULaw(o.ulaw[:0], o.pcm8)
	o.msg = append(o.msg[:0], o.mediaHead...)
	o.msg = base64.StdEncoding.AppendEncode(o.msg, o.ulaw)
	o.msg = append(o.msg, `"}}`...)
	o.sentFrames++
	c.st.framesOut.Add(1)
	if c.q.push(o.msg) {
		c.st.dropped.Add(1)
	}
}

// queueMark queues a mark after the audio sent so far.
func (c *Call) queueMark() {
	o := &c.out
	seq := c.marks.add(o.sentFrames, c.now().UnixNano())
	o.msg = append(o.msg[:0], o.markHead...)
	o.msg = append(o.msg, markPrefix...)
	o.msg = strconv.AppendUint(o.msg, seq, 10)
	o.msg = append(o.msg, `"}}`...)
	if c.q.push(o.msg) {
		c.st.dropped.Add(1)
	}
}

// writeLoop is the call's one writer: it drains the send queue (a pending
// clear first), sends pings, and on the end of the call sends the close
// frame and closes the connection.
func (c *Call) writeLoop() {
	defer close(c.writerDone)
	var ping <-chan time.Time
	if c.cfg.PingInterval > 0 {
		tk := time.NewTicker(c.cfg.PingInterval)
		defer tk.Stop()
		ping = tk.C
	}
	buf := make([]byte, 0, 512)
	for {
		select {
		case <-c.done:
			c.finish(buf)
			return
		case <-ping:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.WriteTimeout)); err != nil {
				c.writeFailed(err)
			}
		case <-c.q.wake:
			var err error
			if buf, err = c.drain(buf); err != nil {
				c.writeFailed(err)
			}
		}
	}
}

// drain writes queued messages until the queue is empty or the call ends.
// buf is the spare buffer swapped into the queue for each message taken;
// drain returns the spare for next time.
func (c *Call) drain(buf []byte) ([]byte, error) {
	for !c.ended() {
		msg, isClear, ok := c.q.pop(buf)
		if !ok {
			return msg, nil
		}
		buf = msg
		if isClear {
			msg = c.out.clearMsg
			c.st.clears.Add(1)
		}
		if err := c.write(msg); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// write sends one text message within the write timeout.
func (c *Call) write(msg []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout))
	return c.conn.WriteMessage(websocket.TextMessage, msg)
}

// writeFailed ends the call after a failed write; the connection is
// unusable for data after one.
func (c *Call) writeFailed(err error) {
	c.end(fmt.Errorf("%w: writing: %w", ErrConnectionLost, err), 0, "")
}

// finish runs once the call has ended: after a normal closure it sends
// what is still queued, then the close frame, then closes the connection.
func (c *Call) finish(buf []byte) {
	if c.closeCode == websocket.CloseNormalClosure && c.started.Load() {
		for {
			msg, isClear, ok := c.q.pop(buf)
			if !ok {
				break
			}
			buf = msg
			if isClear {
				msg = c.out.clearMsg
			}
			if c.write(msg) != nil {
				break
			}
		}
	}
	if c.closeCode != 0 {
		msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.cfg.WriteTimeout))
	}
	close(c.closeSent)
	c.closeConn()
}

// closeConn closes the connection once the reader is done or closeGrace
// has passed. Closing a socket with unread data resets it, which can
// destroy the close frame before the far end reads it: unless the far end
// completed the close handshake, the connection is half-closed first and
// what still arrives is read and dropped until the far end closes too.
func (c *Call) closeConn() {
	deadline := time.Now().Add(closeGrace)
	grace := time.NewTimer(closeGrace)
	select {
	case <-c.readerDone:
	case <-grace.C:
	}
	grace.Stop()
	nc := c.conn.NetConn()
	if c.readerFinished() && !c.in.peerClosed {
		if hc, ok := nc.(interface{ CloseWrite() error }); ok {
			_ = hc.CloseWrite()
		}
		_ = nc.SetReadDeadline(deadline)
		var sink [512]byte
		for {
			if _, err := nc.Read(sink[:]); err != nil {
				break
			}
		}
	}
	_ = c.conn.Close()
}

// readerFinished reports whether the reader goroutine has returned (after
// which its state may be read).
func (c *Call) readerFinished() bool {
	select {
	case <-c.readerDone:
		return true
	default:
		return false
	}
}

// sendQueue is a call's bounded queue of outbound messages, filled by the
// pacer's send function and drained by the writer. When it is full the
// oldest message is dropped (stale audio is worth less than new audio, and
// the far end's playout would only fall further behind). A pending clear
// goes out before anything queued. Messages are copied into buffers that
// circulate between the queue and the writer, so that steady state does
// not allocate.
type sendQueue struct {
	mu    sync.Mutex
	slots [][]byte
	head  int
	n     int
	clear bool
	wake  chan struct{} // capacity 1: the writer has work
}

// init sizes the queue.
func (q *sendQueue) init(size int) {
	q.slots = make([][]byte, size)
	q.wake = make(chan struct{}, 1)
}

// push copies msg to the tail of the queue and wakes the writer. It
// reports whether the oldest message was dropped to make room.
func (q *sendQueue) push(msg []byte) (dropped bool) {
	q.mu.Lock()
	if q.n == len(q.slots) {
		q.head = (q.head + 1) % len(q.slots)
		q.n--
		dropped = true
	}
	i := (q.head + q.n) % len(q.slots)
	q.slots[i] = append(q.slots[i][:0], msg...)
	q.n++
	q.mu.Unlock()
	q.signal()
	return dropped
}

// pop takes the next message, leaving spare in its slot; isClear says a
// clear is due (msg is then spare). ok is false when there is nothing to
// send (msg is then spare).
func (q *sendQueue) pop(spare []byte) (msg []byte, isClear, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.clear {
		q.clear = false
		return spare, true, true
	}
	if q.n == 0 {
		return spare, false, false
	}
	msg = q.slots[q.head]
	q.slots[q.head] = spare[:0]
	q.head = (q.head + 1) % len(q.slots)
	q.n--
	if q.n == 0 {
		q.head = 0 // reuse the first slots: a short queue touches few buffers
	}
	return msg, false, true
}

// flush drops everything queued, schedules a clear and wakes the writer.
// It returns how many messages were dropped.
func (q *sendQueue) flush() int {
	q.mu.Lock()
	n := q.n
	q.head, q.n = 0, 0
	q.clear = true
	q.mu.Unlock()
	q.signal()
	return n
}

// len returns how many messages are queued.
func (q *sendQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// signal wakes the writer without blocking.
func (q *sendQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}
