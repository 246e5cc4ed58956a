/* The C side of package flite. See bridge.h.
 *
 * flite keeps its voices, lexicon and phone sets in process-wide state that
 * is built once by the register_* functions (which cache the voice in a
 * global and are not thread-safe) and only read afterwards: synthesis on a
 * registered voice is safe from many threads at once, as long as every
 * per-request setting lives in the utterance's features rather than in the
 * shared voice's. This file registers the voices once (pthread_once) and
 * keeps each synthesis job's settings, tokens and streaming callback on the
 * utterance. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <flite/flite.h>

#include "bridge.h"
#include "_cgo_export.h"

cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);

static pthread_once_t parley_once = PTHREAD_ONCE_INIT;
static cst_voice *parley_voices[PARLEY_FLITE_NVOICES];
static int parley_rates[PARLEY_FLITE_NVOICES];

/* voice_rate reads a voice's output rate: clustergen voices declare it,
 * diphone voices only reveal it in the waves they make. */
static int voice_rate(cst_voice *v)
{
	int rate = get_param_int(v->features, "sample_rate", 0);
	cst_wave *w;

	if (rate > 0)
		return rate;
	w = flite_text_to_wave("a", v);
	if (w == NULL)
		return 0;
	rate = w->sample_rate;
	delete_wave(w);
	return rate;
}

static void init_once(void)
{
	int i;

	flite_init();
	parley_voices[PARLEY_FLITE_SLT] = register_cmu_us_slt(NULL);
	parley_voices[PARLEY_FLITE_RMS] = register_cmu_us_rms(NULL);
	parley_voices[PARLEY_FLITE_AWB] = register_cmu_us_awb(NULL);
	parley_voices[PARLEY_FLITE_KAL] = register_cmu_us_kal(NULL);
	parley_voices[PARLEY_FLITE_KAL16] = register_cmu_us_kal16(NULL);
	for (i = 0; i < PARLEY_FLITE_NVOICES; i++)
		if (parley_voices[i] != NULL)
			parley_rates[i] = voice_rate(parley_voices[i]);
}

int parley_flite_init(void)
{
	pthread_once(&parley_once, init_once);
	return PARLEY_FLITE_NVOICES;
}

int parley_flite_voice_rate(int v)
{
	if (v < 0 || v >= PARLEY_FLITE_NVOICES || parley_voices[v] == NULL)
		return 0;
	return parley_rates[v];
}

/* A job is one call of parley_flite_synth. */
typedef struct {
	uintptr_t handle;
	cst_utterance *utt;
	int groups_sent; /* parleyFliteGroups was called */
	int delivered;   /* samples handed to parleyFliteAudio */
	int last_sent;   /* the final parleyFliteAudio call was made */
	int stopped;     /* Go asked to stop */
} parley_job;

static const char *nz(const char *s) { return s != NULL ? s : ""; }

/* add_tokens splits text into the utterance's Token relation with the
 * voice's own tokenizer settings (what default_tokenization does), and
 * records each token's byte range, punctuation included, as the features
 * parley_start and parley_stop. It returns the number of tokens. */
static int add_tokens(cst_utterance *u, cst_voice *v, const char *text)
{
	cst_relation *r = utt_relation_create(u, "Token");
	cst_tokenstream *ts;
	const char *name;
	cst_item *t;
	int n = 0, start, stop;

	ts = ts_open_string(text,
			    get_param_string(v->features, "text_whitespace", NULL),
			    get_param_string(v->features, "text_singlecharsymbols", NULL),
			    get_param_string(v->features, "text_prepunctuation", NULL),
			    get_param_string(v->features, "text_postpunctuation", NULL));
	if (ts == NULL)
		return -1;
	while (!ts_eof(ts)) {
		name = ts_get(ts);
		if (cst_strlen(name) == 0)
			continue;
		start = ts->token_pos;
		stop = start + (int)strlen(nz(ts->prepunctuation)) + (int)strlen(name) +
		       (int)strlen(nz(ts->postpunctuation));
		t = relation_append(r, NULL);
		item_set_string(t, "name", name);
		item_set_string(t, "whitespace", nz(ts->whitespace));
		item_set_string(t, "prepunctuation", nz(ts->prepunctuation));
		item_set_string(t, "punc", nz(ts->postpunctuation));
		item_set_int(t, "parley_start", start);
		item_set_int(t, "parley_stop", stop);
		n++;
	}
	ts_close(ts);
	return n;
}

/* send_groups walks the utterance's segments in time order, merges the
 * segments of each token (and runs of pauses) into groups, and hands them
 * to Go. It returns non-zero when Go asked to stop or memory ran out. */
static int send_groups(parley_job *j, int rate)
{
	cst_relation *segs = utt_relation(j->utt, "Segment");
	const cst_item *s, *tok;
	parley_flite_group *g;
	int n = 0, cap = 0, start, stop, end, rc;

	for (s = relation_head(segs); s; s = item_next(s))
		cap++;
	g = malloc(sizeof(*g) * (size_t)(cap > 0 ? cap : 1));
	if (g == NULL)
		return PARLEY_FLITE_NOMEM;
	for (s = relation_head(segs); s; s = item_next(s)) {
		end = (int)(item_feat_float(s, "end") * (float)rate + 0.5f);
		tok = path_to_item(s, "R:SylStructure.parent.parent.R:Token.parent");
		start = stop = -1;
		if (tok != NULL && item_feat_present(tok, "parley_start")) {
			start = item_feat_int(tok, "parley_start");
			stop = item_feat_int(tok, "parley_stop");
		}
		if (n > 0 && g[n - 1].start == start && g[n - 1].stop == stop) {
			if (end > g[n - 1].end)
				g[n - 1].end = end;
			continue;
		}
		g[n].end = end;
		g[n].start = start;
		g[n].stop = stop;
		n++;
	}
	rc = parleyFliteGroups(j->handle, g, n, rate);
	free(g);
	return rc;
}

/* deliver hands samples to Go and records a stop request. */
static int deliver(parley_job *j, const short *samples, int n, int last)
{
	if (last)
		j->last_sent = 1;
	j->delivered += n;
	if (parleyFliteAudio(j->handle, (short *)samples, n, last) != 0) {
		j->stopped = 1;
		return -1;
	}
	return 0;
}

static int stream_chunk(const cst_wave *w, int start, int size, int last,
			cst_audio_streaming_info *asi)
{
	parley_job *j = (parley_job *)asi->userdata;

	if (!j->groups_sent) {
		j->groups_sent = 1;
		if (send_groups(j, w->sample_rate) != 0) {
			j->stopped = 1;
			return CST_AUDIO_STREAM_STOP;
		}
	}
	if (deliver(j, w->samples + start, size, last) != 0)
		return CST_AUDIO_STREAM_STOP;
	return CST_AUDIO_STREAM_CONT;
}

/* finish delivers what the vocoder did not stream: the whole wave of a
 * voice that does not stream, or the tail after the last streamed block. */
static int finish(parley_job *j)
{
	const cst_wave *w = utt_wave(j->utt);
	int n = w != NULL ? w->num_samples : 0;

	if (!j->groups_sent) {
		j->groups_sent = 1;
		if (send_groups(j, w != NULL ? w->sample_rate : 0) != 0)
			return PARLEY_FLITE_STOPPED;
	}
	if (w != NULL && n > j->delivered) {
		if (deliver(j, w->samples + j->delivered, n - j->delivered, 1) != 0)
			return PARLEY_FLITE_STOPPED;
	} else if (!j->last_sent) {
		if (deliver(j, NULL, 0, 1) != 0)
			return PARLEY_FLITE_STOPPED;
	}
	return PARLEY_FLITE_OK;
}

int parley_flite_synth(int v, const char *text, float stretch, float pitch,
		       int min_buffer, uintptr_t handle)
{
	cst_voice *voice;
	cst_utterance *u;
	cst_audio_streaming_info *asi;
	parley_job j;
	int rc;

	if (v < 0 || v >= PARLEY_FLITE_NVOICES || parley_voices[v] == NULL)
		return PARLEY_FLITE_FAILED;
	voice = parley_voices[v];
	memset(&j, 0, sizeof(j));
	j.handle = handle;

	u = new_utterance();
	if (add_tokens(u, voice, text) < 0) {
		delete_utterance(u);
		return PARLEY_FLITE_FAILED;
	}
	feat_set_float(u->features, "duration_stretch", stretch);
	if (feat_present(voice->features, "cg_db"))
		feat_set_float(u->features, "f0_shift", pitch);
	else
		feat_set_float(u->features, "int_f0_target_mean",
			       pitch * get_param_float(voice->features, "int_f0_target_mean", 100.0f));
	asi = new_audio_streaming_info();
	asi->asc = stream_chunk;
	asi->min_buffsize = min_buffer;
	asi->userdata = &j;
	feat_set(u->features, "streaming_info", audio_streaming_info_val(asi));
	j.utt = u;

	u = flite_do_synth(u, voice, utt_synth_tokens);
	if (u == NULL)
		return j.stopped ? PARLEY_FLITE_STOPPED : PARLEY_FLITE_FAILED;
	if (j.stopped || feat_present(u->features, "Interrupted"))
		rc = PARLEY_FLITE_STOPPED;
	else
		rc = finish(&j);
	delete_utterance(u);
	return rc;
}
