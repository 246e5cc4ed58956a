package speecheval

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/tts/ttstest"
)

// toneVoices returns two fake voices that speak each word as 100 ms of a
// buzz: a pulse train (a voice's glottal pulses, pitch 120 or 210 Hz)
// through a resonance, so that a voice activity detector takes it for
// speech (it rejects pure tones).
func toneVoices() []Voice {
	return []Voice{
		{Name: "buzz/low", Synth: buzzSynth(120)},
		{Name: "buzz/high", Synth: buzzSynth(210)},
	}
}

// buzzSynth is a fake synthesizer whose words are 100 ms of buzz at pitch
// hz, one chunk per whitespace-separated word.
func buzzSynth(hz float64) pipeline.Synthesizer {
	return pipelineSynth(func(ctx context.Context, req pipeline.SpeechRequest, w pipeline.SpeechWriter) error {
		n := audio.SamplesFor(req.Rate, 100*time.Millisecond)
		for i := 0; i < len(req.Text); {
			for i < len(req.Text) && req.Text[i] == ' ' {
				i++
			}
			start := i
			for i < len(req.Text) && req.Text[i] != ' ' {
				i++
			}
			if start == i {
				break
			}
			buf := make([]int16, n)
			var y1, y2 float64
			for k := range buf {
				x := 0.0
				if math.Mod(float64(k)*hz/float64(req.Rate), 1) < hz/float64(req.Rate) {
					x = 6000
				}
				y := x + 1.6*y1 - 0.8*y2 // a resonance near 1.2 kHz at 16 kHz
				y2, y1 = y1, y
				buf[k] = int16(max(-32000, min(32000, y)))
			}
			if err := w.WriteSpeech(pipeline.SpeechChunk{Audio: audio.Frame{Rate: req.Rate, Samples: buf},
				TextStart: start, TextEnd: i}); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
}

func testUtterances(texts ...string) []Utterance {
	var us []Utterance
	for i, t := range texts {
		us = append(us, Utterance{ID: "u/" + string(rune('0'+i)), Intent: "u", Language: "en", Text: t})
	}
	return us
}

func TestSynthesize(t *testing.T) {
	us := testUtterances("where is my order", "yes", "i want to return my jacket")
	clips, err := Synthesize(context.Background(), us, toneVoices(), WithPadding(300*time.Millisecond, 500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(clips) != len(us) {
		t.Fatalf("%d clips for %d utterances", len(clips), len(us))
	}
	for i, c := range clips {
		words := len(Words(us[i].Text))
		if c.Utterance != us[i] || c.Voice != toneVoices()[i%2].Name {
			t.Errorf("clip %d: %+v by %s, want %+v by %s", i, c.Utterance, c.Voice, us[i], toneVoices()[i%2].Name)
		}
		if c.SpeechStart != 300*time.Millisecond || c.SpeechEnd != c.SpeechStart+time.Duration(words)*100*time.Millisecond {
			t.Errorf("clip %d: speech [%v, %v], want 300ms for %d words of 100ms", i, c.SpeechStart, c.SpeechEnd, words)
		}
		if len(c.Wide)%320 != 0 || len(c.Phone) != len(c.Wide)/2 {
			t.Errorf("clip %d: %d samples at 16 kHz, %d at 8 kHz: want whole 20 ms frames, half as many", i, len(c.Wide), len(c.Phone))
		}
		if tail := c.Duration() - c.SpeechEnd; tail < 500*time.Millisecond || tail >= 520*time.Millisecond {
			t.Errorf("clip %d: tail %v, want 500ms rounded up to a frame", i, tail)
		}
		if f := c.Audio(Telephone); f.Rate != 8000 || len(f.Samples) != len(c.Phone) {
			t.Errorf("clip %d: telephone audio %d Hz, %d samples", i, f.Rate, len(f.Samples))
		}
		lead := rms(c.Wide[:audio.SamplesFor(16000, 300*time.Millisecond)])
		if want := 32768 * math.Pow(10, DefaultNoiseDBFS/20); math.Abs(lead-want) > want/10 {
			t.Errorf("clip %d: lead-in noise RMS %.1f, want %.1f", i, lead, want)
		}
	}
	again, err := Synthesize(context.Background(), us, toneVoices(), WithPadding(300*time.Millisecond, 500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for i := range clips {
		if !slices.Equal(clips[i].Wide, again[i].Wide) {
			t.Errorf("clip %d differs between two runs: the corpus must be deterministic", i)
		}
	}
}

func rms(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(max(len(s), 1)))
}

func TestSynthesizeErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		desc   string
		voices []Voice
		opts   []CorpusOption
		want   error
	}{
		{"no voice", nil, nil, ErrInvalidOption},
		{"a failing synthesizer", []Voice{{Name: "bad", Synth: &ttstest.Synthesizer{Err: boom, FailAfter: 1}}}, nil, ErrSynthesis},
		{"a synthesizer that speaks no words", []Voice{{Name: "mute", Synth: pipelineSynth(func(context.Context, pipeline.SpeechRequest, pipeline.SpeechWriter) error { return nil })}}, nil, ErrSynthesis},
		{"negative padding", toneVoices(), []CorpusOption{WithPadding(-time.Second, 0)}, ErrInvalidOption},
		{"noise too loud", toneVoices(), []CorpusOption{WithNoise(-3)}, ErrInvalidOption},
		{"noise not a number", toneVoices(), []CorpusOption{WithNoise(math.NaN())}, ErrInvalidOption},
		{"no concurrency", toneVoices(), []CorpusOption{WithSynthesisConcurrency(0)}, ErrInvalidOption},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := Synthesize(context.Background(), testUtterances("yes please"), tc.voices, tc.opts...)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// pipelineSynth adapts a function to a pipeline.Synthesizer.
type pipelineSynth func(context.Context, pipeline.SpeechRequest, pipeline.SpeechWriter) error

func (f pipelineSynth) Synthesize(ctx context.Context, r pipeline.SpeechRequest, w pipeline.SpeechWriter) error {
	return f(ctx, r, w)
}

func TestTelephoneBand(t *testing.T) {
	tone := func(hz float64, n int) []int16 {
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(10000 * math.Sin(2*math.Pi*hz*float64(i)/16000))
		}
		return s
	}
	tests := []struct {
		desc     string
		hz       float64
		min, max float64 // RMS after the channel, relative to the input's
	}{
		{"speech band passes", 1000, 0.95, 1.05},
		{"above 4 kHz is cut", 6000, 0, 0.01},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			in := tone(tc.hz, 16000)
			out, err := TelephoneBand(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(in)/2 {
				t.Fatalf("%d samples out of %d, want half", len(out), len(in))
			}
			mid := out[len(out)/4 : 3*len(out)/4] // away from the filter's edges
			if g := rms(mid) / rms(in); g < tc.min || g > tc.max {
				t.Errorf("gain %.3f, want [%v, %v]", g, tc.min, tc.max)
			}
		})
	}
	// The mu-law round trip quantizes: each sample is within its step.
	in := tone(1000, 3200)
	out, _ := TelephoneBand(in)
	pcm8, _ := audio.Resample(nil, in, 16000, 8000)
	for i, v := range out {
		if d := math.Abs(float64(v) - float64(pcm8[i])); d > math.Abs(float64(pcm8[i]))/16+8 {
			t.Fatalf("sample %d: %d after mu-law, %d before: more than one quantization step", i, v, pcm8[i])
		}
	}
}

func TestSynthesizeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Synthesize(ctx, testUtterances("yes"), toneVoices())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
