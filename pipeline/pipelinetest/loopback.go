package pipelinetest

import (
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Target is the side of a session a transport talks to; *pipeline.Session
// implements it.
type Target interface {
	PushAudio(f audio.Frame) error
	NextFrame(dst []int16) bool
}

// CallerSource produces the caller's audio; *Script implements it.
type CallerSource interface {
	// NextCallerFrame fills dst with the next frame and returns the index
	// in dst of the caller's speech onset (the first speech sample after
	// silence), or -1 if the frame holds none.
	NextCallerFrame(dst []int16) (onset int)
}

// Run is a stretch of consecutive bot frames received by a Loopback.
type Run struct {
	// Start and End are the times of the run's first and last frames.
	Start, End time.Time
	// Frames counts the run's frames.
	Frames int
}

// LoopbackStats are a Loopback's counters.
type LoopbackStats struct {
	// Steps counts Step calls; BotFrames the steps that got bot audio.
	Steps, BotFrames int
	// LateFrames counts bot frames received more than LateAfter after
	// they were due (on the 20 ms schedule that started at the first
	// Step, or as given to StepScheduled).
	LateFrames int
	// MaxLate is the worst lateness of a bot frame.
	MaxLate time.Duration
	// Flushes counts Flush calls (barge-ins that flushed the transport).
	Flushes int
	// LostRuns and LostOnsets count records that did not fit the logs.
	LostRuns, LostOnsets int
}

// LateAfter is the lateness beyond which a bot frame counts as late.
const LateAfter = 10 * time.Millisecond

// Loopback is a transport for tests and benchmarks: each Step pulls one bot
// frame from the session and then pushes the caller's next 20 ms frame (so a
// decision the session takes on that frame shows at the next Step),
// logging when bot audio starts and stops and when the caller starts
// speaking. It also implements pipeline.Flusher. Step does not allocate; its
// logs are bounded (see NewLoopback). Step must be called from one goroutine;
// Flush may be called from any.
type Loopback struct {
	target Target
	caller CallerSource
	in     []int16
	out    []int16

	start   time.Time
	prevBot bool
	runs    []Run
	onsets  []time.Time
	stats   LoopbackStats
	flushes atomic.Int64
}

// NewLoopback returns a loopback between caller and target that keeps up to
// logSize bot runs and caller onsets (1024 if logSize <= 0).
func NewLoopback(target Target, caller CallerSource, logSize int) *Loopback {
	if logSize <= 0 {
		logSize = 1024
	}
	n := audio.SamplesFor(audio.PipelineRate, audio.FrameDuration)
	return &Loopback{target: target, caller: caller, in: make([]int16, n), out: make([]int16, n),
		runs: make([]Run, 0, logSize), onsets: make([]time.Time, 0, logSize)}
}

// Step moves the call on by one frame at time now: it pulls a bot frame and
// pushes the caller's frame, and reports whether the bot frame held audio.
// The error is PushAudio's.
func (l *Loopback) Step(now time.Time) (bot bool, err error) {
	if l.stats.Steps == 0 {
		l.start = now
	}
	return l.StepScheduled(l.start.Add(time.Duration(l.stats.Steps)*audio.FrameDuration), now)
}

// StepScheduled is Step for a driver with its own schedule, such as an
// audio.Pacer's send function: the frame was due at scheduled and is sent at
// now, which decides whether it counts as late.
func (l *Loopback) StepScheduled(scheduled, now time.Time) (bot bool, err error) {
	l.stats.Steps++
	bot = l.target.NextFrame(l.out)
	if bot {
		l.botFrame(now, now.Sub(scheduled))
	}
	l.prevBot = bot
	if onset := l.caller.NextCallerFrame(l.in); onset >= 0 {
		// The frame is sent once its audio is over: the onset was
		// len(in)-onset samples ago.
		at := now.Add(-time.Duration(len(l.in)-onset) * time.Second / audio.PipelineRate)
		if len(l.onsets) < cap(l.onsets) {
			l.onsets = append(l.onsets, at)
		} else {
			l.stats.LostOnsets++
		}
	}
	err = l.target.PushAudio(audio.Frame{Rate: audio.PipelineRate, Samples: l.in})
	return bot, err
}

func (l *Loopback) botFrame(now time.Time, late time.Duration) {
	l.stats.BotFrames++
	if late > LateAfter {
		l.stats.LateFrames++
	}
	l.stats.MaxLate = max(l.stats.MaxLate, late)
	switch {
	case !l.prevBot && len(l.runs) < cap(l.runs):
		l.runs = append(l.runs, Run{Start: now, End: now, Frames: 1})
	case !l.prevBot:
		l.stats.LostRuns++
	case len(l.runs) > 0:
		r := &l.runs[len(l.runs)-1]
		r.End = now
		r.Frames++
	}
}

// Flush counts a transport flush (barge-in).
func (l *Loopback) Flush() { l.flushes.Add(1) }

// Out returns the last frame pulled from the session (valid until the next
// Step).
func (l *Loopback) Out() []int16 { return l.out }

// Stats returns the loopback's counters.
func (l *Loopback) Stats() LoopbackStats {
	s := l.stats
	s.Flushes = int(l.flushes.Load())
	return s
}

// Runs returns a copy of the bot runs logged, oldest first.
func (l *Loopback) Runs() []Run { return append([]Run(nil), l.runs...) }

// Onsets returns a copy of the caller onsets logged: when the caller started
// speaking, taking each frame's audio to end when the frame is pushed.
func (l *Loopback) Onsets() []time.Time { return append([]time.Time(nil), l.onsets...) }

// CutOffs returns, for every caller onset that came while the bot was
// speaking, the time from the onset to the last bot frame of that run
// handed over: how long the bot kept talking over the caller. Onsets while
// the bot was silent are not barge-ins and are skipped.
func (l *Loopback) CutOffs() []time.Duration {
	var out []time.Duration
	for _, o := range l.onsets {
		for _, r := range l.runs {
			// A frame handed over at r.End plays for one frame duration.
			if !o.Before(r.Start) && o.Before(r.End.Add(audio.FrameDuration)) {
				out = append(out, r.End.Sub(o))
				break
			}
		}
	}
	return out
}
