package ws

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// CallStats is a snapshot of one call's counters (or, in Stats.Calls, the
// totals of many calls).
type CallStats struct {
	// MediaIn counts media messages received.
	MediaIn uint64
	// FramesIn counts 20 ms caller frames pushed to the endpoint, the
	// silence that filled gaps included.
	FramesIn uint64
	// GapFilled is how much silence was pushed where Twilio's timestamps
	// skipped audio.
	GapFilled time.Duration
	// OtherTracks counts media messages of a track other than the
	// caller's (the outbound track of a both_tracks stream), ignored.
	OtherTracks uint64
	// Digits counts keypad digits received.
	Digits uint64
	// BadMessages counts messages that were malformed or unusable.
	BadMessages uint64
	// UnknownEvents counts messages of events this transport does not
	// know (ignored).
	UnknownEvents uint64
	// FramesOut counts 20 ms bot frames queued as media messages.
	FramesOut uint64
	// Dropped counts messages dropped from a full send queue (a slow
	// connection).
	Dropped uint64
	// Flushed counts queued messages dropped by Flush.
	Flushed uint64
	// Clears counts clear messages sent.
	Clears uint64
	// MarksSent counts marks sent after bot talkspurts.
	MarksSent uint64
	// MarksPlayed counts marks Twilio echoed after playing the audio
	// before them.
	MarksPlayed uint64
	// MarksCleared counts marks echoed because a clear dropped the audio
	// before them.
	MarksCleared uint64
	// MarksLost counts marks whose echo never came (dropped from a full
	// send queue, or a later mark came back first).
	MarksLost uint64
	// UnknownMarks counts mark echoes of names this call did not send.
	UnknownMarks uint64
	// SentAudio is how much bot audio was queued (FramesOut frames).
	SentAudio time.Duration
	// PlayedAudio is how much bot audio Twilio has confirmed playing: the
	// audio before the last played mark. SentAudio - PlayedAudio is what
	// is queued, in flight or not yet confirmed.
	PlayedAudio time.Duration
	// PlaybackLag is how far behind the sending Twilio's playback was at
	// the last played mark: the time from sending the mark to its echo
	// (network round trip plus Twilio's buffer).
	PlaybackLag time.Duration
	// Pacer holds the call's pacer session counters (sends, late sends,
	// kicks).
	Pacer audio.PacerSessionStats
}

// add adds o's counters to s; PlaybackLag and Pacer.MaxLateness keep the
// larger value.
func (s *CallStats) add(o CallStats) {
	s.MediaIn += o.MediaIn
	s.FramesIn += o.FramesIn
	s.GapFilled += o.GapFilled
	s.OtherTracks += o.OtherTracks
	s.Digits += o.Digits
	s.BadMessages += o.BadMessages
	s.UnknownEvents += o.UnknownEvents
	s.FramesOut += o.FramesOut
	s.Dropped += o.Dropped
	s.Flushed += o.Flushed
	s.Clears += o.Clears
	s.MarksSent += o.MarksSent
	s.MarksPlayed += o.MarksPlayed
	s.MarksCleared += o.MarksCleared
	s.MarksLost += o.MarksLost
	s.UnknownMarks += o.UnknownMarks
	s.SentAudio += o.SentAudio
	s.PlayedAudio += o.PlayedAudio
	s.PlaybackLag = max(s.PlaybackLag, o.PlaybackLag)
	s.Pacer.Sent += o.Pacer.Sent
	s.Pacer.Late += o.Pacer.Late
	s.Pacer.Kicks += o.Pacer.Kicks
	s.Pacer.MaxLateness = max(s.Pacer.MaxLateness, o.Pacer.MaxLateness)
}

// counters are a call's live counters, updated without locks from the
// reader, the writer and the pacer.
type counters struct {
	mediaIn, framesIn, gapSamples, ignored, digits, bad, unknown atomic.Uint64
	framesOut, dropped, flushed, clears                          atomic.Uint64
}

// snapshot reads the counters.
func (c *counters) snapshot() CallStats {
	out := c.framesOut.Load()
	return CallStats{
		MediaIn: c.mediaIn.Load(), FramesIn: c.framesIn.Load(),
		GapFilled:   time.Duration(c.gapSamples.Load()) * time.Second / twilioRate,
		OtherTracks: c.ignored.Load(), Digits: c.digits.Load(), BadMessages: c.bad.Load(),
		UnknownEvents: c.unknown.Load(), FramesOut: out, Dropped: c.dropped.Load(),
		Flushed: c.flushed.Load(), Clears: c.clears.Load(),
		SentAudio: time.Duration(out) * audio.FrameDuration,
	}
}

// maxOutstandingMarks bounds the marks awaiting their echo; beyond it the
// oldest is forgotten (counted as lost).
const maxOutstandingMarks = 64

// markRec is a mark awaiting its echo.
type markRec struct {
	seq     uint64
	frames  int64 // bot frames sent before the mark
	sentNs  int64 // when it was queued, on the call's clock
	cleared bool  // a clear was sent after it
}

// markTracker follows the marks a call sent and their echoes, to know how
// much bot audio Twilio has played. The pacer adds marks, the reader
// receives echoes, Flush clears; a mutex guards it (no I/O under it).
type markTracker struct {
	mu           sync.Mutex
	ring         [maxOutstandingMarks]markRec
	head, n      int
	next         uint64
	sent         uint64
	played       uint64
	cleared      uint64
	lost         uint64
	unknown      uint64
	playedFrames int64
	lagNs        int64
}

// add records a new mark after frames bot frames and returns its number.
func (m *markTracker) add(frames, nowNs int64) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	if m.n == len(m.ring) {
		m.head = (m.head + 1) % len(m.ring)
		m.n--
		m.lost++
	}
	m.ring[(m.head+m.n)%len(m.ring)] = markRec{seq: m.next, frames: frames, sentNs: nowNs}
	m.n++
	m.sent++
	return m.next
}

// echo takes Twilio's echo of the mark named name. Marks come back in the
// order they were sent; older ones still outstanding are lost.
func (m *markTracker) echo(name []byte, nowNs int64) {
	seq, ok := parseMarkName(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	for ok && m.n > 0 {
		r := m.ring[m.head]
		if r.seq > seq {
			break
		}
		m.head = (m.head + 1) % len(m.ring)
		m.n--
		switch {
		case r.seq < seq:
			m.lost++
			continue
		case r.cleared:
			m.cleared++
		default:
			m.played++
			m.playedFrames = r.frames
			m.lagNs = nowNs - r.sentNs
		}
		return
	}
	m.unknown++
}

// clearOutstanding notes that a clear follows every outstanding mark, so
// that their echoes count as cleared, not played.
func (m *markTracker) clearOutstanding() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.n {
		m.ring[(m.head+i)%len(m.ring)].cleared = true
	}
}

// fill copies the mark counters into st.
func (m *markTracker) fill(st *CallStats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st.MarksSent, st.MarksPlayed, st.MarksCleared = m.sent, m.played, m.cleared
	st.MarksLost, st.UnknownMarks = m.lost, m.unknown
	st.PlayedAudio = time.Duration(m.playedFrames) * audio.FrameDuration
	st.PlaybackLag = time.Duration(m.lagNs)
}

// parseMarkName reads the number of a mark named "parley-N".
func parseMarkName(name []byte) (uint64, bool) {
	if len(name) <= len(markPrefix) || string(name[:len(markPrefix)]) != markPrefix {
		return 0, false
	}
	v, ok := parseUint(name[len(markPrefix):])
	return uint64(v), ok && v > 0
}
