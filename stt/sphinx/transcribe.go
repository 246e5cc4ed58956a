package sphinx

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Batch decoding.
const (
	// batchUtterance bounds the utterances of a recording (besides
	// Config.MaxUtterance): each is decoded in one engine call, so this
	// also bounds how long Transcribe takes to notice its context ended
	// (about 5 s of CPU at most).
	batchUtterance = 15 * time.Second
	// cutWindow is the span whose energy decides a cut between utterances
	// of a long recording (300 ms, in 10 ms frames).
	cutWindow = 30
)

// Transcribe decodes a whole recording (mono, any supported rate) and
// returns one final Transcript with all its words, timed from the start of
// the recording. It decodes continuously on one decoder, waiting for one as
// long as ctx allows: all the audio is decoded, silence included, in
// utterances of at most Config.MaxUtterance (and 15 s), each cut at the
// quietest 300 ms of its second half so that cuts fall in pauses, and each
// decoded in one piece with its own cepstral mean (more accurate than live
// decoding). ctx is checked between utterances. Hints apply to
// every utterance. Text joins the utterances' texts; Confidence is the mean
// word confidence; Alternatives are given for a recording of one
// utterance; Grammar is set when every utterance with words matched the
// grammar. Transcribe returns ctx's error when ctx ends first. It is safe
// to call concurrently; each call holds a decoder.
func (r *Recognizer) Transcribe(ctx context.Context, f audio.Frame, h pipeline.Hints) (pipeline.Transcript, error) {
	samples, err := to16k(f)
	if err != nil {
		return pipeline.Transcript{}, err
	}
	hints, err := r.compileHints(h)
	if err != nil {
		return pipeline.Transcript{}, fmt.Errorf("sphinx: hints: %w", err)
	}
	if r.isClosed() {
		return pipeline.Transcript{}, fmt.Errorf("%w: recognizer closed", ErrClosed)
	}
	d, err := r.pool.acquire(ctx, nil, 0)
	if err != nil {
		return pipeline.Transcript{}, err
	}
	healthy := true
	defer func() { r.pool.release(d, healthy) }()

	var parts []pipeline.Transcript
	ch := channel{band: initialBand(r.cfg.Band, f.Rate)}
	limit := min(r.maxUttSamples, audio.SamplesFor(16000, batchUtterance))
	for start := 0; start < len(samples); {
		if err := ctx.Err(); err != nil {
			return pipeline.Transcript{}, err
		}
		if r.isClosed() {
			return pipeline.Transcript{}, fmt.Errorf("%w: recognizer closed during transcription", ErrClosed)
		}
		end := cutPoint(samples, start, limit)
		tr, err := r.decodeSpan(d, hints, samples[start:end], int64(start), &ch)
		if err != nil {
			healthy = false // an engine failure discards the decoder
			return pipeline.Transcript{}, err
		}
		parts = append(parts, tr)
		start = end
	}
	return joinTranscripts(parts, sampleTime(int64(len(samples)))), nil
}

// to16k converts a recording to 16 kHz.
func to16k(f audio.Frame) ([]int16, error) {
	if f.Rate == 16000 {
		return f.Samples, nil
	}
	if !audio.SupportedRate(f.Rate) {
		return nil, fmt.Errorf("%w: %d Hz (use 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, f.Rate)
	}
	out, err := audio.Resample(nil, f.Samples, f.Rate, 16000)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedRate, err)
	}
	return out, nil
}

// decodeSpan decodes one utterance of a recording, in one piece.
func (r *Recognizer) decodeSpan(d *decoder, h *compiledHints, pcm []int16, at int64, ch *channel) (pipeline.Transcript, error) {
	u, err := r.beginUtterance(d, h, at, ch)
	if err != nil {
		return pipeline.Transcript{}, err
	}
	r.utterances.Add(1)
	if err := u.feedAll(pcm); err != nil {
		return pipeline.Transcript{}, err
	}
	return u.finish()
}

// cutPoint returns where the utterance that begins at start ends: the end
// of the recording when it is within limit samples, else the middle of the
// quietest cutWindow frames in the second half of the limit.
func cutPoint(pcm []int16, start, limit int) int {
	if len(pcm)-start <= limit {
		return len(pcm)
	}
	lo, hi := start+limit/2, start+limit
	frames := (hi - lo) / samplesPerFrame
	if frames <= cutWindow {
		return hi
	}
	energy := make([]float64, frames+1) // prefix sums of frame energies
	for i := range frames {
		var e float64
		for _, s := range pcm[lo+i*samplesPerFrame : lo+(i+1)*samplesPerFrame] {
			e += float64(s) * float64(s)
		}
		energy[i+1] = energy[i] + e
	}
	best, bestE := 0, energy[cutWindow]
	for i := 1; i+cutWindow <= frames; i++ {
		if e := energy[i+cutWindow] - energy[i]; e < bestE {
			best, bestE = i, e
		}
	}
	return lo + (best+cutWindow/2)*samplesPerFrame
}

// joinTranscripts merges the utterances of a recording into one final.
func joinTranscripts(parts []pipeline.Transcript, total time.Duration) pipeline.Transcript {
	out := pipeline.Transcript{Final: true}
	var texts []string
	grammar, withWords := true, 0
	for _, p := range parts {
		if p.Text == "" {
			continue
		}
		texts = append(texts, p.Text)
		out.Words = append(out.Words, p.Words...)
		withWords++
		grammar = grammar && p.Grammar
	}
	out.Text = strings.Join(texts, " ")
	out.Grammar = withWords > 0 && grammar
	if len(out.Words) > 0 {
		out.Start, out.End = out.Words[0].Start, out.Words[len(out.Words)-1].End
		out.Confidence = meanConfidence(out.Words)
	} else {
		out.End = total // no words: the whole recording was heard
	}
	if len(parts) == 1 {
		out.Alternatives = parts[0].Alternatives
		out.Confidence = parts[0].Confidence
	}
	return out
}
