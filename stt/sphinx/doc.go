// Package sphinx is Parley's embedded speech recognizer: CMU pocketsphinx
// (Debian's libpocketsphinx 0.8+5prealpha with the pocketsphinx-en-us
// model) through cgo, as a pipeline.Recognizer whose streams decode only
// around the caller's speech.
//
// # Streams
//
// A Recognizer opens one stream per call. Its streams implement
// pipeline.VoiceWriter, so the session hands them every frame with its
// voice activity. While the caller is silent a frame costs one copy into a
// pre-roll ring (Config.PreRoll, 400 ms): no decoder, no goroutine. When
// the session reports speech the stream queues the pre-roll and the live
// frames for a decoding goroutine; when speech ends it makes sure the
// utterance holds max(Voice.Pad, Config.PostRoll) of audio after the last
// voiced frame (Voice.Prob of 0.5 or more) and ends it. The session's
// segmenter keeps reporting speech through its minimum silence (300 ms),
// so with its defaults the utterance ends on the frame that ends speech,
// and the final follows as soon as the decoder has caught up.
// WriteVoice never blocks or decodes and does not allocate in steady
// state. The queue holds Config.Backlog of audio (3 s, allocated at the
// caller's first speech); when it is full the oldest audio is dropped and
// counted, and the utterance still ends with a final. Plain Write (a file,
// a source without voice activity) finds speech with package vad's energy
// detector and segmenter, then proceeds the same way.
//
// The decoding goroutine exists while utterances are queued or decoded. It
// takes a decoder from the pool at the start of an utterance, decodes the
// audio as it comes (a partial result every Config.PartialInterval of
// audio when the text changed), delivers the final and returns the decoder.
// Results reach the sink from that goroutine only, in order. An utterance
// that gets no decoder within Config.AcquireTimeout yields an empty final.
// Speech longer than Config.MaxUtterance is split into several finals.
//
// # Decoders
//
// A decoder holds the acoustic model, the 135,000-word dictionary and the
// language model: about 90 MB of memory and 0.4 s to load. The pool loads
// them on demand up to Config.MaxDecoders (twice the CPUs by default: one
// core decodes about three speaking callers in real time), keeps them, and
// lends one to each utterance being decoded, so decoders are shared by all
// calls. Config.PreloadDecoders are loaded by New.
//
// Each stream keeps its own estimate of the caller's channel (the cepstral
// mean the decoder subtracts from every frame), restored into whichever
// decoder decodes its next utterance. The engine would otherwise carry one
// caller's channel to the next and make results depend on the decoder a
// call happens to get. A new caller starts from the model's generic mean,
// which the stream adapts every 100 ms from the first utterance on (the
// engine alone adapts it only at utterance ends, which costs the first
// utterance of a telephone-band call most of its words).
//
// # Telephone band
//
// A caller on the phone network (G.711, G.729, AMR-NB) has no audio above
// 4 kHz, and the en-us model, trained on 16 kHz speech, computes features
// up to 6.8 kHz: upsampled telephone audio leaves its upper filters empty,
// which throws every cepstral coefficient off (word error rate 0.55 on the
// held-out set below, against 0.21 for the same sentences at 16 kHz). On
// telephone-band audio a stream folds the spectrum (each sample scaled by
// 1.3 and 0.7 in turn, which adds the mirror image of 0.5-3.4 kHz at 4.6-
// 7.5 kHz, 10 dB down) and starts a new caller from the cepstral mean of
// folded telephone speech. Streams opened below 16 kHz carry telephone
// band; the others (a session opens its streams at 16 kHz whatever the
// codec) are measured on their first utterance: its first 0.3 to 1 s is
// held back until the energy above 4.5 kHz can be compared with the total
// (60 dB under or less is telephone band). Config.Band turns this off or
// forces it; Stats.TelephoneBand counts the streams measured as telephone
// band. Other remedies were measured and left out (see Measurements).
//
// # Results
//
// A final result has the words with their times in the stream (counted
// from the first sample written, in 10 ms frames), n-best Alternatives
// (distinct texts, up to Config.Alternatives) and a Confidence: for
// open-vocabulary text, the mean of the words' posterior probabilities in
// the word lattice (each word's own is in Word.Confidence; alternatives
// are rated the same way). Fillers (<sil>, [NOISE], <s>) and pronunciation
// variants ("read(2)") are removed. Start and End span the words, or the
// utterance's audio when it has none (the final then has empty text).
//
// # Grammars and rejection
//
// Hints.Grammar is a JSGF grammar, checked at SetHints (syntax, a public
// rule, every word in the dictionary, no imports) and compiled once per
// decoder. It applies to the next utterance; an utterance under way keeps
// its hints. A grammar turn is decoded twice: live with the open-vocabulary
// language model (partials come from this pass), then with the grammar
// over the kept audio and the same features. When the open-vocabulary path
// scores better by more than Config.GrammarRejection per 10 ms frame, the
// speech does not fit the grammar and the open-vocabulary text is returned
// with Grammar false; otherwise the grammar's text with Grammar true and a
// Confidence from the margin (0.5 at the threshold, 0.98 when both explain
// the audio equally). The open-vocabulary text, when different, is one of
// the alternatives. The default threshold, 6, comes from
// TestEvalGrammarRejection: 4 synthetic voices saying 17 phrases under a
// yes/no and a digits grammar, decoded whole and streamed (272 decodes):
// in-grammar speech scored margins up to 6.5 (6.3 with Config.FlatPass)
// and out-of-grammar speech from 6.5 up, most of it above 10; 6
// misclassifies 2 of the 272 in either mode (one voice's "yes", answered
// with the open-vocabulary text instead).
//
// # Phrases
//
// Hints.Phrases bias the open-vocabulary result in two ways. The n-best
// list is rescored with Config.PhraseBonus per recognised word inside a
// hint phrase, so a hypothesis holding a hint can overtake the best path;
// and a phrase is matched by spelling, so the words "smart watch" are
// written as the hint "smartwatch". A hypothesis replaces the best path
// only when it holds more hint words. On 8 product sentences with names the
// dictionary lacks, in 4 voices, the hints cut the word error rate from
// 0.35 to 0.19 (0.20 from the spelling match alone). Words are not added
// to the dictionary: the engine's ps_add_word, with this language model
// format, makes later decoding read out of bounds (a crash, confirmed with
// valgrind).
//
// # Batch
//
// Recognizer.Transcribe decodes a whole recording on one decoder, in
// utterances of at most 15 s cut in pauses, each decoded in one piece with
// its own cepstral mean (more accurate than live decoding), and returns one
// final with every word.
//
// # Measurements
//
// On the 2-core development machine (AMD EPYC, shared with other builds),
// medians of five runs:
//
//   - decoder: 90 MB resident, 0.4 s to load (BenchmarkDecoderLoad);
//   - decoding: 0.30 of a core per speaking caller (cpu-xRT); the final
//     takes 60 ms of CPU once the audio is in, 230 ms on a grammar turn
//     with its second pass (BenchmarkDecode);
//   - a silent caller: 14 KB of memory and 31 ns of CPU per 20 ms frame, no
//     goroutine, no decoder (BenchmarkOpenSilentStream,
//     BenchmarkWriteVoiceSilence); 9 µs per frame with plain Write, which
//     runs the energy detector (BenchmarkWriteSilence);
//   - a speaking caller: 73 ns per frame on the session's goroutine
//     (BenchmarkWriteVoiceSpeech), the 96 KB backlog, a goroutine and a
//     pooled decoder while the utterance is decoded;
//   - word error rate on 7 retail sentences in 3 synthetic voices: 0 when
//     transcribed whole, 0.024 streamed as the first utterance of a call
//     (TestOpenVocabularyWER, TestStreamWriteVoice), 0.36 streamed at 8 kHz
//     (0.24 with Config.FlatPass).
//
// Re-run them with go test -run '^$' -bench . -count 5 ./stt/sphinx/ (use
// -count 1 for MB/decoder: a process reuses the memory of decoders it
// freed), and the rejection calibration with PARLEY_SPHINX_EVAL=1 go test
// -run Eval -v ./stt/sphinx/.
package sphinx
