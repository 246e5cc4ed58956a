package sphinx

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdlib.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/jsgf.h>
#include <sphinxbase/fsg_model.h>
#include <sphinxbase/logmath.h>
#include <sphinxbase/feat.h>
#include <sphinxbase/cmn.h>

// The engine's own log is switched off when the library is loaded: failures
// reach Go through return codes and are reported as errors. Doing it here,
// before any goroutine runs, avoids racing on the library's global log file
// (ps_init's -logfn would reopen it for every decoder).
__attribute__((constructor)) static void parley_sphinx_quiet(void) { err_set_logfp(NULL); }

static int parley_fsg_n_word(fsg_model_t *f) { return fsg_model_n_word(f); }
static const char *parley_fsg_word(fsg_model_t *f, int i) { return fsg_model_word_str(f, i); }

// parley_jsgf_fsg parses a JSGF grammar and builds the finite-state grammar
// of its public rule, the way ps_set_jsgf_string does. On failure it returns
// NULL and sets *why: 1 the text does not parse, 2 there is no public rule,
// 3 the rule could not be compiled.
static fsg_model_t *parley_jsgf_fsg(const char *text, logmath_t *lmath, float lw, int *why) {
	jsgf_t *g = jsgf_parse_string(text, NULL);
	if (g == NULL) { *why = 1; return NULL; }
	jsgf_rule_t *rule = jsgf_get_public_rule(g);
	if (rule == NULL) { jsgf_grammar_free(g); *why = 2; return NULL; }
	fsg_model_t *fsg = jsgf_build_fsg(g, rule, lmath, lw);
	jsgf_grammar_free(g);
	if (fsg == NULL) { *why = 3; return NULL; }
	return fsg;
}

// parley_cmn_get copies the cepstral mean the decoder normalizes with into
// out (n floats), sets *frames to the frames of evidence behind it, and
// returns its length, or -1.
static int parley_cmn_get(ps_decoder_t *ps, float *out, int n, int *frames) {
	feat_t *f = ps_get_feat(ps);
	if (f == NULL || f->cmn_struct == NULL || f->cmn_struct->veclen > n) return -1;
	cmn_live_get(f->cmn_struct, out);
	*frames = f->cmn_struct->nframe;
	return f->cmn_struct->veclen;
}

// parley_cmn_set sets the cepstral mean (n floats, the decoder's length)
// as the mean of frames frames, so that the frames decoded next move it in
// proportion.
static int parley_cmn_set(ps_decoder_t *ps, const float *v, int n, int frames) {
	feat_t *f = ps_get_feat(ps);
	if (f == NULL || f->cmn_struct == NULL || f->cmn_struct->veclen != n || frames <= 0) return -1;
	cmn_t *c = f->cmn_struct;
	cmn_live_set(c, v);
	for (int i = 0; i < n; i++) c->sum[i] = v[i] * frames;
	c->nframe = frames;
	return 0;
}

// parley_cmn_update recomputes the mean from the frames decoded so far.
static void parley_cmn_update(ps_decoder_t *ps) {
	feat_t *f = ps_get_feat(ps);
	if (f != NULL && f->cmn_struct != NULL) cmn_live_update(f->cmn_struct);
}

// parley_batch_cmn makes the next utterance normalized with its own
// cepstral mean when it is processed whole. The engine switches a decoder
// to running normalization for good the first time it decodes live, which
// would make whole-utterance results depend on the decoder's history.
static void parley_batch_cmn(ps_decoder_t *ps) {
	feat_t *f = ps_get_feat(ps);
	if (f != NULL) f->cmn = CMN_BATCH;
}

// parley_seg reads one segment in a single call.
static const char *parley_seg(ps_seg_t *seg, int *sf, int *ef, int32 *prob) {
	int32 ascr, lscr, lback;
	ps_seg_frames(seg, sf, ef);
	*prob = ps_seg_prob(seg, &ascr, &lscr, &lback);
	return ps_seg_word(seg);
}

// parley_node reads one lattice node: its base word, start frame and
// posterior (log).
static const char *parley_node(ps_lattice_t *dag, ps_latnode_t *n, int *sf, int32 *prob) {
	int16 fef, lef;
	ps_latlink_t *best;
	*sf = ps_latnode_times(n, &fef, &lef);
	*prob = ps_latnode_prob(dag, n, &best);
	return ps_latnode_baseword(dag, n);
}
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// framesPerSecond is the decoder's feature frame rate (10 ms frames).
const framesPerSecond = 100

// samplesPerFrame is one feature frame at the pipeline rate.
const samplesPerFrame = 16000 / framesPerSecond

// defaultSearch is the decoder's open-vocabulary (language model) search.
const defaultSearch = "_default"

// modelFiles are the paths of one acoustic model, dictionary and language
// model.
type modelFiles struct {
	hmm, lm, dict string
}

// decoder is one pocketsphinx decoder: the acoustic model, the dictionary
// and the language model loaded into memory (about 90 MB), with the grammar
// searches compiled on it. A decoder is not safe for concurrent use: the
// pool hands it to one goroutine at a time.
type decoder struct {
	ps    *C.ps_decoder_t
	lmath *C.logmath_t
	id    int

	// grammars maps a grammar's text to its search name, oldest first in
	// order; at most maxGrammarSearches are kept.
	grammars map[string]string
	order    []string
	// audio keeps the current utterance for a grammar's second pass.
	audio []int16
	// cmnInit is the cepstral mean the model starts from.
	cmnInit cmnState
}

// maxGrammarSearches bounds the grammar searches cached on a decoder; the
// least recently compiled one is dropped first.
const maxGrammarSearches = 16

// maxCeps bounds the cepstral vector length (13 for the en-us model).
const maxCeps = 32

// Cepstral mean adaptation. The decoder subtracts a running mean of the
// cepstra (the channel: phone line, microphone, voice) from every frame.
// The engine updates it only at the end of an utterance, from a prior worth
// 500 frames, so a new caller's first utterance is decoded with the
// model's generic mean, which costs much accuracy on a mismatched channel
// (telephone band audio above all). Streams instead start from the generic
// mean weighted as firstCMNFrames frames and update it every cmnEvery
// samples during the utterance, so it adapts within the first second, and
// keep their own mean from utterance to utterance (capped at maxCMNFrames
// of evidence, so it keeps tracking the caller).
const (
	firstCMNFrames = 50
	maxCMNFrames   = 500
	cmnEvery       = 1600 // 100 ms
)

// cmnState is a cepstral mean and the frames of evidence behind it. Streams
// keep their own, so decoders shared between calls neither carry one
// caller's channel to the next nor make results depend on which decoder a
// call got.
type cmnState struct {
	v      [maxCeps]float32
	n      int
	frames int
}

// getCMN returns the decoder's current cepstral mean.
func (d *decoder) getCMN() cmnState {
	var c cmnState
	var frames C.int
	c.n = max(int(C.parley_cmn_get(d.ps, (*C.float)(unsafe.Pointer(&c.v[0])), maxCeps, &frames)), 0)
	c.frames = min(max(int(frames), 1), maxCMNFrames)
	return c
}

// setCMN sets the decoder's cepstral mean; a zero state is ignored.
func (d *decoder) setCMN(c cmnState) error {
	if c.n == 0 {
		return nil
	}
	if C.parley_cmn_set(d.ps, (*C.float)(unsafe.Pointer(&c.v[0])), C.int(c.n), C.int(max(c.frames, 1))) < 0 {
		return fmt.Errorf("%w: cannot set the cepstral mean", ErrEngine)
	}
	return nil
}

// updateCMN folds the frames decoded so far into the cepstral mean.
func (d *decoder) updateCMN() { C.parley_cmn_update(d.ps) }

// newDecoder loads a decoder. args are extra engine arguments (name, value
// pairs).
func newDecoder(m modelFiles, id int, args ...string) (*decoder, error) {
	argv := append([]string{
		"-hmm", m.hmm, "-lm", m.lm, "-dict", m.dict,
		"-samprate", "16000",
		// Word timings must be stream times: the engine must not drop the
		// frames its own voice activity detector thinks are silence.
		"-remove_silence", "no",
		// Scoring every senone in every frame makes the path scores of
		// different searches over the same audio comparable, which the
		// grammar rejection relies on (about 7% more CPU).
		"-compallsen", "yes",
	}, args...)
	cargs := make([]*C.char, len(argv))
	for i, a := range argv {
		cargs[i] = C.CString(a)
	}
	defer func() {
		for _, p := range cargs {
			C.free(unsafe.Pointer(p))
		}
	}()
	cfg := C.cmd_ln_parse_r(nil, C.ps_args(), C.int32(len(cargs)), (**C.char)(unsafe.Pointer(&cargs[0])), C.FALSE)
	if cfg == nil {
		return nil, fmt.Errorf("%w: the engine rejected its arguments %q", ErrEngine, args)
	}
	ps := C.ps_init(cfg)
	C.cmd_ln_free_r(cfg) // ps_init holds its own reference
	if ps == nil {
		return nil, fmt.Errorf("%w: could not load the model (acoustic model %s, language model %s, dictionary %s); "+
			"check the files are complete (reinstall pocketsphinx-en-us or run make deps)", ErrEngine, m.hmm, m.lm, m.dict)
	}
	d := &decoder{ps: ps, lmath: C.ps_get_logmath(ps), id: id,
		grammars: make(map[string]string)}
	d.cmnInit = d.getCMN()
	d.cmnInit.frames = firstCMNFrames
	return d, nil
}

// free releases the decoder. It is idempotent.
func (d *decoder) free() {
	if d.ps != nil {
		C.ps_free(d.ps)
		d.ps = nil
	}
}

// useSearch makes name the active search for the next utterance.
func (d *decoder) useSearch(name string) error {
	cur := C.ps_get_search(d.ps)
	if cur != nil && C.GoString(cur) == name {
		return nil
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if C.ps_set_search(d.ps, cname) < 0 {
		return fmt.Errorf("%w: cannot switch to search %s", ErrEngine, name)
	}
	return nil
}

// grammarSearch returns the search of grammar g, compiling it on first use.
func (d *decoder) grammarSearch(g *grammar) (string, error) {
	if name, ok := d.grammars[g.text]; ok {
		return name, nil
	}
	if len(d.order) >= maxGrammarSearches {
		old := d.order[0]
		d.order = d.order[1:]
		cname := C.CString(d.grammars[old])
		C.ps_unset_search(d.ps, cname)
		C.free(unsafe.Pointer(cname))
		delete(d.grammars, old)
	}
	name := fmt.Sprintf("g%016x-%d", g.hash, len(g.text))
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	ctext := C.CString(g.text)
	defer C.free(unsafe.Pointer(ctext))
	if C.ps_set_jsgf_string(d.ps, cname, ctext) < 0 {
		return "", fmt.Errorf("%w: the engine could not compile the grammar", ErrGrammar)
	}
	d.grammars[g.text] = name
	d.order = append(d.order, g.text)
	return name, nil
}

// start begins an utterance on the active search. Frame numbers restart at
// zero.
func (d *decoder) start() error {
	if C.ps_start_stream(d.ps) < 0 || C.ps_start_utt(d.ps) < 0 {
		return fmt.Errorf("%w: cannot start an utterance", ErrEngine)
	}
	return nil
}

// process decodes samples (16 kHz). It does not allocate.
func (d *decoder) process(samples []int16) error {
	if len(samples) == 0 {
		return nil
	}
	if C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&samples[0])), C.size_t(len(samples)), C.FALSE, C.FALSE) < 0 {
		return fmt.Errorf("%w: decoding failed", ErrEngine)
	}
	return nil
}

// processAll decodes a whole utterance given at once: the engine then
// normalizes it with its own cepstral mean (batch normalization), which is
// more accurate than the running estimate of live decoding.
func (d *decoder) processAll(samples []int16) error {
	if len(samples) == 0 {
		return nil
	}
	C.parley_batch_cmn(d.ps)
	if C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&samples[0])), C.size_t(len(samples)), C.FALSE, C.TRUE) < 0 {
		return fmt.Errorf("%w: decoding failed", ErrEngine)
	}
	return nil
}

// end finishes the utterance.
func (d *decoder) end() error {
	if C.ps_end_utt(d.ps) < 0 {
		return fmt.Errorf("%w: cannot end the utterance", ErrEngine)
	}
	return nil
}

// hyp returns the current best hypothesis (partial while decoding) and its
// path score (log base 1.0001, higher is better).
func (d *decoder) hyp() (string, int32) {
	var score C.int32
	h := C.ps_get_hyp(d.ps, &score)
	if h == nil {
		return "", int32(score)
	}
	return C.GoString(h), int32(score)
}

// posterior returns the posterior probability of the best hypothesis in the
// word lattice, in [0, 1]; 0 when the search computes none.
func (d *decoder) posterior() float64 {
	p := C.ps_get_prob(d.ps)
	if p >= 0 {
		return 0 // the grammar search reports no posterior
	}
	return clamp01(float64(C.logmath_exp(d.lmath, p)))
}

// frames returns the number of feature frames of the utterance.
func (d *decoder) frames() int { return int(C.ps_get_n_frames(d.ps)) }

// segment is one word of a hypothesis, fillers included.
type segment struct {
	word       string
	start, end int     // frames, inclusive, from the utterance start
	post       float64 // word posterior in [0, 1]; 1 when unknown
}

// segments appends the best path's segments to dst.
func (d *decoder) segments(dst []segment) []segment {
	return d.readSegs(dst, C.ps_seg_iter(d.ps), true)
}

// readSegs walks a segment iterator to its end (which frees it).
func (d *decoder) readSegs(dst []segment, it *C.ps_seg_t, posteriors bool) []segment {
	for ; it != nil; it = C.ps_seg_next(it) {
		var sf, ef C.int
		var prob C.int32
		w := C.parley_seg(it, &sf, &ef, &prob)
		s := segment{word: C.GoString(w), start: int(sf), end: int(ef), post: 1}
		if posteriors && prob < 0 {
			s.post = clamp01(float64(C.logmath_exp(d.lmath, prob)))
		}
		dst = append(dst, s)
	}
	return dst
}

// nodeKey identifies lattice nodes by base word and start frame.
type nodeKey struct {
	word  string
	start int
}

// wordPosteriors returns the posterior of the words of the utterance's
// lattice, keyed by base word and start frame (the highest when several
// nodes share both). Call it after posterior, which computes them; nil
// when the search has no lattice.
func (d *decoder) wordPosteriors() map[nodeKey]float64 {
	dag := C.ps_get_lattice(d.ps)
	if dag == nil {
		return nil
	}
	out := make(map[nodeKey]float64)
	for it := C.ps_latnode_iter(dag); it != nil; it = C.ps_latnode_iter_next(it) {
		var sf C.int
		var prob C.int32
		w := C.parley_node(dag, C.ps_latnode_iter_node(it), &sf, &prob)
		if w == nil {
			continue
		}
		k := nodeKey{word: C.GoString(w), start: int(sf)}
		if p := clamp01(float64(C.logmath_exp(d.lmath, prob))); p > out[k] {
			out[k] = p
		}
	}
	return out
}

// hypothesis is one n-best entry.
type hypothesis struct {
	text  string // normalized: fillers and pronunciation variants removed
	score int32
	segs  []segment
}

// nbest returns up to limit entries of the n-best list, best first, with
// the engine's duplicates (the same words through other pronunciations or
// silences) removed.
func (d *decoder) nbest(limit, scan int) []hypothesis {
	var out []hypothesis
	nb := C.ps_nbest(d.ps)
	for i := 0; nb != nil && i < scan && len(out) < limit; i++ {
		var score C.int32
		h := C.ps_nbest_hyp(nb, &score)
		if h != nil {
			segs := d.readSegs(nil, C.ps_nbest_seg(nb), false)
			text := joinWords(segs)
			if text != "" && !hasText(out, text) {
				out = append(out, hypothesis{text: text, score: int32(score), segs: segs})
			}
		}
		nb = C.ps_nbest_next(nb) // frees the list at its end
	}
	if nb != nil {
		C.ps_nbest_free(nb)
	}
	return out
}

func hasText(hs []hypothesis, text string) bool {
	for _, h := range hs {
		if h.text == text {
			return true
		}
	}
	return false
}

func clamp01(x float64) float64 {
	if math.IsNaN(x) || x < 0 {
		return 0
	}
	return min(x, 1)
}

// grammarWords parses a JSGF grammar with the engine's parser and returns
// the words its public rule can produce. lmath is the recognizer's log
// table (read only, safe to share).
func grammarWords(text string, lt *logTable) ([]string, error) {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	var why C.int
	fsg := C.parley_jsgf_fsg(ctext, lt.p, 6.5, &why)
	if fsg == nil {
		switch why {
		case 2:
			return nil, fmt.Errorf("%w: no public rule (declare one with \"public <name> = ...;\")", ErrGrammar)
		case 3:
			return nil, fmt.Errorf("%w: the public rule could not be compiled (check the rules it references exist)", ErrGrammar)
		}
		return nil, fmt.Errorf("%w: syntax error (expected \"#JSGF V1.0; grammar name; public <rule> = ...;\")", ErrGrammar)
	}
	defer C.fsg_model_free(fsg)
	n := int(C.parley_fsg_n_word(fsg))
	words := make([]string, 0, n)
	for i := range n {
		words = append(words, C.GoString(C.parley_fsg_word(fsg, C.int(i))))
	}
	return words, nil
}

// logTable is the log table grammars are built with (the engine's base,
// 1.0001). It is read only once built, so goroutines share it.
type logTable struct{ p *C.logmath_t }

func newLogTable() (*logTable, error) {
	p := C.logmath_init(1.0001, 0, 0)
	if p == nil {
		return nil, fmt.Errorf("%w: cannot build the log table", ErrEngine)
	}
	return &logTable{p: p}, nil
}

func (l *logTable) free() {
	if l != nil && l.p != nil {
		C.logmath_free(l.p)
		l.p = nil
	}
}
