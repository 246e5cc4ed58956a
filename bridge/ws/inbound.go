package ws

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Inbound audio: Twilio's rate and frame size.
const (
	twilioRate      = audio.Rate8k
	frame8k         = twilioRate / 1000 * int(audio.FrameDuration/time.Millisecond) // 160 samples
	frame16k        = audio.PipelineRate / 1000 * int(audio.FrameDuration/time.Millisecond)
	samplesPerMs    = twilioRate / 1000
	minGapSamples   = 10 * samplesPerMs // gaps shorter than 10 ms are timestamp jitter
	gapFillStep     = 10 * frame8k      // silence is inserted 200 ms at a time
	deadlineRefresh = 250 * time.Millisecond
	// resampleStopbandDB is the stopband attenuation of the 8 <-> 16 kHz
	// filters. G.711 mu-law's own quantisation noise is about 38 dB below
	// the signal, so 60 dB keeps aliasing far under it, with a quarter
	// fewer taps (CPU) and a millisecond less delay than the 80 dB default.
	resampleStopbandDB = 60
)

// inbound is the reader goroutine's state: decoding, the 8 kHz samples
// not yet a whole frame, and the timeline of Twilio's timestamps.
type inbound struct {
	dec  decoder
	rbuf []byte  // the current message
	ulaw []byte  // its decoded payload
	pend []int16 // 8 kHz samples waiting to fill a 20 ms frame
	f16  []int16 // one 20 ms frame at 16 kHz
	up   *audio.Resampler

	startSeen  bool
	haveTS     bool
	nextSample int64 // where the next payload should start, in 8 kHz samples
	maxGap     int64 // the longest gap filled with silence, in samples

	readTimeout time.Duration // 0 until the call has started
	deadlineAt  time.Time     // when the read deadline was last pushed back

	bad           int
	loggedUnknown bool
	// peerClosed says the far end sent a close frame: the close handshake
	// is complete and nothing more will arrive.
	peerClosed bool
}

// init prepares the inbound path once the call's format is known.
func (in *inbound) init(c *Call) {
	in.up, _ = audio.NewResampler(twilioRate, audio.PipelineRate, audio.WithStopbandAttenuation(resampleStopbandDB)) // valid: cannot fail
	in.f16 = make([]int16, 0, frame16k)
	in.pend = make([]int16, 0, 4*frame8k)
	in.ulaw = make([]byte, 0, 4*frame8k)
	in.maxGap = int64(c.cfg.MediaTimeout/time.Millisecond) * samplesPerMs
	in.readTimeout = c.cfg.MediaTimeout
}

// refreshDeadline pushes the read deadline back to the media timeout from
// now. It runs for every message and pong, but touches the socket at most
// four times a second.
func (in *inbound) refreshDeadline(c *Call) {
	if in.readTimeout == 0 {
		return
	}
	now := time.Now()
	if now.Sub(in.deadlineAt) < deadlineRefresh {
		return
	}
	in.deadlineAt = now
	_ = c.conn.SetReadDeadline(now.Add(in.readTimeout))
}

// readAll reads a message into the reused buffer. The read limit bounds
// its size.
func (in *inbound) readAll(r io.Reader) ([]byte, error) {
	buf := in.rbuf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(cap(buf), 1024))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			in.rbuf = buf
			return buf, nil
		}
		if err != nil {
			in.rbuf = buf
			return nil, err
		}
	}
}

// readLoop reads messages until the connection fails or closes. After the
// call has ended it keeps reading (and discarding), so that the far end's
// answering close frame completes the handshake.
func (c *Call) readLoop() {
	defer close(c.readerDone)
	for {
		typ, r, err := c.conn.NextReader()
		if err != nil {
			c.readFailed(err)
			return
		}
		if c.ended() {
			continue
		}
		c.in.refreshDeadline(c)
		if typ != websocket.TextMessage {
			c.badMessage(fmt.Errorf("%w: a binary frame (Media Streams messages are JSON text)", ErrBadMessage), websocket.CloseUnsupportedData)
			continue
		}
		data, err := c.in.readAll(r)
		if err != nil {
			c.readFailed(err)
			return
		}
		c.handle(data)
	}
}

// readFailed ends the call for a read error.
func (c *Call) readFailed(err error) {
	var ce *websocket.CloseError
	var ne net.Error
	if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
		c.in.peerClosed = true
	}
	switch {
	case c.ended():
	case errors.As(err, &ce):
		switch ce.Code {
		case websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived:
			c.end(nil, 0, "")
		case websocket.CloseAbnormalClosure: // no close frame: the connection broke
			c.end(fmt.Errorf("%w: %s", ErrConnectionLost, ce.Text), 0, "")
		default:
			c.end(fmt.Errorf("%w: code %d %q", ErrPeerClosed, ce.Code, ce.Text), 0, "")
		}
	case errors.Is(err, websocket.ErrReadLimit):
		c.end(fmt.Errorf("%w: over %d bytes (twilio.max_message_size)", ErrMessageTooBig, c.cfg.MaxMessageSize), 0, "")
	case errors.As(err, &ne) && ne.Timeout():
		if !c.started.Load() {
			c.end(fmt.Errorf("%w within %v (twilio.start_timeout)", ErrStartTimeout, c.cfg.StartTimeout),
				websocket.ClosePolicyViolation, "no start message within "+durationText(c.cfg.StartTimeout))
			return
		}
		c.end(fmt.Errorf("%w: nothing received for %v (twilio.media_timeout)", bridge.ErrMediaTimeout, c.cfg.MediaTimeout),
			websocket.CloseNormalClosure, "no media for "+durationText(c.cfg.MediaTimeout))
	default:
		c.end(fmt.Errorf("%w: %w", ErrConnectionLost, err), 0, "")
	}
}

// handle acts on one text message.
func (c *Call) handle(data []byte) {
	m, err := c.in.dec.decode(data)
	if err != nil {
		code := websocket.ClosePolicyViolation
		if errors.Is(err, ErrMalformedMessage) {
			code = websocket.CloseInvalidFramePayloadData
		}
		c.badMessage(err, code)
		return
	}
	if (m.kind == evMedia || m.kind == evDTMF || m.kind == evMark) && !c.started.Load() {
		c.badMessage(fmt.Errorf("%w: %s message before the start message", ErrBadMessage, m.kind), websocket.ClosePolicyViolation)
		return
	}
	switch m.kind {
	case evConnected:
	case evStart:
		if c.in.startSeen {
			c.badMessage(fmt.Errorf("%w: a second start message", ErrBadMessage), websocket.ClosePolicyViolation)
			return
		}
		c.in.startSeen = true
		c.accept(m)
	case evMedia:
		c.media(m)
	case evDTMF:
		c.dtmf(m)
	case evMark:
		c.marks.echo(m.name, c.now().UnixNano())
	case evStop:
		c.end(nil, websocket.CloseNormalClosure, "stream stopped")
	default:
		c.st.unknown.Add(1)
		if !c.in.loggedUnknown {
			c.in.loggedUnknown = true
			c.log.Info("twilio: ignoring messages of an unknown event", "event", string(m.event))
		}
	}
}

// badMessage counts a bad message and ends the call after too many.
func (c *Call) badMessage(err error, code int) {
	c.in.bad++
	c.st.bad.Add(1)
	c.log.Warn("twilio: bad message", "count", c.in.bad, "limit", c.cfg.MaxBadMessages, "err", err)
	if c.in.bad >= c.cfg.MaxBadMessages {
		c.end(fmt.Errorf("%w: %d, the last: %w", ErrTooManyErrors, c.in.bad, err), code,
			fmt.Sprintf("too many bad messages (%d), the last: %v", c.in.bad, err))
	}
}

// media decodes a media message's payload and pushes whole 20 ms frames
// at 16 kHz, filling gaps in Twilio's timestamps with silence first.
func (c *Call) media(m *message) {
	c.st.mediaIn.Add(1)
	c.lastMediaNs.Store(c.now().UnixNano())
	if !isInbound(m.track) {
		c.st.ignored.Add(1) // the bot's own track of a "both_tracks" stream
		return
	}
	in := &c.in
	n := base64.StdEncoding.DecodedLen(len(m.payload))
	if n == 0 {
		c.badMessage(fmt.Errorf("%w: media message without a payload", ErrBadMessage), websocket.ClosePolicyViolation)
		return
	}
	in.ulaw = slices.Grow(in.ulaw[:0], n)[:n]
	n, err := base64.StdEncoding.Decode(in.ulaw, m.payload)
	if err != nil {
		c.badMessage(fmt.Errorf("%w: media payload is not base64: %w", ErrBadMessage, err), websocket.ClosePolicyViolation)
		return
	}
	if ts, ok := parseUint(m.timestamp); ok {
		at := ts * samplesPerMs
		if in.haveTS && !c.fillGap(at-in.nextSample) {
			return
		}
		in.haveTS, in.nextSample = true, at+int64(n)
	} else if in.haveTS {
		in.nextSample += int64(n)
	}
	in.pend = audio.DecodeULaw(in.pend, in.ulaw[:n])
	c.pushFrames()
}

// fillGap pushes gap samples of silence (when the gap is long enough to
// be a real one) so that the endpoint's clock keeps time when Twilio skips
// audio. It reports false if the call ended.
func (c *Call) fillGap(gap int64) bool {
	if gap < minGapSamples {
		return true // jitter, an overlap, or a restarted timeline
	}
	gap = min(gap, c.in.maxGap)
	c.st.gapSamples.Add(uint64(gap))
	for gap > 0 {
		k := min(gap, int64(gapFillStep))
		n0 := len(c.in.pend)
		c.in.pend = slices.Grow(c.in.pend, int(k))[:n0+int(k)]
		clear(c.in.pend[n0:])
		if !c.pushFrames() {
			return false
		}
		gap -= k
	}
	return true
}

// pushFrames pushes every whole 20 ms frame of pending audio and keeps the
// remainder. It reports false if the endpoint refused audio (the call is
// then ended).
func (c *Call) pushFrames() bool {
	in := &c.in
	off := 0
	for len(in.pend)-off >= frame8k {
		in.f16 = in.up.Process(in.f16[:0], in.pend[off:off+frame8k])
		off += frame8k
		if err := c.ep.PushAudio(audio.Frame{Rate: audio.PipelineRate, Samples: in.f16}); err != nil {
			c.end(fmt.Errorf("ws: the endpoint refused caller audio: %w", err), websocket.CloseInternalServerErr, "server error (500): call ended")
			in.pend = in.pend[:0]
			return false
		}
		c.st.framesIn.Add(1)
	}
	in.pend = in.pend[:copy(in.pend, in.pend[off:])]
	return true
}

// dtmf hands a keypad digit to the endpoint.
func (c *Call) dtmf(m *message) {
	if !validDigit(m.digit) {
		c.badMessage(fmt.Errorf("%w: dtmf digit %q (want 0-9, *, #, A-D)", ErrBadMessage, m.digit), websocket.ClosePolicyViolation)
		return
	}
	c.st.digits.Add(1)
	if err := c.ep.PushDTMF(m.digit[0]); err != nil {
		c.end(fmt.Errorf("ws: the endpoint refused a digit: %w", err), websocket.CloseInternalServerErr, "server error (500): call ended")
	}
}
