package flite

import (
	"context"
	"errors"
	"runtime/cgo"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

const sentence = "Your order number 25 will arrive on Tuesday, March 3rd, at about 10:30 in the morning."

func TestSynthesizeRates(t *testing.T) {
	s := newSynth(t)
	ref := duration(speak(t, s, pipeline.SpeechRequest{Text: sentence, Rate: audio.Rate16k}))
	tests := []struct {
		desc string
		rate int
		want int
	}{
		{"telephony rate", audio.Rate8k, audio.Rate8k},
		{"pipeline rate, the voice's own", audio.Rate16k, audio.Rate16k},
		{"wideband", audio.Rate24k, audio.Rate24k},
		{"full band", audio.Rate48k, audio.Rate48k},
		{"zero means the pipeline rate", 0, audio.PipelineRate},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			chunks := speak(t, s, pipeline.SpeechRequest{Text: sentence, Rate: tc.rate})
			checkChunks(t, sentence, tc.want, chunks)
			// The same speech at another rate lasts as long, to within the
			// resampler's delay.
			if d := duration(chunks) - ref; d < -10*time.Millisecond || d > 10*time.Millisecond {
				t.Errorf("lasts %v at %d Hz, %v at 16 kHz", duration(chunks), tc.want, ref)
			}
		})
	}
}

func TestSynthesizeIsSpeech(t *testing.T) {
	s := newSynth(t)
	for _, voice := range []string{"slt", "rms", "awb", "kal", "kal16"} {
		t.Run(voice, func(t *testing.T) {
			chunks := speak(t, s, pipeline.SpeechRequest{Text: sentence, Rate: audio.Rate16k, Voice: voice})
			checkChunks(t, sentence, audio.Rate16k, chunks)
			if f := speechFraction(t, samples(chunks)); f < 0.6 {
				t.Errorf("the energy detector hears speech in %.0f%% of the frames, want at least 60%%", 100*f)
			}
			wpm := float64(words(sentence)) / duration(chunks).Minutes()
			t.Logf("%s: %.0f%% speech frames, %.0f words per minute", voice, 100*speechFraction(t, samples(chunks)), wpm)
			if wpm < 100 || wpm > 260 {
				t.Errorf("%.0f words per minute, want a speaking pace in [100, 260]", wpm)
			}
		})
	}
}

func TestSynthesizeChunkRanges(t *testing.T) {
	tests := []struct {
		desc string
		text string
		cuts bool // a run of letters too long for one token is cut
	}{
		{"plain sentence", "Thanks for calling, how can I help you today?", false},
		{"numbers expand to several words", "Your total is 1,250 dollars and 75 cents, due 12/25.", false},
		{"several sentences", "Hello there. I can help with that! What is your order number?", false},
		{"quotes and brackets", `She said "return it" (the jacket) and left.`, false},
		{"typographic punctuation", "It’s “ready” — mostly… okay?", false},
		{"accented Latin", "Café crème à la Señor Müller, naïve façade.", false},
		{"markdown emphasis", "**Great news:** your refund is _approved_.", false},
		{"other scripts are skipped", "Thank you 谢谢 very much.", false},
		{"trailing emoji and spaces", "See you soon 👋  ", false},
		{"url and email", "Visit example.com/returns or write to help@example.com today.", false},
		{"over-long token", "Code " + strings.Repeat("x", 100) + " done.", true},
		{"lines", "First line\nsecond line\n\nthird", false},
		{"a final clause in another script", "Thank you. 谢谢。", false},
	}
	s := newSynth(t, WithVoice("kal16"))
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			chunks := speak(t, s, pipeline.SpeechRequest{Text: tc.text, Rate: audio.Rate16k})
			checkChunksCut(t, tc.text, audio.Rate16k, chunks, tc.cuts)
		})
	}
}

func TestSynthesizeTokenChunks(t *testing.T) {
	s := newSynth(t)
	chunks := speak(t, s, pipeline.SpeechRequest{Text: sentence, Rate: audio.Rate16k})
	var got []string
	for _, c := range chunks {
		if c.TextEnd > c.TextStart {
			got = append(got, strings.TrimSpace(sentence[c.TextStart:c.TextEnd]))
		}
	}
	want := strings.Fields(sentence)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("one chunk per token:\n got %q\nwant %q", got, want)
	}
	// "25" is read as two words: its chunk lasts longer than "will".
	var d25, dWill time.Duration
	for _, c := range chunks {
		switch strings.TrimSpace(sentence[c.TextStart:c.TextEnd]) {
		case "25":
			d25 = c.Audio.Duration()
		case "will":
			dWill = c.Audio.Duration()
		}
	}
	if d25 <= dWill {
		t.Errorf("\"25\" lasts %v, \"will\" %v: the number should be read as two words", d25, dWill)
	}
}

func TestSynthesizeSilences(t *testing.T) {
	tests := []struct {
		desc        string
		lead, trail time.Duration
	}{
		{"defaults", 50 * time.Millisecond, 200 * time.Millisecond},
		{"no silence at the ends", 0, 0},
		{"long silences", 200 * time.Millisecond, time.Second},
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
			const slack = 5 * time.Millisecond // the resampler's flushed tail
			if lead > tc.lead+slack {
				t.Errorf("leading silence %v, want at most %v", lead, tc.lead)
			}
			if trail > tc.trail+slack {
				t.Errorf("trailing silence %v, want at most %v", trail, tc.trail)
			}
		})
	}
}

func TestSynthesizeSpeed(t *testing.T) {
	normal := duration(speak(t, newSynth(t), pipeline.SpeechRequest{Text: sentence}))
	fast := duration(speak(t, newSynth(t, WithSpeed(2)), pipeline.SpeechRequest{Text: sentence}))
	if r := float64(fast) / float64(normal); r < 0.4 || r > 0.65 {
		t.Errorf("at speed 2 the sentence lasts %v, %.2f of %v", fast, r, normal)
	}
}

func TestSynthesizeNothingToSay(t *testing.T) {
	tests := []struct {
		desc string
		text string
	}{
		{"empty", ""},
		{"white space", " \t\n "},
		{"punctuation", "... !?"},
		{"emoji", "👍 🙂"},
		{"markup", "** __ ``"},
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

func TestSynthesizeErrors(t *testing.T) {
	tests := []struct {
		desc string
		req  pipeline.SpeechRequest
		want error
		msg  string
	}{
		{"unknown voice", pipeline.SpeechRequest{Text: "hi", Voice: "bogus"}, ErrUnknownVoice, "slt, rms, awb, kal, kal16"},
		{"an espeak voice name", pipeline.SpeechRequest{Text: "hi", Voice: "en-us"}, ErrUnknownVoice, "slt"},
		{"unsupported rate", pipeline.SpeechRequest{Text: "hi", Rate: 11025}, ErrUnsupportedRate, "11025"},
		{"Mandarin", pipeline.SpeechRequest{Text: "你好", Language: "zh"}, ErrUnsupportedLanguage, "espeak"},
		{"another script without a language", pipeline.SpeechRequest{Text: "谢谢你的帮助"}, ErrUnspeakable, "谢谢"},
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

func TestSynthesizeVoiceNames(t *testing.T) {
	tests := []struct {
		desc  string
		voice string
		rate  int
	}{
		{"default", "", 16000},
		{"short name", "rms", 16000},
		{"flite's long name", "cmu_us_awb", 16000},
		{"any case", "KAL", 8000},
	}
	s := newSynth(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			chunks := speak(t, s, pipeline.SpeechRequest{Text: "Hello.", Voice: tc.voice, Rate: audio.Rate16k})
			checkChunks(t, "Hello.", audio.Rate16k, chunks)
		})
	}
	voices := s.Voices()
	if len(voices) != int(numVoices) || voices[0].Name != "slt" || voices[0].Gender != "female" || voices[0].Rate != 16000 {
		t.Errorf("Voices() = %+v", voices)
	}
	for _, v := range voices {
		if v.Name == "kal" && v.Rate != 8000 {
			t.Errorf("kal at %d Hz, want 8000", v.Rate)
		}
	}
}

func TestSynthesizeLanguages(t *testing.T) {
	s := newSynth(t)
	for _, lang := range []string{"", "en", "en-US", "EN-gb", "en_AU"} {
		t.Run("language "+lang, func(t *testing.T) {
			checkChunks(t, "Hi.", audio.Rate16k, speak(t, s, pipeline.SpeechRequest{Text: "Hi.", Language: lang}))
		})
	}
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
	err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence}, &r)
	if !errors.Is(err, boom) {
		t.Fatalf("Synthesize: %v, want the writer's error", err)
	}
	if n := len(r.got()); n != 2 {
		t.Errorf("%d chunks written, want 2 (none after the error)", n)
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
	// The synthesizer is still usable, and no goroutine was left behind
	// (TestMain checks).
	checkChunks(t, "Still here.", audio.Rate16k, speak(t, s, pipeline.SpeechRequest{Text: "Still here."}))
}

func TestSynthesizeLongTextBoundedMemory(t *testing.T) {
	s := newSynth(t, WithVoice("kal16"))
	text := strings.Repeat("This sentence is one of many in a long answer. ", 40)
	// Run the request on a job of the test's own, to inspect its buffers.
	j := newJob()
	j.ctx, j.closing = context.Background(), s.closing
	h := cgo.NewHandle(j)
	defer h.Delete()
	rs, err := s.resampler(nativeRate(voiceKAL16), audio.Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	var r recorder
	e := emitter{w: &r, text: text, rate: audio.Rate16k, rs: rs}
	if err := s.speak(j, h, voiceKAL16, &e); err != nil {
		t.Fatal(err)
	}
	if err := e.flush(); err != nil {
		t.Fatal(err)
	}
	checkChunks(t, text, audio.Rate16k, r.got())
	total := duration(r.got())
	if held := time.Duration(cap(j.native)) * time.Second / audio.Rate16k; held > 10*time.Second {
		t.Errorf("the clause buffer grew to %v of audio for a %v answer: it should hold one clause", held, total)
	}
	if total < 40*time.Second {
		t.Errorf("the answer lasts %v, want the whole text spoken", total)
	}
}
