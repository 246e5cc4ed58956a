package pipeline

import (
	"context"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// AudioWriter consumes audio frames.
//
// WriteAudio must not retain f.Samples after it returns (copy what must be
// kept), must not block on I/O, and should not allocate: it runs on a call's
// media path once per frame.
type AudioWriter interface {
	WriteAudio(f audio.Frame) error
}

// AudioWriterFunc adapts a function to an AudioWriter.
type AudioWriterFunc func(f audio.Frame) error

// WriteAudio calls fn(f).
func (fn AudioWriterFunc) WriteAudio(f audio.Frame) error { return fn(f) }

// StreamInfo describes the audio a session hands to its interceptors.
type StreamInfo struct {
	// CallID identifies the call.
	CallID string
	// Rate is the sample rate of the frames in Hz (audio.PipelineRate).
	Rate int
}

// Interceptor observes or transforms a call's audio on both paths.
//
// BindInbound wraps the writer that receives the caller's frames (after the
// transport decoded and resampled them, before voice activity detection and
// recognition); BindOutbound wraps the writer that sees the bot's frames as
// they are handed to the transport. The returned writer usually does its work
// and then calls next. Inbound writers run on the session's loop goroutine and
// may transform or drop frames; outbound writers run on the goroutine that
// calls Session.NextFrame (typically a pacer shared by many calls), see every
// frame including silence, may modify samples in place, and must return
// quickly. Both are called with frames the interceptor does not own.
//
// Close is called once when the session closes, after the session has stopped
// calling the writers.
type Interceptor interface {
	BindInbound(info StreamInfo, next AudioWriter) AudioWriter
	BindOutbound(info StreamInfo, next AudioWriter) AudioWriter
	Close() error
}

// Recognizer is a streaming speech recognition engine as a call sees it.
//
// Open starts one recognition stream for one call. Results are delivered to
// sink, from any goroutine, in the order the recognizer produced them; the
// stream lives until Close or until ctx (the session's context) is done.
// Implementations must be safe for concurrent Open calls from many sessions.
type Recognizer interface {
	Open(ctx context.Context, cfg RecognitionConfig, sink TranscriptSink) (RecognitionStream, error)
}

// RecognitionConfig configures one recognition stream.
type RecognitionConfig struct {
	// CallID identifies the call, for the engine's logs.
	CallID string
	// Rate is the sample rate of the frames the stream will receive, in Hz.
	Rate int
	// Language is a BCP 47 tag such as "en" or "zh"; empty means the
	// engine's default.
	Language string
	// Hints bias recognition of the caller's first turn.
	Hints Hints
}

// Hints bias recognition towards what the caller is expected to say next, for
// example the answers to the question the bot just asked. Engines use what
// they support and ignore the rest.
type Hints struct {
	// Phrases are words or phrases to boost (keywords, product names,
	// expected answers).
	Phrases []string
	// Grammar constrains the next turn to the sentences of a JSGF grammar
	// (https://www.w3.org/TR/jsgf/), for example digits, yes/no or the
	// choices of a menu; package stt builds the common ones. Empty means
	// open vocabulary. Engines that decode with grammars reject speech
	// that does not fit and fall back to open vocabulary for it; others
	// use the grammar's phrases as hints.
	Grammar string
	// KeypadDigits is how many keypad digits make a complete answer to
	// the next turn: 1 for a menu choice, 8 for an eight-digit order
	// number. The session answers as soon as that many digits are in.
	// Zero means the entry ends with '#' or after
	// TurnConfig.KeypadTimeout without a key.
	KeypadDigits int
}

// RecognitionStream is one call's recognition stream.
//
// The session calls Write, SetHints and Close from one goroutine (its loop).
// Write receives every inbound frame, speech and silence, and must not block
// on I/O or retain f.Samples: an engine that talks to a server copies the
// frame into its own bounded buffer and sends from another goroutine. Write
// should not allocate. A Write error makes the session close the stream and
// open a new one after a back-off.
type RecognitionStream interface {
	Write(f audio.Frame) error
	// SetHints replaces the hints for the caller's next turn.
	SetHints(h Hints) error
	// Close ends the stream and waits for the engine's goroutines; results
	// may still be delivered until Close returns. It is idempotent.
	Close() error
}

// VoiceWriter is implemented by recognition streams that decode only around
// speech, so that a caller who is silent costs nothing. When the stream
// implements it, the session calls WriteVoice instead of Write for every
// frame, with the session's voice activity for that frame. The same rules as
// for Write apply.
type VoiceWriter interface {
	WriteVoice(f audio.Frame, v Voice) error
}

// Voice is the session's voice activity for one inbound frame.
type Voice struct {
	// Prob is the detector's speech probability for the frame, in [0, 1].
	Prob float32
	// Speaking is the session's speech state after the frame: true from the
	// moment the segmenter confirmed speech (a few frames after its onset:
	// keep a pre-roll of at least Pad) until the end of speech, which the
	// segmenter decides after its minimum silence.
	Speaking bool
	// Pad is the segmenter's speech padding: the audio before a confirmed
	// onset and after the end of speech that belongs to the utterance.
	Pad time.Duration
}

// TranscriptSink receives recognition results. WriteTranscript must not
// block; the session's sink queues the result for its loop.
type TranscriptSink interface {
	WriteTranscript(t Transcript)
}

// TranscriptSinkFunc adapts a function to a TranscriptSink.
type TranscriptSinkFunc func(t Transcript)

// WriteTranscript calls fn(t).
func (fn TranscriptSinkFunc) WriteTranscript(t Transcript) { fn(t) }

// Transcript is one recognition result for the caller's speech.
//
// A partial result is a running hypothesis for the speech since the last
// final result and is superseded by the next partial or final. A final result
// is stable; the next results start after it. A final with empty Text means
// the engine heard no words in that stretch of audio.
type Transcript struct {
	// Text is the recognised text, possibly punctuated.
	Text string
	// Final reports whether the result is stable.
	Final bool
	// Confidence is the engine's confidence in [0, 1]; 0 when unknown.
	Confidence float32
	// Words holds per-word timings when the engine provides them.
	Words []Word
	// Language is the detected language tag when the engine reports it.
	Language string
	// Start and End delimit the recognised audio, measured from the start
	// of the stream; zero when the engine does not report them.
	Start, End time.Duration
	// Alternatives are the engine's next-best hypotheses for a final
	// result, best first, not including Text; empty when the engine gives
	// only one. The NLU can try them when Text is not understood.
	Alternatives []Alternative
	// Grammar reports a final result that matched the turn's grammar
	// (Hints.Grammar). False for open-vocabulary results, including those
	// of a turn with a grammar whose speech the engine rejected as out of
	// grammar.
	Grammar bool
}

// Alternative is one n-best hypothesis of a final result.
type Alternative struct {
	// Text is the hypothesis.
	Text string
	// Confidence is in [0, 1]; 0 when unknown.
	Confidence float32
}

// Word is one recognised word with its timing in the stream.
type Word struct {
	// Text is the word as recognised.
	Text string
	// Start and End are measured from the start of the stream.
	Start, End time.Duration
	// Confidence is in [0, 1]; 0 when unknown.
	Confidence float32
}

// Agent decides what the bot says.
//
// Respond is called once per bot turn, on a goroutine of its own, with a ctx
// that is cancelled when the caller barges in (and the interruption is
// confirmed), when the session closes, or when the agent is too slow to start
// answering (Config.AgentTimeout). It streams its answer through w, one
// Response per sentence as soon as each sentence is ready, so speech can start
// before the whole answer exists. Respond must return promptly once ctx is
// done, and should return ctx.Err() then. Errors are reported as events and
// the session speaks Config.ErrorPrompt if nothing was said.
type Agent interface {
	Respond(ctx context.Context, req AgentRequest, w ResponseWriter) error
}

// AgentRequest is what the agent sees of the call when asked to respond.
type AgentRequest struct {
	// CallID identifies the call.
	CallID string
	// Turn numbers the bot's turns in the call, from 1.
	Turn int
	// Language is the call's language tag.
	Language string
	// Text is the caller's turn being answered; empty when the session asks
	// the agent to speak first (Session.Reply), for example for a greeting.
	Text string
	// DTMF holds the keypad digits ("0"-"9", "*", "#", "A"-"D") the caller
	// pressed during this turn, in order (RFC 4733 events or SIP INFO,
	// decoded by the transport). A turn can carry digits and no Text.
	DTMF string
	// History is the conversation so far, oldest first, ending with the
	// caller's turn being answered. Bot messages hold only the words the
	// caller heard. The slice is the agent's own copy.
	History []Message
}

// ResponseWriter receives an agent's answer as it is produced. WriteResponse
// blocks while the bot's speech queue is full (backpressure) and returns
// ctx.Err() once the turn's context is done. It is safe to call from one
// goroutine at a time.
type ResponseWriter interface {
	WriteResponse(r Response) error
}

// ResponseWriterFunc adapts a function to a ResponseWriter.
type ResponseWriterFunc func(r Response) error

// WriteResponse calls fn(r).
func (fn ResponseWriterFunc) WriteResponse(r Response) error { return fn(r) }

// Response is one part of an agent's answer. Any combination of fields may be
// set; parts are handled in the order written.
type Response struct {
	// Text is spoken as one unit, normally one sentence.
	Text string
	// Action is a control action (end the call, hand off to a human, an
	// intent or tool call to record). The session publishes it as an
	// ActionEvent: at once, or after everything written before it has been
	// played when AfterSpeech is set.
	Action Action
	// AfterSpeech delays Action until the caller has heard everything
	// written before it (hang up after the goodbye, transfer after "let me
	// transfer you"). If the caller interrupts first the action is dropped,
	// since the agent will answer the interruption.
	AfterSpeech bool
	// Hints, when non-nil, replace the recognition hints for the caller's
	// next turn.
	Hints *Hints
}

// Action is a control action an agent returns. The session does not act on
// actions itself: it publishes them as ActionEvents for the server, the
// bridge and QA to carry out. ActionKind names the action in events and call
// records (for example "end_call" or "handoff").
type Action interface {
	ActionKind() string
}

// Synthesizer turns text into speech.
//
// Synthesize speaks req.Text, writing audio chunks to w in order as they are
// produced, and returns when all of it was written, when ctx is done (return
// ctx.Err()), or when w fails (return that error). The session calls it once
// per sentence, on the turn's speech goroutine. Implementations must be safe
// for concurrent use by many sessions.
type Synthesizer interface {
	Synthesize(ctx context.Context, req SpeechRequest, w SpeechWriter) error
}

// SpeechRequest is one piece of text to speak.
type SpeechRequest struct {
	// Text is the text to speak, normally one sentence.
	Text string
	// Rate is the sample rate the chunks must have, in Hz
	// (audio.PipelineRate).
	Rate int
	// Language is the call's language tag.
	Language string
	// Voice names an engine voice; empty means the engine's default.
	Voice string
}

// SpeechWriter receives synthesized audio. WriteSpeech copies the chunk into
// the call's bounded output buffer, blocking while the buffer is full
// (backpressure: synthesis never runs more than Config.OutputBuffer ahead of
// playback) and returning the context's error once the turn is cancelled.
type SpeechWriter interface {
	WriteSpeech(c SpeechChunk) error
}

// SpeechWriterFunc adapts a function to a SpeechWriter.
type SpeechWriterFunc func(c SpeechChunk) error

// WriteSpeech calls fn(c).
func (fn SpeechWriterFunc) WriteSpeech(c SpeechChunk) error { return fn(c) }

// SpeechChunk is a piece of synthesized audio and the text it speaks.
//
// TextStart and TextEnd are byte offsets into SpeechRequest.Text delimiting
// the words this chunk speaks; a chunk of pure silence has TextStart ==
// TextEnd. Ranges of successive chunks must not go backwards. The session
// uses them to know which words the caller heard when interrupted: it counts
// words as heard in proportion to the chunk's samples played, at word
// boundaries, so engines that can chunk per word give exact results and
// engines that cannot write each sentence as one chunk covering its whole
// text. Audio must be at SpeechRequest.Rate; the writer copies the samples.
type SpeechChunk struct {
	// Audio is the chunk's samples, at SpeechRequest.Rate.
	Audio audio.Frame
	// TextStart and TextEnd delimit the text spoken, in bytes.
	TextStart, TextEnd int
}

// FrameSource is the outbound side of a call as a transport sees it.
//
// NextFrame fills dst with the next len(dst) samples of bot audio at
// audio.PipelineRate (320 samples for a 20 ms frame) and reports whether dst
// holds bot audio. When there is none (the bot is silent, paused by a
// barge-in, or waiting for synthesis) it zero-fills dst and returns false; the
// transport then sends silence or comfort noise, or nothing. NextFrame never
// blocks and does not allocate, so a pacer can call it for many calls per
// tick.
type FrameSource interface {
	NextFrame(dst []int16) bool
}

// Flusher is implemented by transports that buffer bot audio ahead of
// playout. The session calls Flush when the caller barges in so that audio
// already handed over stops too (Twilio "clear", stop sending RTP). Flush is
// called on the session's loop goroutine and must not block.
type Flusher interface {
	Flush()
}

// FlusherFunc adapts a function to a Flusher.
type FlusherFunc func()

// Flush calls fn().
func (fn FlusherFunc) Flush() { fn() }

// Role says who spoke a Message.
type Role string

// Roles in a conversation history; the values are those of call records.
const (
	// RoleCaller is the person who called.
	RoleCaller Role = "caller"
	// RoleBot is the voice agent.
	RoleBot Role = "bot"
	// RoleAgent is a human agent after a handoff.
	RoleAgent Role = "agent"
)

// Message is one turn of the conversation history.
type Message struct {
	// Role says who spoke.
	Role Role
	// Text is what was said. For an interrupted bot turn it holds only the
	// words the caller heard, cut at a word boundary.
	Text string
	// DTMF holds the keypad digits of a caller turn entered on the keypad
	// (see AgentRequest.DTMF); Text is empty then.
	DTMF string
	// Interrupted reports a bot turn the caller cut off.
	Interrupted bool
	// Start and End delimit the turn, measured from the start of the
	// session: caller speech onset to end of speech, or first to last bot
	// frame played. Zero for a bot turn that played no audio.
	Start, End time.Duration
}

// Clock tells the time and makes tickers. The session reads it for every
// timestamp and timeout, so tests can drive a session with a fake clock
// (pipelinetest.Clock) and no sleeps.
type Clock interface {
	// Now returns the current time. Only its monotonic progress matters to
	// the session; wall time appears in events.
	Now() time.Time
	// NewTicker returns a ticker that fires every d.
	NewTicker(d time.Duration) Ticker
}

// Ticker delivers ticks like time.Ticker: a slow receiver misses ticks rather
// than queueing them.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}
