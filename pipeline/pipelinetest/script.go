package pipelinetest

import (
	"math"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Segment is a stretch of a caller Script.
type Segment struct {
	// Dur is how long the segment lasts; for Samples, 0 means their length.
	Dur time.Duration
	// Speech marks the segment as the caller speaking.
	Speech bool
	// Samples, when set, is the segment's audio at audio.PipelineRate,
	// repeated to fill Dur; otherwise speech is a 300 Hz tone and silence
	// is zeros.
	Samples []int16
}

// Talk returns d of caller speech (a tone).
func Talk(d time.Duration) Segment { return Segment{Dur: d, Speech: true} }

// Pause returns d of caller silence.
func Pause(d time.Duration) Segment { return Segment{Dur: d} }

// Voice returns a speech segment playing pcm (16 kHz mono) once.
func Voice(pcm []int16) Segment { return Segment{Speech: true, Samples: pcm} }

// callerTone is three periods of a 300 Hz sine at 16 kHz (exactly 160
// samples), so it loops without a seam.
func callerTone() []int16 {
	t := make([]int16, 160)
	for i := range t {
		t[i] = int16(6000 * math.Sin(2*math.Pi*float64(3*i)/160))
	}
	return t
}

// Script is the caller's side of a conversation: segments of speech and
// silence played frame by frame. After the last segment it plays silence.
// NextCallerFrame does not allocate. A Script is not safe for concurrent
// use.
type Script struct {
	segs     []Segment
	seg      int
	pos      int // samples played of segs[seg]
	tone     []int16
	tpos     int
	speaking bool // the last sample played was speech
}

// NewScript returns a script playing segs in order.
func NewScript(segs ...Segment) *Script {
	return &Script{segs: append([]Segment(nil), segs...), tone: callerTone()}
}

func (s *Script) segLen(i int) int {
	g := s.segs[i]
	if g.Dur == 0 && g.Samples != nil {
		return len(g.Samples)
	}
	return audio.SamplesFor(audio.PipelineRate, g.Dur)
}

// NextCallerFrame fills dst with the caller's next len(dst) samples and
// returns the index of the first sample of a speech segment that follows
// silence (the caller's speech onset), or -1 if the frame has none.
func (s *Script) NextCallerFrame(dst []int16) (onset int) {
	onset = -1
	for i := 0; i < len(dst); {
		for s.seg < len(s.segs) && s.pos >= s.segLen(s.seg) {
			s.seg, s.pos = s.seg+1, 0
		}
		if s.seg >= len(s.segs) {
			clear(dst[i:])
			s.speaking = false
			return onset
		}
		g := &s.segs[s.seg]
		if g.Speech && !s.speaking && onset < 0 {
			onset = i
		}
		s.speaking = g.Speech
		n := min(len(dst)-i, s.segLen(s.seg)-s.pos)
		s.fill(dst[i:i+n], g)
		s.pos += n
		i += n
	}
	return onset
}

// fill plays the next len(dst) samples of segment g, which holds them.
func (s *Script) fill(dst []int16, g *Segment) {
	switch {
	case g.Samples != nil:
		for k := 0; k < len(dst); {
			at := (s.pos + k) % len(g.Samples)
			k += copy(dst[k:], g.Samples[at:])
		}
	case g.Speech:
		for k := 0; k < len(dst); {
			c := copy(dst[k:], s.tone[s.tpos:])
			s.tpos = (s.tpos + c) % len(s.tone)
			k += c
		}
	default:
		clear(dst)
	}
}

// Done reports whether every segment has been played.
func (s *Script) Done() bool {
	for s.seg < len(s.segs) && s.pos >= s.segLen(s.seg) {
		s.seg, s.pos = s.seg+1, 0
	}
	return s.seg >= len(s.segs)
}

// Duration returns the script's total duration.
func (s *Script) Duration() time.Duration {
	var n int
	for i := range s.segs {
		n += s.segLen(i)
	}
	return time.Duration(n) * time.Second / audio.PipelineRate
}

// Onsets returns the start of every speech segment that follows silence (or
// starts the script), measured from the script's start.
func (s *Script) Onsets() []time.Duration {
	var out []time.Duration
	var at int
	prev := false
	for i, g := range s.segs {
		if g.Speech && !prev {
			out = append(out, time.Duration(at)*time.Second/audio.PipelineRate)
		}
		prev = g.Speech
		at += s.segLen(i)
	}
	return out
}
