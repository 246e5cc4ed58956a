/* The C side of package flite: process-wide voice registration and one
 * synthesis job that streams audio and word timings back to Go. */
#ifndef PARLEY_FLITE_BRIDGE_H
#define PARLEY_FLITE_BRIDGE_H

#include <stdint.h>

/* Voices registered by parley_flite_init, in this order. */
enum {
	PARLEY_FLITE_SLT = 0,
	PARLEY_FLITE_RMS,
	PARLEY_FLITE_AWB,
	PARLEY_FLITE_KAL,
	PARLEY_FLITE_KAL16,
	PARLEY_FLITE_NVOICES
};

/* One stretch of a clause's audio: the segments of one token, or a pause.
 * end is the sample (at the voice's rate) where the stretch ends; start and
 * stop are the token's byte range in the clause text, or -1 for a pause. */
typedef struct {
	int32_t end;
	int32_t start;
	int32_t stop;
} parley_flite_group;

/* Results of parley_flite_synth. */
enum {
	PARLEY_FLITE_OK = 0,
	PARLEY_FLITE_STOPPED = 1,
	PARLEY_FLITE_FAILED = -1,
	PARLEY_FLITE_NOMEM = -2
};

/* parley_flite_init runs flite_init and registers every voice, once per
 * process; later calls return at once. It returns the number of voices. */
int parley_flite_init(void);

/* parley_flite_voice_rate returns the native sample rate of voice v in Hz,
 * or 0 for an unknown voice. Valid after parley_flite_init. */
int parley_flite_voice_rate(int v);

/* parley_flite_synth speaks text (ASCII, NUL-terminated) with voice v.
 * stretch scales durations (1 is the voice's pace, 2 is half as fast) and
 * pitch scales the voice's mean F0. It reports the clause's groups through
 * parleyFliteGroups once they are known, then its audio through
 * parleyFliteAudio as the vocoder produces it; handle identifies the Go
 * job. It returns PARLEY_FLITE_OK, PARLEY_FLITE_STOPPED when Go asked to
 * stop, or a negative error. */
int parley_flite_synth(int v, const char *text, float stretch, float pitch,
		       int min_buffer, uintptr_t handle);

#endif
