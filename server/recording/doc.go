// Package recording records calls as dual-channel 16-bit WAV files: the
// caller on the left channel, the bot on the right, at 16 kHz (or 8 kHz),
// written while the call runs.
//
// A Recording is a pipeline.Interceptor. Its writers run on the media
// paths (the session's loop for the caller, the pacer for the bot): they
// only copy each frame into a bounded ring of their side, stamped with its
// place on the call's 20 ms frame clock, and never touch the file. One
// writer goroutine per call drains both rings, lines the two channels up
// on that clock (a frame missing on one side is silence; each side is kept
// within 100 ms of the clock), and appends to
// the file. When the disk is too slow the rings fill up and further frames
// are dropped and counted (Stats) rather than slowing the call.
//
// The file's header is written first with unknown sizes (which readers
// take as "to the end of the file") and patched with the real sizes every
// few seconds and at the end, so a recording cut short by a crash is still
// a readable WAV file.
package recording
