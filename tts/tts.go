// Package tts is Parley's speech synthesis: the contract every engine
// implements and the parts engines share (fallback chains, word-timed
// chunking, voice lists).
//
// A Synthesizer speaks one piece of text (normally one sentence, as the agent
// streams it) into a SpeechWriter, chunk by chunk as the audio exists, each
// chunk carrying the byte range of the text it speaks so the session knows
// which words the caller heard before a barge-in. Synthesis stops when the
// turn's context is cancelled. Engines live in subpackages named after them:
// tts/flite (local, the default), tts/espeak (local, many languages including
// Mandarin) and tts/openai (any OpenAI-compatible speech endpoint). Fakes for
// tests are in tts/ttstest.
package tts

import (
	"github.com/parley-voice/parley/pipeline"
)

// Synthesizer turns text into speech; see pipeline.Synthesizer.
type Synthesizer = pipeline.Synthesizer

// Request is one piece of text to speak, with the rate, language and voice.
type Request = pipeline.SpeechRequest

// Chunk is a piece of synthesized audio and the byte range of the text it
// speaks.
type Chunk = pipeline.SpeechChunk

// Writer receives synthesized chunks, applying backpressure.
type Writer = pipeline.SpeechWriter

// WriterFunc adapts a function to a Writer.
type WriterFunc = pipeline.SpeechWriterFunc

// Voice describes one voice an engine offers.
type Voice struct {
	// Name is what SpeechRequest.Voice and the configuration call it.
	Name string `json:"name"`
	// Language is the voice's BCP 47 language tag ("en-US", "cmn").
	Language string `json:"language"`
	// Gender is "female", "male" or empty when unknown.
	Gender string `json:"gender,omitempty"`
	// Rate is the engine's native sample rate in Hz; chunks are resampled
	// to the requested rate.
	Rate int `json:"rate"`
}

// VoiceLister is implemented by synthesizers that can list their voices.
type VoiceLister interface {
	Voices() []Voice
}
