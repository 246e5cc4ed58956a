package webrtc

import (
	"errors"
	"io"
	"strings"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Media path bounds.
const (
	// maxCatchUpFrames bounds the caller frames pushed in one wake-up of
	// the pump after it fell behind (200 ms); older due frames are
	// skipped and the jitter buffer absorbs the difference.
	maxCatchUpFrames = 10
	// maxReadErrors ends the track reader after this many consecutive
	// read errors that are not the end of the track.
	maxReadErrors = 100
	// rtpBufferSize holds any RTP packet pion delivers (its receive MTU
	// is 1460 bytes).
	rtpBufferSize = 1500
)

// tick is the call's pacer send function, run every 20 ms on a pacer
// worker. It takes the bot's next frame, queues it for the pump and wakes
// the pump, which also pushes one frame of caller audio per tick. It
// never blocks: the queue drops its oldest frame when full.
func (c *call) tick(t audio.Tick) {
	bot := c.ep.NextFrame(c.tickBuf)
	c.out.push(c.tickBuf, bot, t.Missed)
	c.due.Add(int32(1 + min(t.Missed, maxCatchUpFrames)))
	select {
	case c.wake <- struct{}{}:
	default: // the pump is already due to run
	}
}

// pump is the call's media goroutine: on each pacer wake-up it plays out
// the caller frames that are due from the jitter buffer into the endpoint
// and encodes and sends the queued bot frames.
func (c *call) pump() {
	in := make([]int16, 0, frameSamples)
	pcm := make([]int16, frameSamples)
	pkt := make([]byte, 0, rtpBufferSize)
	var quiet silenceCache
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
		}
		for n := min(int(c.due.Swap(0)), maxCatchUpFrames); n > 0; n-- {
			in = c.playIn(in[:0])
		}
		for {
			skipped, bot, ok := c.out.pop(pcm)
			if !ok {
				break
			}
			pkt = c.sendOut(pkt[:0], pcm, bot, skipped, &quiet)
		}
	}
}

// playIn pops one 20 ms frame of caller audio (decoded, concealed or
// silence) and pushes it to the endpoint. A closed endpoint ends the
// call.
func (c *call) playIn(buf []int16) []int16 {
	buf, _ = c.in.Pop(buf)
	err := c.ep.PushAudio(audio.Frame{Rate: audio.PipelineRate, Samples: buf})
	if err == nil {
		c.stats.framesIn.Add(1)
		return buf
	}
	if c.stats.pushErrors.Add(1) == 1 {
		c.log.Warn("the endpoint refused caller audio", "err", err)
	}
	if errors.Is(err, pipeline.ErrClosed) {
		c.end(err, "session closed")
	}
	return buf
}

// silenceQuietFrames is how many silent frames the encoder codes after
// bot audio before its silence packet is reused: enough for the tail of
// the speech to leave its state.
const silenceQuietFrames = 3

// silenceCache holds the Opus packet the encoder made for silence, which
// the pump sends again while the bot is quiet instead of encoding the
// same zeros every 20 ms (encoding is the largest per-call cost, and the
// bot is quiet most of a call). The decoder hears the same silence.
type silenceCache struct {
	run int    // consecutive silent frames encoded
	pkt []byte // the packet of the last of them, once run >= silenceQuietFrames
}

// encode appends the Opus packet of pcm to pkt: the cached silence
// packet while the bot stays quiet (reused reports it), the encoder's
// output otherwise.
func (q *silenceCache) encode(enc *audio.OpusEncoder, pkt []byte, pcm []int16, bot bool) (out []byte, reused bool, err error) {
	if !bot && q.run >= silenceQuietFrames {
		return append(pkt, q.pkt...), true, nil
	}
	if pkt, err = enc.Encode(pkt, pcm); err != nil {
		return pkt, false, err
	}
	switch {
	case bot:
		q.run = 0
	case q.run < silenceQuietFrames:
		q.run++
		q.pkt = append(q.pkt[:0], pkt...)
	}
	return pkt, false, nil
}

// sendOut encodes one frame (bot audio, or silence when bot is false) to
// Opus and sends it, after skipped frames that were never sent (the RTP
// timestamp and sequence number move past them, so the browser conceals
// the gap instead of drifting).
func (c *call) sendOut(pkt []byte, pcm []int16, bot bool, skipped int, quiet *silenceCache) []byte {
	pkt, _, err := quiet.encode(c.enc, pkt, pcm, bot)
	if err != nil {
		if c.stats.encodeErrors.Add(1) == 1 {
			c.log.Warn("encoding bot audio", "err", err)
		}
		return pkt
	}
	err = c.track.WriteSample(media.Sample{Data: pkt, Duration: audio.FrameDuration, PrevDroppedPackets: uint16(min(skipped, 0xffff))})
	if err != nil {
		if c.stats.writeErrors.Add(1) == 1 && !errors.Is(err, io.ErrClosedPipe) {
			c.log.Warn("sending bot audio", "err", err)
		}
		return pkt
	}
	c.stats.framesOut.Add(1)
	return pkt
}

// onTrack reads the browser's first audio track: Opus packets go to the
// jitter buffer, telephone-event packets (RFC 4733) become key presses.
// It runs on the goroutine pion starts for the track, until the track
// ends.
func (c *call) onTrack(track *pion.TrackRemote, recv *pion.RTPReceiver) {
	if track.Kind() != pion.RTPCodecTypeAudio || c.gotTrack.Swap(true) {
		c.log.Debug("ignoring an extra track", "kind", track.Kind().String(), "ssrc", uint32(track.SSRC()))
		return
	}
	select {
	case <-c.started:
	case <-c.endCh:
		return
	}
	if !c.enterMedia() {
		return
	}
	defer c.media.Done()
	var dtmfPT uint8 // 0 is PCMU, never telephone-event: it means none
	for _, codec := range recv.GetParameters().Codecs {
		if strings.EqualFold(codec.MimeType, mimeTelephoneEvent) {
			dtmfPT = uint8(codec.PayloadType)
		}
	}
	c.readTrack(track, dtmfPT)
}

// readTrack is the receive loop of onTrack, with a reused buffer and
// packet.
func (c *call) readTrack(track *pion.TrackRemote, dtmfPT uint8) {
	buf := make([]byte, rtpBufferSize)
	var pkt rtp.Packet
	var events eventReader
	errs := 0
	for {
		n, _, err := track.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) || c.ctx.Err() != nil || errs >= maxReadErrors {
				return
			}
			errs++
			c.stats.readErrors.Add(1)
			continue
		}
		errs = 0
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			c.stats.invalidIn.Add(1)
			continue
		}
		c.stats.packetsIn.Add(1)
		if dtmfPT != 0 && pkt.PayloadType == dtmfPT {
			c.stats.dtmfIn.Add(1)
			keys, k := events.packet(pkt.Timestamp, pkt.Payload)
			c.pushDigits(keys[:k])
			continue
		}
		c.in.Push(audio.RTPPacket{
			SequenceNumber: pkt.SequenceNumber, Timestamp: pkt.Timestamp, SSRC: pkt.SSRC,
			Marker: pkt.Marker, Payload: pkt.Payload,
		})
	}
}

// readRTCP drains the RTCP the browser sends about the bot audio, which
// pion's interceptors (sender and receiver reports) consume on the way.
func (c *call) readRTCP() {
	buf := make([]byte, rtpBufferSize)
	for {
		if _, _, err := c.sender.Read(buf); err != nil {
			return
		}
	}
}

// onDataChannel accepts the softphone's "dtmf" data channel and closes
// any other: this server has no other use for them.
func (c *call) onDataChannel(dc *pion.DataChannel) {
	if dc.Label() != dtmfChannelLabel {
		c.log.Debug("closing an unknown data channel", "label", dc.Label())
		_ = dc.Close()
		return
	}
	dc.OnMessage(func(msg pion.DataChannelMessage) {
		var buf [maxDTMFMessage]byte
		digits, err := parseDTMFMessage(buf[:0], msg.Data)
		if err != nil {
			if c.stats.badDigits.Add(1) == 1 {
				c.log.Warn("ignoring a keypad message", "err", err)
			}
			return
		}
		c.pushDigits(digits)
	})
}

// pushDigits hands key presses to the endpoint.
func (c *call) pushDigits(digits []byte) {
	ep := c.endpoint()
	if ep == nil {
		return
	}
	for _, d := range digits {
		c.stats.digits.Add(1)
		if err := ep.PushDTMF(d); err != nil {
			c.log.Warn("the endpoint refused a keypad digit", "digit", string(d), "err", err)
		}
	}
}
