package recording

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Recording records one call to a dual-channel WAV file. It is a
// pipeline.Interceptor: pass it to the call's session with
// pipeline.WithInterceptors, and the session closes it when the call ends.
// Its methods are safe for concurrent use.
type Recording struct {
	path   string
	cfg    Config
	o      *options
	start  time.Time
	caller *side
	bot    *side
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	written    atomic.Int64 // samples per channel written, at the file's rate
	writeFails atomic.Uint64
	errMu      sync.Mutex
	err        error
}

// Stats are a recording's counters.
type Stats struct {
	// CallerFrames and BotFrames count the frames the media paths handed
	// over; CallerDropped and BotDropped those dropped because the writer
	// was behind (each a 20 ms gap of silence in the file).
	CallerFrames, BotFrames, CallerDropped, BotDropped uint64
	// Written is how much audio the file holds.
	Written time.Duration
}

// New starts recording a call to path with cfg's rate and buffer. It does
// no file I/O itself: the writer goroutine it starts creates the file.
// Close it (the session does) to finish the file.
func New(path string, cfg Config, opts ...Option) (*Recording, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	cfg.Enabled = true
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if path == "" {
		return nil, fmt.Errorf("%w: empty file path", ErrConfig)
	}
	slots := int(cfg.Buffer / audio.FrameDuration)
	r := &Recording{path: path, cfg: cfg, o: o, start: o.clock.Now(), caller: newSide(slots), bot: newSide(slots),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r, nil
}

// Path returns the recording's file.
func (r *Recording) Path() string { return r.path }

// Rate returns the file's sample rate in Hz.
func (r *Recording) Rate() int { return r.cfg.Rate }

// Stats returns the recording's counters.
func (r *Recording) Stats() Stats {
	return Stats{
		CallerFrames: r.caller.frames.Load(), BotFrames: r.bot.frames.Load(),
		CallerDropped: r.caller.dropped.Load(), BotDropped: r.bot.dropped.Load(),
		Written: time.Duration(r.written.Load()) * time.Second / time.Duration(r.cfg.Rate),
	}
}

// Err returns the first error creating or writing the file (wrapping
// ErrWrite), or nil.
func (r *Recording) Err() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.err
}

func (r *Recording) fail(err error) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s: %w", ErrWrite, r.path, err)
		r.o.logger.Error("recording: write failed; the rest of the call is not recorded", "file", r.path, "err", err)
	}
}

// BindInbound records the caller's frames on the left channel, then passes
// them on.
func (r *Recording) BindInbound(_ pipeline.StreamInfo, next pipeline.AudioWriter) pipeline.AudioWriter {
	return pipeline.AudioWriterFunc(func(f audio.Frame) error {
		r.push(r.caller, f)
		return next.WriteAudio(f)
	})
}

// BindOutbound records the bot's frames on the right channel, then passes
// them on.
func (r *Recording) BindOutbound(_ pipeline.StreamInfo, next pipeline.AudioWriter) pipeline.AudioWriter {
	return pipeline.AudioWriterFunc(func(f audio.Frame) error {
		r.push(r.bot, f)
		return next.WriteAudio(f)
	})
}

// push copies a frame into sd's ring without blocking or allocating.
// Frames at another rate than the pipeline's are not recorded.
func (r *Recording) push(sd *side, f audio.Frame) {
	if f.Rate != audio.PipelineRate || len(f.Samples) == 0 {
		return
	}
	select {
	case <-r.stop:
		return
	default:
	}
	now := int64(r.o.clock.Now().Sub(r.start)) * audio.PipelineRate / int64(time.Second)
	if sd.push(f.Samples, now) {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// Close stops recording, writes what the rings hold (the shorter channel
// padded with silence), patches the header and closes the file. It waits
// for the writer goroutine and returns the recording's error, if any. It
// is idempotent.
func (r *Recording) Close() error {
	r.once.Do(func() { close(r.stop) })
	<-r.done
	return r.Err()
}
