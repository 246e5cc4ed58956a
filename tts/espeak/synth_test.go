package espeak

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"gopkg.in/yaml.v3"
)

const (
	sentence = "Your order number 25 will arrive on Tuesday, March 3rd, at about 10:30 in the morning."
	mandarin = "您好，您的订单明天送到。请问还有什么可以帮您？"
)

func TestSynthesizeRates(t *testing.T) {
	s := newSynth(t)
	ref := duration(speak(t, s, pipeline.SpeechRequest{Text: sentence, Rate: audio.Rate16k}))
	tests := []struct {
		desc string
		rate int
		want int
	}{
		{"telephony rate", audio.Rate8k, audio.Rate8k},
		{"pipeline rate", audio.Rate16k, audio.Rate16k},
		{"wideband", audio.Rate24k, audio.Rate24k},
		{"full band", audio.Rate48k, audio.Rate48k},
		{"zero means the pipeline rate", 0, audio.PipelineRate},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			chunks := speak(t, s, pipeline.SpeechRequest{Text: sentence, Rate: tc.rate})
			checkChunks(t, sentence, tc.want, chunks)
			// espeak-ng's output varies by a few milliseconds from run
			// to run; the resampler adds at most its delay.
			if d := duration(chunks) - ref; d < -30*time.Millisecond || d > 30*time.Millisecond {
				t.Errorf("lasts %v at %d Hz, %v at 16 kHz", duration(chunks), tc.want, ref)
			}
		})
	}
}

func TestSynthesizeIsSpeech(t *testing.T) {
	tests := []struct {
		desc, voice, text string
		minWPM, maxWPM    float64
	}{
		{"American English", "en-us", sentence, 120, 260},
		{"Mandarin", "cmn", mandarin, 0, 0},
		{"German", "de", "Ihre Bestellung kommt am Dienstag um zehn Uhr an.", 100, 260},
		{"French", "fr", "Votre commande arrivera mardi à dix heures.", 100, 260},
	}
	s := newSynth(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			chunks := speak(t, s, pipeline.SpeechRequest{Text: tc.text, Voice: tc.voice, Rate: audio.Rate16k})
			checkChunks(t, tc.text, audio.Rate16k, chunks)
			f := speechFraction(t, samples(chunks))
			t.Logf("%s: %.0f%% speech frames, %v", tc.voice, 100*f, duration(chunks))
			if f < 0.6 {
				t.Errorf("the energy detector hears speech in %.0f%% of the frames, want at least 60%%", 100*f)
			}
			if tc.maxWPM > 0 {
				if wpm := float64(words(tc.text)) / duration(chunks).Minutes(); wpm < tc.minWPM || wpm > tc.maxWPM {
					t.Errorf("%.0f words per minute, want [%v, %v]", wpm, tc.minWPM, tc.maxWPM)
				}
			}
		})
	}
}

func TestSynthesizeChunkRanges(t *testing.T) {
	tests := []struct {
		desc, language, text string
	}{
		{"plain sentence", "en", "Thanks for calling, how can I help you today?"},
		{"numbers expand to several words", "en", "Your total is 1,250 dollars and 75 cents, due 12/25."},
		{"several sentences", "en", "Hello there. I can help with that! What is your order number?"},
		{"typographic punctuation", "en", "It’s “ready” — mostly… okay?"},
		{"emoji and markdown are not read", "en", "**Great news** 🎉 your refund is _approved_."},
		{"Mandarin", "zh", mandarin},
		{"Mandarin with Latin and digits", "zh", "您的订单号是 A123，共 25 元。"},
		{"German umlauts", "de", "Grüße aus München, schönen Tag!"},
		{"lines", "en", "First line\nsecond line\n\nthird"},
		{"long text without breaks", "en", strings.Repeat("word ", 150)},
	}
	s := newSynth(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			chunks := speak(t, s, pipeline.SpeechRequest{Text: tc.text, Language: tc.language, Rate: audio.Rate16k})
			checkChunks(t, tc.text, audio.Rate16k, chunks)
		})
	}
}

func TestSynthesizeMandarinChunks(t *testing.T) {
	s := newSynth(t)
	for _, req := range []pipeline.SpeechRequest{
		{Text: mandarin, Language: "zh"},
		{Text: mandarin, Language: "zh-CN"},
		{Text: mandarin, Voice: "cmn"},
	} {
		chunks := speak(t, s, req)
		checkChunks(t, mandarin, audio.PipelineRate, chunks)
		words := 0
		for _, c := range chunks {
			if c.TextEnd > c.TextStart {
				words++
				if n := utf8.RuneCountInString(strings.TrimRight(mandarin[c.TextStart:c.TextEnd], "，。？")); n > 2 {
					t.Errorf("chunk %q holds %d characters: want about one per character", mandarin[c.TextStart:c.TextEnd], n)
				}
			}
		}
		if words < 15 {
			t.Errorf("%d word chunks for %d characters", words, utf8.RuneCountInString(mandarin))
		}
	}
}

func TestSynthesizeNothingToSay(t *testing.T) {
	tests := []struct {
		desc string
		text string
	}{
		{"empty", ""},
		{"white space", " \t\n "},
		{"punctuation", "... !? 。"},
		{"emoji", "👍 🙂"},
	}
	s := newSynth(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var r recorder
			if err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: tc.text}, &r); err != nil {
				t.Fatalf("Synthesize: %v", err)
			}
			if n := len(r.got()); n != 0 {
				t.Errorf("%d chunks for %q, want none", n, tc.text)
			}
		})
	}
}

func TestResolveVoice(t *testing.T) {
	tests := []struct {
		desc            string
		voice, language string
		want            string // espeak-ng identifier
	}{
		{"default", "", "", "gmw/en-US"},
		{"the default voice speaks English", "", "en", "gmw/en-US"},
		{"British English", "", "en-GB", "gmw/en"},
		{"Chinese", "", "zh", "sit/cmn"},
		{"Chinese for China", "", "zh-CN", "sit/cmn"},
		{"Mandarin", "", "cmn", "sit/cmn"},
		{"underscore tag", "", "zh_cn", "sit/cmn"},
		{"Cantonese", "", "yue", "sit/yue"},
		{"voice name", "cmn", "", "sit/cmn"},
		{"voice wins over language", "de", "fr", "gmw/de"},
		{"identifier", "gmw/en-US", "", "gmw/en-US"},
		{"display name, any case", "english (america)", "", "gmw/en-US"},
		{"language tag as a voice", "fr-fr", "", "roa/fr"},
		{"Spanish", "", "es", "roa/es"},
	}
	s := newSynth(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			v, _, err := s.resolve(pipeline.SpeechRequest{Voice: tc.voice, Language: tc.language})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.cat.voices[v].identifier; got != tc.want {
				t.Errorf("voice %q, language %q: %s, want %s", tc.voice, tc.language, got, tc.want)
			}
		})
	}
}

func TestSynthesizeErrors(t *testing.T) {
	tests := []struct {
		desc string
		req  pipeline.SpeechRequest
		want error
		msg  string
	}{
		{"unknown voice", pipeline.SpeechRequest{Text: "hi", Voice: "bogus"}, ErrUnknownVoice, "en-us, en, cmn"},
		{"a flite voice name", pipeline.SpeechRequest{Text: "hi", Voice: "slt"}, ErrUnknownVoice, "espeak-ng --voices"},
		{"unknown language", pipeline.SpeechRequest{Text: "hi", Language: "tlh"}, ErrUnsupportedLanguage, "tlh"},
		{"unsupported rate", pipeline.SpeechRequest{Text: "hi", Rate: 22050}, ErrUnsupportedRate, "22050"},
	}
	s := newSynth(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var r recorder
			err := s.Synthesize(context.Background(), tc.req, &r)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Synthesize: %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
			if n := len(r.got()); n != 0 {
				t.Errorf("%d chunks written, want none", n)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	newSynth(t) // initialize espeak-ng with the system's data first
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "phontab"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		opts []Option
		want error
		msg  string
	}{
		{"missing data", []Option{WithDataPath(filepath.Join(t.TempDir(), "none"))}, ErrDataNotFound, "make deps"},
		{"another data path", []Option{WithDataPath(fake)}, ErrDataPathConflict, fake},
		{"unknown default voice", []Option{WithVoice("bogus")}, ErrUnknownVoice, "tts.espeak.voice"},
		{"rate out of range", []Option{WithWordsPerMinute(20)}, ErrInvalidConfig, "tts.espeak.words_per_minute"},
		{"pitch out of range", []Option{WithPitch(101)}, ErrInvalidConfig, "tts.espeak.pitch"},
		{"empty voice", []Option{WithVoice(" ")}, ErrInvalidConfig, "tts.espeak.voice"},
		{"negative silence", []Option{WithLeadingSilence(-time.Millisecond)}, ErrInvalidConfig, "tts.espeak.leading_silence"},
		{"long silence", []Option{WithTrailingSilence(3 * time.Second)}, ErrInvalidConfig, "tts.espeak.trailing_silence"},
		{"failing option", []Option{func(*Config) error { return errors.New("bad") }}, ErrInvalidConfig, "bad"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s, err := New(tc.opts...)
			if err == nil {
				_ = s.Close()
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("New: %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
		})
	}
	t.Run("the data path in use", func(t *testing.T) {
		s, err := New(WithDataPath(filepath.Dir(dataPath())))
		if err != nil {
			t.Fatalf("New with the system's data path spelt out: %v", err)
		}
		_ = s.Close()
	})
}

func TestSynthesizeWriterError(t *testing.T) {
	s := newSynth(t)
	boom := errors.New("output closed")
	r := recorder{hook: func(n int) error {
		if n == 2 {
			return boom
		}
		return nil
	}}
	if err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence}, &r); !errors.Is(err, boom) {
		t.Fatalf("Synthesize: %v, want the writer's error", err)
	}
	if n := len(r.got()); n != 2 {
		t.Errorf("%d chunks written, want 2", n)
	}
}

func TestSynthesizeSilences(t *testing.T) {
	tests := []struct {
		desc        string
		lead, trail time.Duration
	}{
		{"defaults", 50 * time.Millisecond, 200 * time.Millisecond},
		{"no silence at the ends", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s := newSynth(t, WithLeadingSilence(tc.lead), WithTrailingSilence(tc.trail))
			chunks := speak(t, s, pipeline.SpeechRequest{Text: "Hello there. Goodbye.", Rate: audio.Rate16k})
			var lead, trail time.Duration
			for _, c := range chunks {
				if c.TextEnd > c.TextStart {
					break
				}
				lead += c.Audio.Duration()
			}
			for i := len(chunks) - 1; i >= 0 && chunks[i].TextEnd == chunks[i].TextStart; i-- {
				trail += chunks[i].Audio.Duration()
			}
			const slack = 5 * time.Millisecond
			if lead > tc.lead+slack || trail > tc.trail+slack {
				t.Errorf("silences %v and %v, want at most %v and %v", lead, trail, tc.lead, tc.trail)
			}
		})
	}
}

func TestSynthesizeSpeed(t *testing.T) {
	normal := duration(speak(t, newSynth(t), pipeline.SpeechRequest{Text: sentence}))
	fast := duration(speak(t, newSynth(t, WithWordsPerMinute(350)), pipeline.SpeechRequest{Text: sentence}))
	if r := float64(fast) / float64(normal); r < 0.35 || r > 0.7 {
		t.Errorf("at 350 words per minute the sentence lasts %v, %.2f of %v", fast, r, normal)
	}
}

func TestVoices(t *testing.T) {
	voices := newSynth(t).Voices()
	found := map[string]bool{}
	for _, v := range voices {
		if v.Rate != nativeRate || v.Name == "" || v.Language == "" {
			t.Errorf("voice %+v", v)
		}
		found[v.Name+" "+v.Language] = true
	}
	for _, want := range []string{"en-us en-US", "cmn cmn", "de de", "fr fr-FR", "es es"} {
		if !found[want] {
			t.Errorf("Voices lacks %q", want)
		}
	}
}

func TestSynthesizeWriterPanics(t *testing.T) {
	s := newSynth(t)
	r := recorder{hook: func(n int) error {
		if n == 2 {
			panic("writer bug")
		}
		return nil
	}}
	func() {
		defer func() {
			if p := recover(); p != "writer bug" {
				t.Fatalf("recovered %v, want the writer's panic", p)
			}
		}()
		_ = s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence}, &r)
	}()
	// The engine was released: the synthesizer is still usable.
	checkChunks(t, "Still here.", audio.PipelineRate, speak(t, s, pipeline.SpeechRequest{Text: "Still here."}))
}

func TestConfigAccessor(t *testing.T) {
	s := newSynth(t, WithConfig(DefaultConfig()), WithVoice("cmn"), WithWordsPerMinute(200), WithPitch(40), nil)
	if c := s.Config(); c.Voice != "cmn" || c.WordsPerMinute != 200 || c.Pitch != 40 {
		t.Errorf("Config() = %+v", c)
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("DefaultConfig: %v", err)
	}
}

func TestConfigYAML(t *testing.T) {
	c := DefaultConfig()
	doc := "voice: cmn\nwords_per_minute: 160\npitch: 45\ndata_path: /opt/espeak\ntrailing_silence: 300ms\n"
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Voice, want.WordsPerMinute, want.Pitch, want.DataPath, want.TrailingSilence = "cmn", 160, 45, "/opt/espeak", 300*time.Millisecond
	if c != want {
		t.Errorf("decoded %+v, want %+v", c, want)
	}
}
