// Package flite is Parley's default speech synthesizer: CMU Flite 2.2
// (Debian's flite1-dev) linked through cgo, with its built-in English
// voices slt (the default, US female), rms (US male), awb (Scottish male),
// kal and kal16 (US male diphone voices at 8 and 16 kHz).
//
// # Chunks
//
// A Synthesizer writes one chunk per token of the request text and one per
// pause, each as soon as flite has vocoded it, so the session knows which
// words the caller heard when interrupted. It builds flite's Token relation
// itself, recording each token's byte range in the request, and cuts the
// audio at the end of each token's last segment. A token read as several
// words ("25" is "twenty five", "10:30" is "ten thirty") is one chunk
// covering the token's bytes. Chunk ranges are contiguous: each starts where
// the previous one ended (covering the spaces and punctuation between
// words), silences have empty ranges, and the last word's range runs to the
// end of the text. Audio is resampled from the voice's rate to the request's
// with one audio.Resampler stream per request.
//
// Text is synthesized clause by clause (a sentence, a line, or at most 400
// bytes cut at a comma or space), and within a clause flite's vocoder
// streams its output every 20 ms of audio, so the first word of a
// twelve-word sentence is written about 40 ms after the call with slt
// (2.5 ms with kal16), and memory holds one clause whatever the text's
// length. flite begins and ends every utterance with about 200 ms of
// silence; Config.LeadingSilence and Config.TrailingSilence trim the
// request's ends so that the caller does not hear it as latency. The text
// is cleaned for the English voices first: accented Latin letters lose
// their accents, typographic quotes and dashes become ASCII punctuation,
// Markdown emphasis is dropped, tokens longer than 48 bytes are cut, and
// letters of other scripts are skipped (text made only of them fails with
// ErrUnspeakable: route it to tts/espeak).
//
// # Concurrency
//
// flite builds its voices, lexicon and phone sets once, in process-wide C
// state: the register_cmu_us_* functions cache each voice in a global and
// are not thread-safe, so the package registers every voice exactly once
// per process, under pthread_once in C. That is process state of the C
// library, not a Go global or a tunable: every Synthesizer shares the same
// voices, and New only makes sure they exist. After registration flite only
// reads a voice (flite's README: "thread safe (again) [after
// initialization]"): utt_init links the voice's features into each
// utterance's, and every per-request setting (speed, pitch, the streaming
// callback) goes into the utterance's own features, never the voice's.
// Running Valgrind's Helgrind over three threads synthesizing varied text
// with slt and kal16 at once reports no race in flite; the only shared
// state it touches is libc's rand(), which is locked. Requests therefore
// synthesize in parallel on the same voice, one thread each, and at most
// Config.MaxConcurrent clauses run at once per Synthesizer (default: one
// per CPU); the others wait their turn, cancellably.
//
// Because the clustergen voices (slt, rms, awb) draw part of their
// excitation noise from libc's rand(), two syntheses of the same text give
// the same words, timing and chunks but not bit-identical samples; the
// diphone voices (kal, kal16) are bit-exact.
//
// # Cancellation and cost
//
// The vocoder checks the request's context every 20 ms of audio and stops
// within one block when it is done; Synthesize then returns ctx.Err(). A
// writer that blocks (the session's backpressure) holds no CPU slot and no
// thread inside flite: synthesis of a clause runs ahead of the writer,
// which is what bounds memory to one clause.
//
// Measured on the project's shared 2-core machine (go test -bench .
// ./tts/flite, twelve-word sentence at 16 kHz, medians of three runs under
// a load average of 5 to 7): slt synthesizes at 0.02-0.035 times real time
// and writes its first word 37-47 ms after the call (rms and awb alike);
// kal16 at 0.0015 times real time, first word after 2.5 ms; kal at 0.004,
// after 9 ms. With both CPUs synthesizing slt, the process makes about 40
// seconds of speech per second. A request allocates a cgo handle, and a
// goroutine per clause, whatever its number of chunks (0.2 allocations
// per chunk).
package flite
