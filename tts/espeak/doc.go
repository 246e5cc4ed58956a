// Package espeak speaks the languages Parley's default voice cannot, with
// espeak-ng 1.51 (Debian's libespeak-ng-dev and espeak-ng-data) linked
// through cgo: Mandarin (voice cmn, picked for the language tags "zh" and
// "cmn"), Cantonese, German, French, Spanish and about 120 more, and
// English too (voice en-us by default).
//
// # Chunks
//
// espeak-ng runs in synchronous mode: a call of espeak_Synth returns when
// the text is synthesized, having handed audio buffers and events to a
// callback (a C function that calls back into Go through //export, the
// request's cgo.Handle travelling in the events' user_data). Word events
// (espeakEVENT_WORD) give the sample where each word starts and its
// 1-based character position in the text: the package passes espeak-ng a
// copy of each clause with exactly one character per character of the
// request (emoji, symbols, Markdown emphasis and invalid UTF-8 become
// spaces, so that espeak-ng does not read them), and maps character
// positions back to byte offsets of the request. Words of one token of the
// text (a number read as several words) are one chunk with the token's
// byte range; in scripts without spaces each Han or kana character, with
// the punctuation after it, is a token. A word's audio runs to the start of
// the next; a quiet stretch of 60 ms or more at its end (the pause at a
// comma or a full stop) becomes a chunk of its own with an empty range, so
// that the caller is not counted as having heard a word before its pause.
// Ranges are contiguous, fall on character boundaries, never go backwards,
// and the last word's range runs to the end of the text. Audio is
// resampled from espeak-ng's 22050 Hz to the request's rate, one
// audio.Resampler stream per request.
//
// # One engine per process
//
// espeak-ng keeps everything (its data path, current voice, rate and
// pitch, text and audio buffers) in process-wide C globals, so it can
// synthesize one text at a time per process. The package serialises all
// synthesis behind one process-wide lock (a one-token channel, so waiting
// for it honours the request's context) rather than running espeak-ng in
// worker processes: espeak-ng synthesizes a sentence in a few milliseconds
// (about 650 times faster than real time), so the lock is held briefly and
// one core of synthesis feeds well over a hundred calls speaking at the
// same moment, while worker processes would add a process per core, a copy
// of every chunk over a pipe and a supervisor. Each request takes the lock
// per clause (a sentence, a line, or at most 400 bytes cut at a comma or a
// space), sets the voice and parameters only when they differ from the
// engine's, synthesizes the clause into its own buffer, releases the lock
// and only then writes the clause's chunks, so a caller's backpressure
// never holds the engine. The throughput consequence: the whole process
// synthesizes at most a few hundred seconds of espeak-ng speech per second
// (150 to 430 on the project's shared 2-core machine, go test -bench
// Parallel ./tts/espeak), however many Synthesizers exist; when callers ask
// for more, their first chunks wait their turn (the lock is FIFO): with 32
// callers asking back to back, the median first chunk comes after about
// 190 ms instead of 7 ms.
//
// espeak-ng is initialized once per process, by the first New, with that
// Synthesizer's Config.DataPath; a later New with another data path fails
// with ErrDataPathConflict. Missing data fails with ErrDataNotFound, which
// says to run `make deps`. The voice list is read once per Synthesizer.
//
// # Cancellation
//
// The callback checks the request's context every 20 ms of synthesized
// audio and returns 1, which makes espeak-ng abandon the clause and
// release the engine at once; Synthesize then returns ctx.Err(). A cancelled
// request also stops between chunks. espeak-ng's output varies slightly
// from run to run (its voice source keeps noise and jitter state from one
// synthesis to the next), by a few milliseconds per sentence.
//
// Measured on the project's shared 2-core machine (go test -bench .
// ./tts/espeak, 16 kHz, medians of three runs under a load average of 5
// to 7): a twelve-word English sentence synthesizes at about 0.0045 times
// real time, its first chunk written after about 7 ms; a twenty-character
// Mandarin sentence at about 0.004, after about 15 ms. A request allocates
// one cgo handle, whatever its number of chunks.
package espeak
