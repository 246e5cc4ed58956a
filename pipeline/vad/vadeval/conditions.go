package vadeval

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// Group classifies conditions for reporting and assertions.
type Group string

// Condition groups.
const (
	// Clean is speech with only a -70 dBFS noise floor.
	Clean Group = "clean"
	// Noisy is speech mixed with stationary noise at a given SNR.
	Noisy Group = "noisy"
	// NonSpeech is material without speech: noise, tones, music.
	NonSpeech Group = "nonspeech"
)

// Condition is one labelled evaluation signal at Rate.
type Condition struct {
	// Name identifies the condition, e.g. "pink 5dB" or "dtmf".
	Name  string
	Group Group
	// SNR is the speech-to-noise ratio in dB for Noisy conditions.
	SNR float64
	// Samples is the signal, PCM16 at Rate.
	Samples []int16
	// Labels holds one ground-truth label per 20 ms frame.
	Labels []bool
}

// Seconds returns the condition's duration.
func (c Condition) Seconds() float64 { return float64(len(c.Samples)) / Rate }

// Options select the evaluation material. The zero value is usable: it means
// every voice and sentence, SNRs 20, 10, 5 and 0 dB, all three noise colours
// and seed 1.
type Options struct {
	// Seed makes the gaps, levels, noise and tones reproducible.
	Seed uint64
	// Voices and Sentences are synthesised in every combination, unless
	// PerVoice is set.
	Voices    []Voice
	Sentences []string
	// PerVoice, when positive, has each voice speak only that many
	// sentences, taken in turn (voice i starts at sentence i×PerVoice): a
	// quicker corpus with the same variety of speakers and texts.
	PerVoice int
	// SNRs are the speech-to-noise ratios of the Noisy conditions, in dB.
	SNRs []float64
	// Colors are the noise colours mixed with speech and tested alone.
	Colors []NoiseColor
	// NonSpeechSeconds is the length of each non-speech condition (default
	// 20 s).
	NonSpeechSeconds float64
}

// StandardOptions selects the evaluation set the tests assert on: 28
// utterances (about 94 s) per speech condition, every SNR and colour, and
// 30 s of each non-speech sound.
func StandardOptions() Options { return Options{PerVoice: 4, NonSpeechSeconds: 30} }

// QuickOptions selects a smaller set: 14 utterances, 5 dB SNR in white and
// pink noise only, and the same non-speech material as StandardOptions.
func QuickOptions() Options {
	return Options{PerVoice: 2, SNRs: []float64{5}, Colors: []NoiseColor{White, Pink}, NonSpeechSeconds: 30}
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Voices == nil {
		o.Voices = Voices()
	}
	if o.Sentences == nil {
		o.Sentences = Sentences()
	}
	if o.SNRs == nil {
		o.SNRs = []float64{20, 10, 5, 0}
	}
	if o.Colors == nil {
		o.Colors = []NoiseColor{White, Pink, Brown}
	}
	if o.NonSpeechSeconds == 0 {
		o.NonSpeechSeconds = 20
	}
	return o
}

// Build synthesises the speech and generates every condition: clean speech,
// speech in each noise colour at each SNR, each noise alone, DTMF, chords
// (pure and with harmonics) and sweeps. Voices whose engine is not installed
// are skipped; it fails if none is left.
func Build(ctx context.Context, s *Synthesizer, opts Options) ([]Condition, error) {
	o := opts.withDefaults()
	utts, err := synthesize(ctx, s, o)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	clean, labels := assemble(rng, utts)
	conds := []Condition{{Name: "clean", Group: Clean, Samples: toPCM(withFloor(rng, clean)), Labels: labels}}
	speechPow := activePower(clean, labels)
	for _, c := range o.Colors {
		for _, snr := range o.SNRs {
			noise := Noise(rng, c, len(clean))
			g := math.Sqrt(speechPow / math.Pow(10, snr/10))
			mix := make([]float64, len(clean))
			for i := range mix {
				mix[i] = clean[i] + g*noise[i]
			}
			conds = append(conds, Condition{
				Name: fmt.Sprintf("%s %gdB", c, snr), Group: Noisy, SNR: snr,
				Samples: toPCM(mix), Labels: labels,
			})
		}
	}
	return append(conds, nonSpeech(o)...), nil
}

// nonSpeech returns the conditions without speech. Each draws from its own
// generator, seeded from Seed and its name, so a condition's material does
// not depend on which others are selected.
func nonSpeech(o Options) []Condition {
	secs := o.NonSpeechSeconds
	n := samplesFor(secs)
	var conds []Condition
	add := func(name string, gen func(rng *rand.Rand) []float64) {
		h := fnv.New64a()
		h.Write([]byte(name))
		rng := rand.New(rand.NewPCG(o.Seed, h.Sum64()))
		x := gen(rng)
		conds = append(conds, Condition{Name: name, Group: NonSpeech, Samples: toPCM(withFloor(rng, x)),
			Labels: make([]bool, len(x)/FrameSamples)})
	}
	levels := map[NoiseColor]float64{White: -40, Pink: -35, Brown: -30}
	for _, c := range o.Colors {
		add("pure "+string(c), func(rng *rand.Rand) []float64 {
			x := Noise(rng, c, n)
			scaleToRMS(x, math.Pow(10, levels[c]/20))
			return x
		})
	}
	add("pink step +20dB", func(rng *rand.Rand) []float64 {
		x := Noise(rng, Pink, n)
		for i := range x {
			level := -50.0
			if i >= n/2 {
				level = -30
			}
			x[i] *= math.Pow(10, level/20)
		}
		return x
	})
	add("dtmf", func(rng *rand.Rand) []float64 { return DTMF(rng, secs, -12) })
	add("chords pure", func(rng *rand.Rand) []float64 { return Chords(rng, secs, -15, 1) })
	add("chords harmonic", func(rng *rand.Rand) []float64 { return Chords(rng, secs, -15, 4) })
	add("sweeps", func(rng *rand.Rand) []float64 { return Sweeps(rng, secs, -18) })
	return conds
}

// withFloor adds a -70 dBFS white noise floor (a real line is never silent).
func withFloor(rng *rand.Rand, x []float64) []float64 {
	floor := Noise(rng, White, len(x))
	out := make([]float64, len(x))
	g := math.Pow(10, -70.0/20)
	for i := range x {
		out[i] = x[i] + g*floor[i]
	}
	return out
}

// utterance is one synthesised sentence with its labels.
type utterance struct {
	x      []float64
	labels []bool
}

// synthesize speaks the selected voice/sentence pairs in parallel.
func synthesize(ctx context.Context, s *Synthesizer, o Options) ([]utterance, error) {
	type job struct {
		v    Voice
		text string
	}
	var jobs []job
	for vi, v := range o.Voices {
		if !s.Has(v.Engine) {
			continue
		}
		if o.PerVoice <= 0 {
			for _, text := range o.Sentences {
				jobs = append(jobs, job{v, text})
			}
			continue
		}
		for k := range min(o.PerVoice, len(o.Sentences)) {
			jobs = append(jobs, job{v, o.Sentences[(vi*o.PerVoice+k)%len(o.Sentences)]})
		}
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("%w: none of the selected voices can be synthesised", ErrNoSynthesizer)
	}
	utts := make([]utterance, len(jobs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		g.Go(func() error {
			x, err := s.Speak(ctx, j.v, j.text)
			if err != nil {
				return err
			}
			utts[i] = utterance{x: x, labels: Label(x)}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return utts, nil
}

// assemble joins the utterances in a shuffled order, each at an active level
// of -26 dBFS ± 6 dB, with 0.4 to 1.5 s of silence between them and 1 s
// before the first, and returns the track with its frame labels.
func assemble(rng *rand.Rand, utts []utterance) ([]float64, []bool) {
	order := rng.Perm(len(utts))
	var x []float64
	var labels []bool
	pad := func(seconds float64) {
		frames := int(seconds * 50)
		x = append(x, make([]float64, frames*FrameSamples)...)
		labels = append(labels, make([]bool, frames)...)
	}
	pad(1)
	for _, i := range order {
		u := utts[i]
		frames := len(u.labels)
		level := -26 + 12*(rng.Float64()-0.5)
		g := math.Pow(10, level/20) / math.Sqrt(max(activePower(u.x, u.labels), 1e-12))
		for _, v := range u.x[:frames*FrameSamples] {
			x = append(x, g*v)
		}
		labels = append(labels, u.labels...)
		pad(0.4 + 1.1*rng.Float64())
	}
	return x, labels
}

// activePower is the mean power of x over the frames labelled speech.
func activePower(x []float64, labels []bool) float64 {
	var sum float64
	var n int
	for i, l := range labels {
		if !l {
			continue
		}
		for _, v := range x[i*FrameSamples : (i+1)*FrameSamples] {
			sum += v * v
		}
		n += FrameSamples
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
