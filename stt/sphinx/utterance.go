package sphinx

import (
	"math"

	"github.com/parley-voice/parley/pipeline"
)

// rescoreHypotheses is the least n-best hypotheses read when hint phrases
// may promote one.
const rescoreHypotheses = 10

// nbestScan bounds the n-best entries read per utterance: the engine lists
// the same words many times (other pronunciations and silences), and each
// entry costs an A* step over the lattice.
const nbestScan = 40

// utterance decodes one stretch of speech on a decoder: the language model
// pass live, then, for a turn with a grammar, the grammar pass over the
// kept audio. It is used by one goroutine.
//
// While the caller's band is unknown the utterance probes it first: its
// audio is held back (in the channel) and measured until the band is
// decided, then decoded from the start (see band.go).
type utterance struct {
	r     *Recognizer
	d     *decoder
	hints *compiledHints
	start int64 // stream position of the first sample (16 kHz samples)
	n     int64 // samples decoded
	// ch is the caller's channel: its cepstral mean is updated at the end
	// of the utterance, its band by the probe. startCMN is the mean the
	// utterance started from.
	ch       *channel
	startCMN cmnState
	// probing reports an utterance holding its audio back while the band
	// is measured; narrow one decoded as telephone band.
	probing, narrow bool

	partialEvery int64
	nextPartial  int64
	lastPartial  string
	// whole reports an utterance decoded in one piece (feedAll), whose
	// grammar pass must then be decoded the same way.
	whole bool
	// margin is the grammar pass's score margin per frame, for the
	// calibration of Config.GrammarRejection.
	margin float64
}

// beginUtterance starts an utterance at stream position start on d, with
// the turn's hints and the caller's channel (zero for a new caller).
func (r *Recognizer) beginUtterance(d *decoder, h *compiledHints, start int64, ch *channel) (*utterance, error) {
	if err := d.useSearch(defaultSearch); err != nil {
		return nil, err
	}
	d.audio = d.audio[:0]
	u := &utterance{r: r, d: d, hints: h, start: start, ch: ch,
		partialEvery: int64(r.partialSamples), nextPartial: int64(r.partialSamples)}
	if ch.band == bandUnknown {
		u.probing = true
		ch.meter.reset()
		if ch.held == nil {
			ch.held = make([]int16, 0, probeMaxSamples+maxSlotSamples)
		}
		ch.held = ch.held[:0]
		return u, nil
	}
	return u, u.startDecoding()
}

// startDecoding starts the decoder on the utterance, with the caller's
// cepstral mean, or the initial one of the caller's band.
func (u *utterance) startDecoding() error {
	d := u.d
	u.narrow = u.ch.band == bandNarrow
	u.startCMN = u.ch.cmn
	if u.startCMN.n == 0 {
		u.startCMN = d.cmnInit
		if nb := narrowbandCMN(); u.narrow && nb.n == d.cmnInit.n {
			u.startCMN = nb
		}
	}
	if err := d.setCMN(u.startCMN); err != nil {
		return err
	}
	return d.start()
}

// probe holds samples back and measures the band; it returns the audio to
// decode once the band is decided (or cannot be, for this utterance), else
// nil.
func (u *utterance) probe(samples []int16, last bool) ([]int16, error) {
	ch := u.ch
	ch.held = append(ch.held, samples...)
	ch.meter.measure(ch.held, u.r.band)
	narrow, ok := ch.meter.decide(u.r.band)
	if !ok && !last && len(ch.held) < probeMaxSamples {
		return nil, nil
	}
	u.probing = false
	if ok {
		ch.band = bandWide
		if narrow {
			ch.band = bandNarrow
			u.r.narrowband.Add(1)
		}
		u.r.log.Debug("caller's band decided", "band", ch.band, "measured", sampleTime(int64(ch.meter.seen)))
	}
	held := ch.held
	if ok {
		ch.held = nil // the band is known for good: the buffer is not needed again
	}
	return held, u.startDecoding()
}

// end returns the stream position after the utterance's audio so far,
// held back or decoded.
func (u *utterance) end() int64 {
	if u.probing {
		return u.start + int64(len(u.ch.held))
	}
	return u.start + u.n
}

// grammar returns the turn's grammar, or nil.
func (u *utterance) grammar() *grammar {
	if u.hints == nil {
		return nil
	}
	return u.hints.grammar
}

// feed decodes samples and returns a partial result when one is due and
// its text changed. While the band is probed it holds them back.
func (u *utterance) feed(samples []int16) (pipeline.Transcript, bool, error) {
	if u.probing {
		held, err := u.probe(samples, false)
		if held == nil || err != nil {
			return pipeline.Transcript{}, false, err
		}
		samples = held
	}
	return u.decode(samples)
}

// decode decodes samples (folded first on telephone-band audio) and
// returns a partial result when one is due and its text changed.
func (u *utterance) decode(samples []int16) (pipeline.Transcript, bool, error) {
	if u.narrow {
		fold(samples, u.start+u.n)
	}
	if err := decodeLive(u.d, u.n, samples); err != nil {
		return pipeline.Transcript{}, false, err
	}
	if u.grammar() != nil && len(u.d.audio)+len(samples) <= u.r.maxUttSamples {
		u.d.audio = append(u.d.audio, samples...)
	}
	u.n += int64(len(samples))
	if u.partialEvery <= 0 || u.n < u.nextPartial {
		return pipeline.Transcript{}, false, nil
	}
	for u.nextPartial <= u.n {
		u.nextPartial += u.partialEvery
	}
	h, _ := u.d.hyp()
	text := cleanHyp(h)
	if text == "" || text == u.lastPartial {
		return pipeline.Transcript{}, false, nil
	}
	u.lastPartial = text
	return pipeline.Transcript{Text: text, Start: sampleTime(u.start), End: sampleTime(u.start + u.n)}, true, nil
}

// liveChunk is the audio of one engine call in live decoding (20 ms). Calls
// start at multiples of it from the utterance start, so two passes over
// the same audio make the same calls and compute the same features.
const liveChunk = 320

// decodeLive decodes samples that follow off samples of the utterance, in
// calls aligned on liveChunk, folding the frames decoded into the cepstral
// mean every cmnEvery samples.
func decodeLive(d *decoder, off int64, samples []int16) error {
	for len(samples) > 0 {
		k := min(liveChunk-int(off%liveChunk), len(samples))
		if err := d.process(samples[:k]); err != nil {
			return err
		}
		off += int64(k)
		samples = samples[k:]
		if off%cmnEvery == 0 {
			d.updateCMN()
		}
	}
	return nil
}

// feedAll decodes a whole utterance at once (see decoder.processAll); it
// replaces feed, and yields no partial result. samples are only read.
func (u *utterance) feedAll(samples []int16) error {
	if u.probing {
		u.ch.meter.reset()
		u.ch.meter.measure(samples[:min(len(samples), probeMaxSamples)], u.r.band)
		u.ch.held = u.ch.held[:0]
		if _, err := u.probe(nil, true); err != nil {
			return err
		}
	}
	if u.narrow {
		samples = append([]int16(nil), samples...) // the caller's recording is read only
		fold(samples, u.start)
	}
	if err := u.d.processAll(samples); err != nil {
		return err
	}
	if u.grammar() != nil {
		u.d.audio = append(u.d.audio, samples...)
	}
	u.n += int64(len(samples))
	u.whole = true
	return nil
}

// abort ends the utterance without a result.
func (u *utterance) abort() error {
	if u.probing {
		return nil // the decoder was not started
	}
	return u.d.end()
}

// finish ends the utterance and returns its final result.
func (u *utterance) finish() (pipeline.Transcript, error) {
	if u.probing { // a short utterance: decide with what was held
		held, err := u.probe(nil, true)
		if err != nil {
			return pipeline.Transcript{}, err
		}
		if _, _, err := u.decode(held); err != nil {
			return pipeline.Transcript{}, err
		}
	}
	if err := u.d.end(); err != nil {
		return pipeline.Transcript{}, err
	}
	u.ch.cmn = u.d.getCMN()
	lm := u.openResult()
	tr := lm.transcript
	if g := u.grammar(); g != nil && len(u.d.audio) > 0 {
		gr, err := u.grammarPass(g, lm)
		if err != nil {
			return pipeline.Transcript{}, err
		}
		tr = gr
	}
	tr.Final = true
	tr.Start, tr.End = sampleTime(u.start), sampleTime(u.start+u.n)
	if len(tr.Words) > 0 {
		tr.Start, tr.End = tr.Words[0].Start, tr.Words[len(tr.Words)-1].End
	}
	return tr, nil
}

// lmResult is the language model pass's result, kept for the comparison
// with the grammar pass.
type lmResult struct {
	transcript pipeline.Transcript
	score      int32
}

// openResult reads the open-vocabulary result: the best path (or the
// n-best hypothesis the hint phrases promote), its words with their
// lattice posteriors, and the alternatives.
func (u *utterance) openResult() lmResult {
	d := u.d
	_, score := d.hyp()
	d.posterior() // computes the lattice posteriors read below
	post := d.wordPosteriors()
	segs := d.segments(nil)
	words := wordsOf(segs, u.start, -1)
	text := textOf(words)
	var phrases []phrase
	if u.hints != nil {
		phrases = u.hints.phrases
	}
	limit := u.r.cfg.Alternatives + 1
	if len(phrases) > 0 {
		limit = max(limit, rescoreHypotheses)
	}
	hyps := d.nbest(limit, nbestScan)
	ref := -1
	for i, h := range hyps {
		if h.text == text {
			ref = i
			break
		}
	}
	if pick := rescore(hyps, ref, text, phrases, u.r.cfg.PhraseBonus); pick >= 0 {
		words = withPosteriors(wordsOf(hyps[pick].segs, u.start, -1), hyps[pick].segs, post)
		text = hyps[pick].text
	}
	words = applyMerges(words, phrases)
	tr := pipeline.Transcript{Text: textOf(words), Words: words, Confidence: meanConfidence(words)}
	for _, h := range hyps {
		if h.text == tr.Text || h.text == text || len(tr.Alternatives) >= u.r.cfg.Alternatives {
			continue
		}
		ws := withPosteriors(wordsOf(h.segs, u.start, -1), h.segs, post)
		tr.Alternatives = append(tr.Alternatives, pipeline.Alternative{Text: h.text, Confidence: meanConfidence(ws)})
	}
	return lmResult{transcript: tr, score: score}
}

// withPosteriors sets the confidence of words (from segs, fillers removed)
// to their lattice posteriors; 0 when the lattice lacks the word there.
func withPosteriors(words []pipeline.Word, segs []segment, post map[nodeKey]float64) []pipeline.Word {
	i := 0
	for _, s := range segs {
		if isFiller(s.word) {
			continue
		}
		words[i].Confidence = float32(post[nodeKey{word: baseWord(s.word), start: s.start}])
		i++
	}
	return words
}

// grammarPass decodes the kept audio with the turn's grammar and returns
// the grammar's result, or the open-vocabulary one when it explains the
// audio much better (see Config.GrammarRejection).
func (u *utterance) grammarPass(g *grammar, lm lmResult) (pipeline.Transcript, error) {
	d := u.d
	name, err := d.grammarSearch(g)
	if err == nil {
		err = d.useSearch(name)
	}
	if err != nil { // the grammar, not the decoder, is at fault: answer with open vocabulary
		u.r.log.Warn("the engine refused the turn's grammar; answering with open vocabulary", "err", err)
		return lm.transcript, nil
	}
	if err := d.setCMN(u.startCMN); err != nil { // the same features as the first pass
		return pipeline.Transcript{}, err
	}
	if err := d.start(); err != nil {
		return pipeline.Transcript{}, err
	}
	if u.whole {
		if err := d.processAll(d.audio); err != nil {
			return pipeline.Transcript{}, err
		}
	}
	if !u.whole {
		if err := decodeLive(d, 0, d.audio); err != nil {
			return pipeline.Transcript{}, err
		}
	}
	if err := d.end(); err != nil {
		return pipeline.Transcript{}, err
	}
	_, score := d.hyp()
	segs := d.segments(nil)
	frames := max(d.frames(), 1)
	margin := float64(lm.score-score) / float64(frames)
	u.margin = margin
	u.r.log.Debug("grammar pass", "lm_score", lm.score, "grammar_score", score, "frames", frames,
		"margin_per_frame", margin, "lm_text", lm.transcript.Text, "grammar_text", joinWords(segs))
	if joinWords(segs) == "" || margin > u.r.cfg.GrammarRejection {
		u.r.rejected.Add(1)
		return lm.transcript, nil
	}
	conf := grammarConfidence(margin, u.r.cfg.GrammarRejection)
	words := wordsOf(segs, u.start, conf)
	tr := pipeline.Transcript{Text: textOf(words), Words: words, Confidence: float32(conf), Grammar: true}
	for _, h := range d.nbest(u.r.cfg.Alternatives+1, nbestScan) {
		if h.text != tr.Text && len(tr.Alternatives) < u.r.cfg.Alternatives {
			tr.Alternatives = append(tr.Alternatives, pipeline.Alternative{Text: h.text})
		}
	}
	if t := lm.transcript.Text; t != "" && t != tr.Text && !hasAlternative(tr.Alternatives, t) &&
		len(tr.Alternatives) < u.r.cfg.Alternatives {
		tr.Alternatives = append(tr.Alternatives, pipeline.Alternative{Text: t, Confidence: lm.transcript.Confidence})
	}
	return tr, nil
}

func hasAlternative(as []pipeline.Alternative, text string) bool {
	for _, a := range as {
		if a.Text == text {
			return true
		}
	}
	return false
}

// grammarConfidence maps the score margin per frame by which the open
// vocabulary beats the grammar to a confidence: 0.5 at the rejection
// threshold, about 0.98 when the grammar explains the audio as well as the
// open vocabulary, more when it explains it better.
func grammarConfidence(margin, threshold float64) float64 {
	scale := max(threshold/4, 1)
	return 1 / (1 + math.Exp((margin-threshold)/scale))
}
