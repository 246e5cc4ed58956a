/* The C side of package espeak. See bridge.h. */
#include <pthread.h>
#include <string.h>

#include <espeak-ng/espeak_ng.h>

#include "bridge.h"
#include "_cgo_export.h"

/* Buffer length of the synthesis callback, in ms: the engine checks for a
 * stop request at least this often while it synthesizes. */
#define PARLEY_ESPEAK_BUFFER_MS 20

static pthread_mutex_t parley_init_mu = PTHREAD_MUTEX_INITIALIZER;
static int parley_inited;
static char parley_path[4096];

/* The engine's current settings, so that a request only changes what
 * differs. Guarded by the Go engine lock. */
static char parley_voice[256];
static int parley_wpm = -1, parley_pitch = -1;

static int synth_chunk(short *wav, int n, espeak_EVENT *events)
{
	return parleyEspeakAudio((uintptr_t)events->user_data, wav, n, events);
}

int parley_espeak_init(const char *path)
{
	espeak_ng_ERROR_CONTEXT ctx = NULL;
	espeak_ng_STATUS st;
	const char *p = path != NULL ? path : "";

	pthread_mutex_lock(&parley_init_mu);
	if (parley_inited) {
		st = strcmp(p, parley_path) == 0 ? ENS_OK : PARLEY_ESPEAK_PATH_CONFLICT;
		pthread_mutex_unlock(&parley_init_mu);
		return st;
	}
	espeak_ng_InitializePath(p[0] != '\0' ? p : NULL);
	st = espeak_ng_Initialize(&ctx);
	espeak_ng_ClearErrorContext(&ctx);
	if (st == ENS_OK)
		st = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, PARLEY_ESPEAK_BUFFER_MS, NULL);
	if (st == ENS_OK) {
		espeak_SetSynthCallback(synth_chunk);
		strncpy(parley_path, p, sizeof(parley_path) - 1);
		parley_inited = 1;
	}
	pthread_mutex_unlock(&parley_init_mu);
	return st;
}

int parley_espeak_synth(const char *voice, int wpm, int pitch,
			const char *text, int endpause, uintptr_t h)
{
	espeak_ng_STATUS st;
	unsigned int flags = espeakCHARS_UTF8;

	if (strcmp(voice, parley_voice) != 0) {
		parley_voice[0] = '\0';
		st = espeak_ng_SetVoiceByName(voice);
		if (st != ENS_OK)
			return st;
		strncpy(parley_voice, voice, sizeof(parley_voice) - 1);
		parley_wpm = parley_pitch = -1;
	}
	if (wpm != parley_wpm) {
		st = espeak_ng_SetParameter(espeakRATE, wpm, 0);
		if (st != ENS_OK)
			return st;
		parley_wpm = wpm;
	}
	if (pitch != parley_pitch) {
		st = espeak_ng_SetParameter(espeakPITCH, pitch, 0);
		if (st != ENS_OK)
			return st;
		parley_pitch = pitch;
	}
	if (endpause)
		flags |= espeakENDPAUSE;
	return espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
				    flags, NULL, (void *)h);
}
