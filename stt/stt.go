// Package stt is Parley's speech recognition: the contract every engine
// implements, and the parts engines share (utterance-by-utterance
// recognition for batch engines, fallback chains, grammars for constrained
// answers).
//
// A Recognizer opens one Stream per call. The session writes every inbound
// frame to the stream and receives partial and final Transcripts through a
// sink; the agent biases the next turn with Hints (phrases, or a JSGF
// grammar for digits, yes/no or menu choices). Engines live in subpackages
// named after them: stt/sphinx (pocketsphinx, local, the default) and
// stt/openai (any OpenAI-compatible transcription endpoint). Fakes for tests
// are in stt/stttest.
package stt

import (
	"context"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Recognizer opens recognition streams; see pipeline.Recognizer.
type Recognizer = pipeline.Recognizer

// Stream is one call's recognition stream; see pipeline.RecognitionStream.
// Streams that decode only around speech also implement VoiceWriter.
type Stream = pipeline.RecognitionStream

// VoiceWriter is a stream that takes the session's voice activity with each
// frame; see pipeline.VoiceWriter.
type VoiceWriter = pipeline.VoiceWriter

// Voice is the session's voice activity for one frame.
type Voice = pipeline.Voice

// Config configures one stream: call id, sample rate, language and the
// first turn's hints.
type Config = pipeline.RecognitionConfig

// Hints bias the next turn: phrases to boost, or a JSGF grammar.
type Hints = pipeline.Hints

// Transcript is one partial or final result, with word timings, confidence
// and n-best alternatives when the engine gives them.
type Transcript = pipeline.Transcript

// Word is one recognised word with its timing.
type Word = pipeline.Word

// Alternative is one n-best hypothesis.
type Alternative = pipeline.Alternative

// Sink receives a stream's results.
type Sink = pipeline.TranscriptSink

// Transcriber recognises one utterance at a time. Batch engines (an
// OpenAI-compatible /audio/transcriptions endpoint, a Whisper server)
// implement it; NewUtteranceRecognizer turns one into a streaming Recognizer
// fed utterance by utterance as the session's voice activity segments them.
//
// Transcribe must honour ctx (a per-utterance deadline and the call's
// context) and must not retain u.Audio.Samples after it returns. It is
// called concurrently for different calls.
type Transcriber interface {
	Transcribe(ctx context.Context, u Utterance) (Transcript, error)
}

// Utterance is one stretch of a caller's speech, padded with the segmenter's
// speech padding on both sides.
type Utterance struct {
	// CallID identifies the call, for the engine's logs.
	CallID string
	// Audio is the utterance, mono PCM16 at Audio.Rate.
	Audio audio.Frame
	// Language is a BCP 47 tag; empty means the engine's default.
	Language string
	// Hints bias the recognition (the turn's phrases and grammar).
	Hints Hints
}
