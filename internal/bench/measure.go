package bench

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// snapshot holds the cumulative counters read at the start and end of the
// measured window.
type snapshot struct {
	at      time.Time
	cpu     time.Duration
	mallocs uint64
	pacer   audio.PacerStats
	silero  vad.SileroStats
	frames  int64
	turns   int64
}

func takeSnapshot(factory *vad.Factory, pacer *audio.Pacer, calls []*call) snapshot {
	s := snapshot{at: time.Now(), cpu: cpuTime(), mallocs: mallocs(), pacer: pacer.Stats()}
	s.silero, _ = factory.SileroStats()
	for _, c := range calls {
		st := c.session.Stats()
		s.frames += int64(st.FramesProcessed + st.FramesOut)
		s.turns += int64(st.Turns + st.BargeIns)
	}
	return s
}

// measure lets the calls run for cfg.Duration, measuring after cfg.Warmup,
// then stops them and computes the report.
func measure(ctx context.Context, cfg PipelineConfig, factory *vad.Factory, pacer *audio.Pacer, calls []*call) (PipelineReport, error) {
	if err := wait(ctx, cfg.Warmup); err != nil {
		return PipelineReport{}, err
	}
	begin := takeSnapshot(factory, pacer, calls)
	if err := wait(ctx, cfg.Duration-cfg.Warmup); err != nil {
		return PipelineReport{}, err
	}
	end := takeSnapshot(factory, pacer, calls)
	rss := rssMB()
	for _, c := range calls {
		c.paced.Store(nil)
		c.pacer.Unregister()
		<-c.pacer.Done()
		c.pacer = nil
	}

	r := PipelineReport{Sessions: len(calls), DurationS: cfg.Duration.Seconds(), Detector: factory.Kind(), RSSMB: rss}
	if fb := factory.Fallback(); fb != nil {
		r.VADFallbackReason = fb.Error()
	}
	wall := end.at.Sub(begin.at)
	r.CPUCoresUsed = round(float64(end.cpu-begin.cpu)/float64(wall), 2)
	if frames := end.frames - begin.frames; frames > 0 {
		r.AllocsPerFrame = round(float64(end.mallocs-begin.mallocs)/float64(frames), 3)
	}
	if turns := end.turns - begin.turns; turns > 0 {
		r.AllocsPerTurn = round(float64(end.mallocs-begin.mallocs)/float64(turns), 1)
	}
	if sent := end.pacer.Sent - begin.pacer.Sent; sent > 0 {
		r.LateFramesPct = round(100*float64(end.pacer.Late-begin.pacer.Late)/float64(sent), 3)
	}
	r.MaxLateMs = round(ms(end.pacer.MaxLateness), 2)
	if batches := end.silero.Batches - begin.silero.Batches; batches > 0 {
		windows := end.silero.Windows - begin.silero.Windows
		r.SileroBatchMean = round(float64(windows)/float64(batches), 2)
		r.SileroWindowsPerS = round(float64(windows)/wall.Seconds(), 0)
	}
	collectTurns(&r, calls)
	return r, nil
}

// collectTurns closes the calls and folds their turn timings and counters
// into r.
func collectTurns(r *PipelineReport, calls []*call) {
	var overhead, ready, cutoff, decide, stop []float64
	for _, c := range calls {
		st := c.session.Stats()
		r.FramesIn += int64(st.FramesIn)
		r.FramesOut += int64(st.FramesOut)
		r.DroppedInbound += st.FramesDropped
		r.DroppedEvents += st.EventsDropped
		c.close() // flushes the last TurnMetrics events to collect
		for _, d := range c.loop.CutOffs() {
			cutoff = append(cutoff, ms(d))
		}
		c.mu.Lock()
		r.BargeIns += c.bargeIns
		for _, m := range c.metrics {
			r.Turns++
			if d, ok := m.FirstFrame.Since(m.Start); ok {
				overhead = append(overhead, ms(d))
			}
			if d, ok := m.FirstAudio.Since(m.Start); ok {
				ready = append(ready, ms(d))
			}
			if d, ok := m.BargeInDecision.Since(m.BargeInOnset); ok {
				decide = append(decide, ms(d))
			}
			if d, ok := m.BargeInLastFrame.Since(m.BargeInDecision); ok {
				stop = append(stop, ms(d))
			}
		}
		c.mu.Unlock()
	}
	r.TurnOverheadP50 = round(percentile(overhead, 50), 2)
	r.TurnOverheadP99 = round(percentile(overhead, 99), 2)
	r.TurnReadyP50 = round(percentile(ready, 50), 3)
	r.TurnReadyP99 = round(percentile(ready, 99), 3)
	r.BargeInCutoffP50 = round(percentile(cutoff, 50), 1)
	r.BargeInCutoffP95 = round(percentile(cutoff, 95), 1)
	r.BargeInDecideP50 = round(percentile(decide, 50), 1)
	r.BargeInStopP95 = round(percentile(stop, 95), 1)
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func round(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}

// cpuTime returns the user plus system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssMB returns the process's resident set size in MiB from /proc, or 0
// where /proc is not available.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0
			}
			return round(kb/1024, 1)
		}
	}
	return 0
}
