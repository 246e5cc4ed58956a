package speecheval

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// EvalStream recognizes every clip on a stream of its own, opened on rec
// like a call's (each clip is the first utterance of a new call, the
// hardest case: the recognizer knows nothing of the caller's channel yet),
// and scores the final results. It writes the clip in 20 ms frames at the
// band's rate (WithBand; the stream is opened at that rate), with the
// voice activity of WithVAD when the stream is a pipeline.VoiceWriter,
// then closes the stream, which delivers the last final. With
// WithRealTime the frames are paced and the results carry latencies.
// WithConcurrency clips run at once.
//
// EvalStream returns ctx's error when ctx ends first, and an error wrapping
// ErrRecognition when the recognizer fails.
func EvalStream(ctx context.Context, rec pipeline.Recognizer, clips []Clip, opts ...Option) (Report, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return Report{}, err
	}
	return run(ctx, clips, o, func(ctx context.Context, c *Clip) (Result, error) {
		return streamClip(ctx, rec, c, o)
	})
}

// run evaluates the clips with eval, o.concurrency at once, and sums up.
func run(ctx context.Context, clips []Clip, o *options, eval func(context.Context, *Clip) (Result, error)) (Report, error) {
	if len(clips) == 0 {
		return Report{}, ErrNoClips
	}
	results := make([]Result, len(clips))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.concurrency)
	cpu, wall := ProcessCPU(), o.clock.Now()
	for i := range clips {
		g.Go(func() error {
			res, err := eval(gctx, &clips[i])
			results[i] = res
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return Report{}, ctx.Err()
		}
		return Report{}, err
	}
	r := Report{Band: o.band, RealTime: o.realTime, CPU: ProcessCPU() - cpu, Wall: o.clock.Now().Sub(wall)}
	for _, res := range results {
		r.add(res)
	}
	return r, nil
}

// sink gathers a stream's results with their arrival times.
type sink struct {
	clock pipeline.Clock

	mu       sync.Mutex
	texts    []string
	finals   int
	partials int
	last     time.Time // the last final's arrival
}

func (s *sink) WriteTranscript(t pipeline.Transcript) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.Final {
		s.partials++
		return
	}
	s.finals++
	s.last = now
	if t.Text != "" {
		s.texts = append(s.texts, t.Text)
	}
}

// streamClip recognizes one clip on a stream of its own.
func streamClip(ctx context.Context, rec pipeline.Recognizer, c *Clip, o *options) (Result, error) {
	f := c.Audio(o.band)
	if o.streamRate != 0 && o.streamRate != f.Rate {
		pcm, err := audio.Resample(nil, f.Samples, f.Rate, o.streamRate)
		if err != nil {
			return Result{}, fmt.Errorf("speecheval: %w", err)
		}
		f = audio.Frame{Rate: o.streamRate, Samples: pcm}
	}
	sk := &sink{clock: o.clock}
	st, err := rec.Open(ctx, pipeline.RecognitionConfig{CallID: c.ID + "@" + c.Voice, Rate: f.Rate,
		Language: c.Language}, sk)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %s: open: %w", ErrRecognition, c.ID, err)
	}
	vs, err := newVoiceSource(c, o)
	if err != nil {
		_ = st.Close()
		return Result{}, err
	}
	defer vs.close()
	fd, err := feed(ctx, st, f, c, vs, o)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%w: %s: close: %w", ErrRecognition, c.ID, cerr)
	}
	if err != nil {
		return Result{}, err
	}
	sk.mu.Lock()
	defer sk.mu.Unlock()
	hyp := strings.Join(sk.texts, " ")
	res := Result{ID: c.ID, Voice: c.Voice, Ref: c.Text, Hyp: hyp, Score: Compare(c.Text, hyp),
		Audio: c.Duration(), Finals: sk.finals, Partials: sk.partials}
	if !sk.last.IsZero() {
		res.Decode = sk.last.Sub(fd.start)
		if o.realTime {
			res.FinalLatency = max(sk.last.Sub(fd.decided), 0)
			res.AfterSpeech = max(sk.last.Sub(fd.spoken), 0)
		}
	}
	return res, nil
}

// fed records when a clip's writes reached its milestones.
type fed struct {
	start   time.Time // the first write
	decided time.Time // after the last write that turned Speaking off
	spoken  time.Time // after the write of the last spoken sample
}

// feed writes the clip to the stream in 20 ms frames, paced in a real-time
// evaluation.
func feed(ctx context.Context, st pipeline.RecognitionStream, f audio.Frame, c *Clip, vs *voiceSource,
	o *options) (fed, error) {
	var tick pipeline.Ticker
	if o.realTime {
		tick = o.clock.NewTicker(frameDuration)
		defer tick.Stop()
	}
	vw, _ := st.(pipeline.VoiceWriter)
	n := audio.SamplesFor(f.Rate, frameDuration)
	end := audio.SamplesFor(f.Rate, c.SpeechEnd)
	fd := fed{start: o.clock.Now()}
	speaking := false
	for off := 0; off < len(f.Samples); off += n {
		if tick != nil {
			select {
			case <-tick.C():
			case <-ctx.Done():
				return fd, ctx.Err()
			}
		} else if err := ctx.Err(); err != nil {
			return fd, err
		}
		fr := audio.Frame{Rate: f.Rate, Samples: f.Samples[off:min(off+n, len(f.Samples))]}
		v, err := vs.next(fr)
		if err != nil {
			return fd, err
		}
		if vw != nil {
			err = vw.WriteVoice(fr, v)
		} else {
			err = st.Write(fr)
		}
		if err != nil {
			return fd, fmt.Errorf("%w: %s: write at %v: %w", ErrRecognition, c.ID, frameTime(off, f.Rate), err)
		}
		now := o.clock.Now()
		if speaking && !v.Speaking {
			fd.decided = now
		}
		speaking = v.Speaking
		if off < end && off+len(fr.Samples) >= end {
			fd.spoken = now
		}
	}
	if speaking || fd.decided.IsZero() {
		fd.decided = o.clock.Now() // Close ends the speech
	}
	if fd.spoken.IsZero() {
		fd.spoken = fd.decided
	}
	return fd, nil
}

// voiceSource computes the session's voice activity for each frame: from a
// detector and a segmenter, or from the clip's known speech span.
type voiceSource struct {
	det   vad.Detector
	seg   *vad.Segmenter
	res   *audio.Resampler // telephone audio to 16 kHz, for the detector
	buf   []int16
	pad   time.Duration
	pos   time.Duration
	known [2]time.Duration // speaking from, until (known span)
}

func newVoiceSource(c *Clip, o *options) (*voiceSource, error) {
	vs := &voiceSource{pad: o.seg.SpeechPad}
	if o.newVAD == nil {
		vs.known = [2]time.Duration{c.SpeechStart + o.seg.MinSpeech, c.SpeechEnd + o.seg.MinSilence}
		return vs, nil
	}
	det, err := o.newVAD()
	if err != nil {
		return nil, fmt.Errorf("%w: voice activity detector: %w", ErrInvalidOption, err)
	}
	if vs.seg, err = vad.NewSegmenter(o.seg); err != nil {
		_ = det.Close()
		return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	vs.det = det
	if rate := streamRate(c, o); rate != 16000 {
		if vs.res, err = audio.NewResampler(rate, 16000); err != nil {
			_ = det.Close()
			return nil, fmt.Errorf("speecheval: %w", err)
		}
	}
	return vs, nil
}

// next returns the voice activity after frame f.
func (vs *voiceSource) next(f audio.Frame) (pipeline.Voice, error) {
	d := f.Duration()
	at := vs.pos
	vs.pos += d
	if vs.det == nil {
		on := at >= vs.known[0] && at < vs.known[1]
		p := float32(0)
		if on {
			p = 1
		}
		return pipeline.Voice{Prob: p, Speaking: on, Pad: vs.pad}, nil
	}
	wide := f
	if vs.res != nil {
		vs.buf = vs.res.Process(vs.buf[:0], f.Samples)
		wide = audio.Frame{Rate: 16000, Samples: vs.buf}
	}
	p, err := vs.det.Process(wide)
	if err != nil {
		return pipeline.Voice{}, fmt.Errorf("speecheval: voice activity detector: %w", err)
	}
	vs.seg.Push(p, d)
	return pipeline.Voice{Prob: p, Speaking: vs.seg.InSpeech(), Pad: vs.pad}, nil
}

func (vs *voiceSource) close() {
	if vs.det != nil {
		_ = vs.det.Close()
	}
}

// streamRate returns the rate of the frames EvalStream writes.
func streamRate(c *Clip, o *options) int {
	if o.streamRate != 0 {
		return o.streamRate
	}
	return c.Audio(o.band).Rate
}

// frameTime converts samples at rate to a duration.
func frameTime(n, rate int) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(rate)
}
