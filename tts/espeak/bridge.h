/* The C side of package espeak: one process-wide initialization of
 * espeak-ng in synchronous mode, and synthesis of one clause with its audio
 * and events streamed to Go. espeak-ng keeps all its state in process-wide
 * globals: the Go side calls parley_espeak_synth and espeak_ListVoices only
 * while it holds the package's engine lock. */
#ifndef PARLEY_ESPEAK_BRIDGE_H
#define PARLEY_ESPEAK_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

/* parley_espeak_init returned for a second initialization with another
 * data path. */
#define PARLEY_ESPEAK_PATH_CONFLICT (-2)

/* parley_espeak_init initializes espeak-ng once per process, with the data
 * directory path (the one holding espeak-ng-data, or espeak-ng-data itself;
 * empty for the system's), in synchronous mode with the package's synthesis
 * callback. Later calls return the first call's status, or
 * PARLEY_ESPEAK_PATH_CONFLICT if path differs from the first successful
 * call's. A failed initialization may be retried. It returns an
 * espeak_ng_STATUS (0 on success). */
int parley_espeak_init(const char *path);

/* parley_espeak_synth speaks the NUL-terminated UTF-8 text with the voice
 * named voice (switching only when it differs from the current one), at wpm
 * words per minute and pitch (0-100), with a sentence pause at the end when
 * endpause is set. Audio and events go to parleyEspeakAudio with handle h.
 * It returns an espeak_ng_STATUS: 0, or ENS_SPEECH_STOPPED-like non-zero
 * values when Go asked to stop. The engine lock must be held. */
int parley_espeak_synth(const char *voice, int wpm, int pitch,
			const char *text, int endpause, uintptr_t h);

#endif
