// Package speecheval measures Parley's speech engines on synthetic caller
// speech: word error rate, real-time factor and final-result latency of a
// recognizer, first-chunk latency and real-time factor of a synthesizer.
// The evaluation tests of stt/sphinx and `parley bench speech` share it.
//
// An evaluation starts from caller utterances (LoadUtterances reads the
// examples of an intents file such as examples/retail/intents.yaml),
// speaks them with synthetic voices (Synthesize; LocalVoices gives the
// flite voices slt, rms, awb and kal16 and espeak-ng's en-us, dealt to the
// utterances in turn so that each voice says different sentences), and
// keeps each Clip in two bands: 16 kHz, and the telephone band a SIP
// caller's audio comes in (8 kHz through the pipeline's resampler, G.711
// mu-law encoded and decoded). Clips carry a quiet lead-in and tail with a
// faint line noise, and the span of their words.
//
// EvalStream recognizes each clip on a stream of its own, as the first
// utterance of a new call, writing 20 ms frames with the voice activity a
// session would report (package vad's energy detector and segmenter by
// default, or the known speech span), as fast as the recognizer takes
// them or paced in real time (WithRealTime) to measure when the final
// result arrives. EvalTranscriber does the same for a batch recognizer.
// Words normalizes texts (case, punctuation) and Compare scores a
// hypothesis by word-level edit distance.
//
// The synthetic voices differ from callers, and flite's clustergen voices
// (slt, rms, awb) draw their excitation noise from libc's rand(): two
// syntheses of a text differ slightly unless made one at a time in a fresh
// process (WithSynthesisConcurrency(1)). Compare settings on the same
// clips.
package speecheval
