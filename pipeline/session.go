package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Session is one call. It owns one context (derived from NewSession's) and
// one loop goroutine that runs voice activity detection, recognition
// writes, and the TurnDetector; each bot turn adds an agent goroutine and a
// speech goroutine under the turn's own context.
//
// All methods are safe for concurrent use. A transport calls PushAudio for
// each caller frame and NextFrame for each outbound frame; the server calls
// Subscribe, Say, Reply, SetBotEnabled and Close.
type Session struct {
	cfg    Config
	opts   *options
	log    *slog.Logger
	callID string
	clock  Clock
	start  time.Time
	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once
	bus    *bus
	in     *inbound
	out    *output
	chain  *Chain
	outMu  sync.RWMutex // held for reading while NextFrame runs the outbound chain
	outTap AudioWriter  // nil without interceptors
	inTap  AudioWriter
	stream RecognitionStream // loop-owned
	// voiceStream is stream when it implements VoiceWriter, loop-owned.
	voiceStream VoiceWriter
	gen         int       // recognition stream generation, loop-owned
	wake        *loopWake // every goroutine's way to wake the loop
	results     *queue[result]
	cmds        *queue[command]
	keys        *queue[byte]
	history     history
	stats       counters
	botOn       atomic.Bool
	closeEr     error

	loop loopState // owned by the loop goroutine
}

// result is a transcript tagged with its stream generation.
type result struct {
	gen int
	tr  Transcript
}

// counters are the atomics behind Stats.
type counters struct {
	processed, transcriptsDropped, turns, bargeIns, interruptions, backchannels, falseInts atomic.Uint64
	vadErrors, recognizerErrors, interceptorErrors                                         atomic.Uint64
}

// NewSession starts a call. cfg's zero fields take their defaults; opts
// must include WithDetector and WithRecognizer, and WithSynthesizer when
// WithAgent is given. The recognition stream is opened before NewSession
// returns. The session runs until Close or until ctx is done; either way
// Close must be called to release its resources.
func NewSession(ctx context.Context, cfg Config, opts ...Option) (*Session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	td, err := NewTurnDetector(cfg.Turn)
	if err != nil {
		return nil, err
	}
	s := &Session{cfg: cfg, opts: o, callID: o.callID, clock: o.clock, done: make(chan struct{}),
		log: o.logger.With("call_id", o.callID), chain: NewChain(o.interceptors...)}
	s.start = s.clock.Now()
	s.ctx, s.cancel = context.WithCancelCause(ctx)
	s.bus = newBus(s.callID, s.start, s.since)
	s.wake = newLoopWake()
	s.in = newInbound(cfg.InboundQueue, s.wake)
	outSamples := audio.SamplesFor(audio.PipelineRate, cfg.OutputBuffer)
	s.out = newOutput(outSamples, max(64, frames(cfg.OutputBuffer)), 64, s.since, s.wake)
	s.out.ready = o.ready
	s.results = newQueue[result](256, s.wake, wakeResults)
	s.cmds = newQueue[command](16, s.wake, wakeCommands)
	s.keys = newQueue[byte](keypadQueue, s.wake, wakeKeys)
	s.botOn.Store(true)
	s.loop.init(td)
	info := StreamInfo{CallID: s.callID, Rate: audio.PipelineRate}
	s.inTap = s.chain.BindInbound(info, AudioWriterFunc(s.consume))
	if s.chain.Len() > 0 {
		s.outTap = s.chain.BindOutbound(info, AudioWriterFunc(func(audio.Frame) error { return nil }))
	}
	if err := s.openStream(); err != nil {
		s.cancel(ErrClosed)
		return nil, errors.Join(err, s.chain.Close())
	}
	s.goroutine("loop", s.run)
	go s.supervise() // waits for the tracked goroutines; Close waits for it through done
	s.log.Debug("session started")
	return s, nil
}

// since returns the session clock: the time since the session started.
func (s *Session) since() time.Duration { return s.clock.Now().Sub(s.start) }

// goroutine starts fn as a goroutine the session waits for on Close. A panic
// in fn is logged and ends the call rather than the process.
func (s *Session) goroutine(name string, fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				err := fmt.Errorf("pipeline: panic in %s goroutine: %v", name, r)
				s.log.Error("session goroutine panicked; ending the call", "goroutine", name, "panic", r, "stack", string(debug.Stack()))
				s.bus.publish(ErrorEvent{Stage: name, Err: err})
				s.cancel(err)
			}
		}()
		fn()
	}()
}

// supervise releases the session's resources once its context is done and
// every goroutine has stopped.
func (s *Session) supervise() {
	<-s.ctx.Done()
	s.closed.Store(true)
	s.wg.Wait()
	var errs []error
	if s.stream != nil {
		errs = append(errs, s.stream.Close())
	}
	errs = append(errs, s.opts.detector.Close())
	s.outMu.Lock()
	errs = append(errs, s.chain.Close())
	s.outTap = nil
	s.outMu.Unlock()
	s.closeEr = errors.Join(errs...)
	s.bus.close(CallEndedEvent{Stats: s.Stats()})
	s.log.Debug("session ended", "cause", context.Cause(s.ctx))
	close(s.done)
}

// Close ends the call: it cancels the session's context (and so every turn),
// waits for every goroutine the session started, closes the recognition
// stream, the detector and the interceptors, publishes a CallEndedEvent and
// closes all subscriptions. It is idempotent and returns the same error
// each time: the errors of closing the engines, joined.
func (s *Session) Close() error {
	s.once.Do(func() { s.cancel(ErrClosed) })
	<-s.done
	return s.closeEr
}

// Done returns a channel closed once the session has stopped and released
// its resources (after Close, or after NewSession's context ended).
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns nil while the session runs, then why it ended: ErrClosed after
// Close, or the cause of NewSession's context.
func (s *Session) Err() error {
	if s.ctx.Err() == nil {
		return nil
	}
	return context.Cause(s.ctx)
}

// CallID returns the call's id.
func (s *Session) CallID() string { return s.callID }

// PushAudio hands the session the caller's next frame: audio.PipelineRate,
// a whole number of milliseconds, at most MaxFrameDuration (normally 20 ms).
// It copies the samples, stamps the frame with the session clock, and never
// blocks: when the loop is behind the oldest queued frame is dropped and
// counted (Stats.FramesDropped). It does not allocate. It returns ErrClosed
// after the session ended and an ErrBadFrame error for a malformed frame.
func (s *Session) PushAudio(f audio.Frame) error {
	if s.closed.Load() {
		return ErrClosed
	}
	n := len(f.Samples)
	if f.Rate != audio.PipelineRate || n == 0 || n > maxFrameSamples || n%(audio.PipelineRate/1000) != 0 {
		return fmt.Errorf("%w: %d samples at %d Hz (want %d Hz, 1-%d ms)", ErrBadFrame, n, f.Rate,
			audio.PipelineRate, MaxFrameDuration/time.Millisecond)
	}
	s.in.push(f.Samples, s.since())
	return nil
}

// WriteAudio is PushAudio, so a Session is an AudioWriter for transports.
func (s *Session) WriteAudio(f audio.Frame) error { return s.PushAudio(f) }

// NextFrame implements FrameSource: it fills dst with the bot's next
// len(dst) samples at audio.PipelineRate and reports whether they are bot
// audio (see FrameSource). The outbound interceptors see every frame. It
// never blocks on the session's loop or engines and does not allocate.
func (s *Session) NextFrame(dst []int16) bool {
	if s.closed.Load() {
		clear(dst)
		return false
	}
	ok := s.out.next(dst)
	s.outMu.RLock()
	if s.outTap != nil {
		if err := s.outTap.WriteAudio(audio.Frame{Rate: audio.PipelineRate, Samples: dst}); err != nil {
			s.stats.interceptorErrors.Add(1)
		}
	}
	s.outMu.RUnlock()
	return ok
}

// Buffered returns how much bot audio is synthesized and waiting to be
// played.
func (s *Session) Buffered() time.Duration {
	return time.Duration(s.out.buffered()) * time.Second / audio.PipelineRate
}

// Subscribe returns a subscription to the session's events with a buffer of
// buffer events (Config.EventBuffer if buffer <= 0). Subscribing after the
// session ended returns a subscription whose channel is closed.
func (s *Session) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = s.cfg.EventBuffer
	}
	return s.bus.subscribe(buffer)
}

// Alert publishes an AlertEvent on the session, for components (QA rules)
// that watch the call and want their alerts in its event stream.
func (s *Session) Alert(a Alert) { s.bus.publish(AlertEvent{Alert: a}) }

// History returns a copy of the conversation so far.
func (s *Session) History() []Message { return s.history.snapshot() }

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	return Stats{
		FramesIn:           s.in.pushed.Load(),
		FramesDropped:      s.in.dropped.Load(),
		FramesProcessed:    s.stats.processed.Load(),
		TranscriptsDropped: s.stats.transcriptsDropped.Load(),
		FramesOut:          s.out.frames.Load(),
		Underruns:          s.out.under.Load(),
		Events:             s.bus.sent.Load(),
		EventsDropped:      s.bus.dropped.Load(),
		Turns:              s.stats.turns.Load(),
		BargeIns:           s.stats.bargeIns.Load(),
		Interruptions:      s.stats.interruptions.Load(),
		Backchannels:       s.stats.backchannels.Load(),
		FalseInterruptions: s.stats.falseInts.Load(),
		VADErrors:          s.stats.vadErrors.Load(),
		RecognizerErrors:   s.stats.recognizerErrors.Load(),
		InterceptorErrors:  s.stats.interceptorErrors.Load(),
	}
}

// Say makes the bot speak text now, as a bot turn of its own (no agent): a
// greeting, a hold message, a supervisor's words. A bot turn in progress is
// cut off first (history keeps what the caller heard of it). Blank text is
// ignored. It returns
// ErrBotDisabled without a synthesizer or while the bot is disabled,
// ErrBusy if the session is not keeping up with commands, and ErrClosed
// after the session ended.
func (s *Session) Say(text string) error {
	if s.opts.synth == nil {
		return ErrBotDisabled
	}
	if text = strings.TrimSpace(text); text == "" {
		return nil
	}
	return s.command(command{kind: cmdSay, text: text})
}

// Reply asks the agent to speak now with the current history and no new
// caller words, for example to greet the caller when the call starts. A bot
// turn in progress is cut off first. Errors are as for Say.
func (s *Session) Reply() error {
	if s.opts.agent == nil {
		return ErrBotDisabled
	}
	return s.command(command{kind: cmdReply})
}

// SetBotEnabled turns the bot on or off. While it is off (after a handoff to
// a human agent) the session keeps listening and publishing transcripts,
// but caller turns get no answer; turning it off cuts off a bot turn in
// progress. Errors are ErrBusy and ErrClosed.
func (s *Session) SetBotEnabled(on bool) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.botOn.Store(on)
	if on {
		return nil
	}
	return s.command(command{kind: cmdDisable})
}

func (s *Session) command(c command) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if c.kind != cmdDisable && !s.botOn.Load() {
		return ErrBotDisabled
	}
	if !s.cmds.tryPush(c) {
		return fmt.Errorf("%w: command queue full", ErrBusy)
	}
	return nil
}

// openStream opens a recognition stream; results of older streams are
// ignored from then on.
func (s *Session) openStream() error {
	s.gen++
	gen := s.gen
	sink := TranscriptSinkFunc(func(t Transcript) {
		if s.results.pushEvict(result{gen: gen, tr: t}, isPartial) {
			s.stats.transcriptsDropped.Add(1)
		}
	})
	st, err := s.opts.recognizer.Open(s.ctx, RecognitionConfig{CallID: s.callID, Rate: audio.PipelineRate,
		Language: s.cfg.Language, Hints: s.loop.hints}, sink)
	if err != nil {
		return fmt.Errorf("pipeline: open recognition stream: %w", err)
	}
	s.stream = st
	s.voiceStream, _ = st.(VoiceWriter)
	return nil
}

// isPartial is the transcript queue's eviction preference: a partial result
// is superseded by later ones anyway.
func isPartial(r result) bool { return !r.tr.Final }
