package speecheval

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Band is the channel an utterance reaches the recognizer through.
type Band int

const (
	// Wideband is 16 kHz PCM16, as from a browser (WebRTC, Opus) or a
	// wideband phone.
	Wideband Band = iota
	// Telephone is what a SIP caller's audio is: 8 kHz (resampled with
	// the pipeline's resampler) and through a G.711 mu-law encoder and
	// decoder.
	Telephone
)

// Bands returns the bands, wideband first.
func Bands() []Band { return []Band{Wideband, Telephone} }

// String returns "16k" or "8k-ulaw".
func (b Band) String() string {
	if b == Telephone {
		return "8k-ulaw"
	}
	return "16k"
}

// Rate returns the band's sample rate in Hz.
func (b Band) Rate() int {
	if b == Telephone {
		return 8000
	}
	return 16000
}

// Voice is one synthetic speaker of an evaluation corpus.
type Voice struct {
	// Name identifies the voice in reports ("flite/slt").
	Name string
	// Synth speaks the utterances; it must write chunks whose text ranges
	// mark the words (pipeline.SpeechChunk).
	Synth pipeline.Synthesizer
	// Voice is the engine's voice name, passed as SpeechRequest.Voice.
	Voice string
}

// Clip is one utterance spoken by one voice, ready to be recognized in
// either band. Its audio is read only once built; clips may be shared by
// goroutines.
type Clip struct {
	Utterance
	// Voice is the Voice.Name that spoke it.
	Voice string
	// Wide is the clip at 16 kHz: a quiet lead-in, the speech, and a
	// quiet tail, all with a faint line noise; its length is a whole
	// number of 20 ms frames.
	Wide []int16
	// Phone is Wide through the Telephone band, at 8 kHz.
	Phone []int16
	// SpeechStart and SpeechEnd delimit the words in the clip (from the
	// synthesizer's word chunks), in both bands.
	SpeechStart, SpeechEnd time.Duration
}

// Audio returns the clip in band b. The frame shares the clip's samples.
func (c *Clip) Audio(b Band) audio.Frame {
	if b == Telephone {
		return audio.Frame{Rate: 8000, Samples: c.Phone}
	}
	return audio.Frame{Rate: 16000, Samples: c.Wide}
}

// Duration returns the clip's length, lead-in and tail included.
func (c *Clip) Duration() time.Duration {
	return time.Duration(len(c.Wide)) * time.Second / 16000
}

// Corpus defaults.
const (
	// DefaultLead is the quiet audio before the words: enough for a voice
	// activity detector to learn the line's noise floor and for a
	// recognizer's pre-roll.
	DefaultLead = 500 * time.Millisecond
	// DefaultTail is the quiet audio after the words: enough for the end
	// of speech to be decided (the session's 300 ms minimum silence) and
	// for a recognizer's post-roll.
	DefaultTail = time.Second
	// DefaultNoiseDBFS is the line noise level, RMS in dB relative to full
	// scale: a quiet line, 40 dB or more below speech.
	DefaultNoiseDBFS = -60.0
)

// CorpusOption adjusts Synthesize; an option out of range makes it fail
// with ErrInvalidOption.
type CorpusOption func(*corpusOptions) error

type corpusOptions struct {
	lead, tail  time.Duration
	noise       float64 // RMS amplitude
	concurrency int
}

// WithPadding sets the quiet audio before and after the words (each in
// [0, 10s]; defaults DefaultLead and DefaultTail).
func WithPadding(lead, tail time.Duration) CorpusOption {
	return func(o *corpusOptions) error {
		if lead < 0 || tail < 0 || lead > 10*time.Second || tail > 10*time.Second {
			return fmt.Errorf("%w: padding %v and %v, want each in [0, 10s]", ErrInvalidOption, lead, tail)
		}
		o.lead, o.tail = lead, tail
		return nil
	}
}

// WithNoise sets the line noise's RMS level in dBFS, in [-120, -20]
// (default DefaultNoiseDBFS); -120 is digital silence.
func WithNoise(dbfs float64) CorpusOption {
	return func(o *corpusOptions) error {
		if math.IsNaN(dbfs) || dbfs < -120 || dbfs > -20 {
			return fmt.Errorf("%w: noise %v dBFS, want [-120, -20]", ErrInvalidOption, dbfs)
		}
		o.noise = 32768 * math.Pow(10, dbfs/20)
		return nil
	}
}

// WithSynthesisConcurrency bounds the utterances synthesized at once, in
// [1, 64] (default GOMAXPROCS).
func WithSynthesisConcurrency(n int) CorpusOption {
	return func(o *corpusOptions) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("%w: synthesis concurrency %d, want [1, 64]", ErrInvalidOption, n)
		}
		o.concurrency = n
		return nil
	}
}

// Synthesize speaks every utterance with one of the voices, in turn (the
// i-th utterance with voices[i%len(voices)], so each voice says different
// sentences), and builds its clip in both bands. It stops at the first
// failure (wrapping ErrSynthesis) or when ctx is done.
func Synthesize(ctx context.Context, us []Utterance, voices []Voice, opts ...CorpusOption) ([]Clip, error) {
	o := corpusOptions{lead: DefaultLead, tail: DefaultTail, noise: 32768 * math.Pow(10, DefaultNoiseDBFS/20),
		concurrency: runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if len(voices) == 0 {
		return nil, fmt.Errorf("%w: no voice to speak with", ErrInvalidOption)
	}
	clips := make([]Clip, len(us))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.concurrency)
	for i, u := range us {
		g.Go(func() error {
			c, err := speak(gctx, u, voices[i%len(voices)], &o)
			clips[i] = c
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return clips, nil
}

// speak synthesizes one clip.
func speak(ctx context.Context, u Utterance, v Voice, o *corpusOptions) (Clip, error) {
	lead := audio.SamplesFor(16000, o.lead)
	pcm := make([]int16, lead, lead+16000*4)
	first, last := -1, -1
	w := pipeline.SpeechWriterFunc(func(c pipeline.SpeechChunk) error {
		if c.Audio.Rate != 16000 {
			return fmt.Errorf("chunk at %d Hz, want 16000", c.Audio.Rate)
		}
		if c.TextEnd > c.TextStart && len(c.Audio.Samples) > 0 {
			if first < 0 {
				first = len(pcm)
			}
			last = len(pcm) + len(c.Audio.Samples)
		}
		pcm = append(pcm, c.Audio.Samples...)
		return nil
	})
	err := v.Synth.Synthesize(ctx, pipeline.SpeechRequest{Text: u.Text, Rate: 16000, Language: u.Language, Voice: v.Voice}, w)
	if err != nil {
		return Clip{}, fmt.Errorf("%w: %s with %s: %w", ErrSynthesis, u.ID, v.Name, err)
	}
	if first < 0 {
		return Clip{}, fmt.Errorf("%w: %s with %s: no words were spoken", ErrSynthesis, u.ID, v.Name)
	}
	// The tail is rounded up to whole 20 ms frames in both bands.
	frame := audio.SamplesFor(16000, frameDuration)
	total := (len(pcm) + audio.SamplesFor(16000, o.tail) + frame - 1) / frame * frame
	pcm = append(pcm, make([]int16, total-len(pcm))...)
	addNoise(pcm, o.noise, seed(u.ID, v.Name))
	phone, err := TelephoneBand(pcm)
	if err != nil {
		return Clip{}, err
	}
	return Clip{Utterance: u, Voice: v.Name, Wide: pcm, Phone: phone,
		SpeechStart: samplesTime(first), SpeechEnd: samplesTime(last)}, nil
}

// TelephoneBand returns 16 kHz audio as a SIP caller's G.711 mu-law
// channel delivers it: resampled to 8 kHz with the pipeline's resampler,
// encoded to mu-law and decoded back. The result is at 8 kHz, as long as
// the input.
func TelephoneBand(pcm16k []int16) ([]int16, error) {
	pcm8, err := audio.Resample(nil, pcm16k, 16000, 8000)
	if err != nil {
		return nil, fmt.Errorf("speecheval: telephone band: %w", err)
	}
	return audio.DecodeULaw(pcm8[:0], audio.EncodeULaw(nil, pcm8)), nil
}

// addNoise adds white noise of RMS amplitude rms to pcm, deterministic for
// a seed, saturating at full scale.
func addNoise(pcm []int16, rms float64, seed uint64) {
	if rms < 0.5 {
		return
	}
	x := seed | 1
	for i, s := range pcm {
		// Sum of two uniform values: a triangular distribution, whose RMS
		// is that of one uniform value times sqrt(2).
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		u := float64(int32(x)) + float64(int32(x>>32))
		n := u / (1 << 31) * rms * math.Sqrt(3) / math.Sqrt2
		pcm[i] = int16(max(-32768, min(32767, float64(s)+math.Round(n))))
	}
}

// seed derives a clip's noise seed from its utterance and voice.
func seed(id, voice string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(voice))
	return h.Sum64()
}

// samplesTime converts 16 kHz samples to a duration.
func samplesTime(n int) time.Duration { return time.Duration(n) * time.Second / 16000 }
