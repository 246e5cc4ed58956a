package openai

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/stt"
)

func TestTranscribeSendsTheUtteranceAndMapsVerboseJSON(t *testing.T) {
	cases := []struct {
		desc     string
		rate     int
		dur      time.Duration
		uttLang  string
		cfgLang  string
		wantLang string
		phrases  []string
	}{
		{desc: "16 kHz utterance with a BCP 47 tag", rate: 16000, dur: 3400 * time.Millisecond, uttLang: "en-US", wantLang: "en", phrases: []string{"beach", "summer day"}},
		{desc: "8 kHz telephone utterance, language from the config", rate: 8000, dur: 3400 * time.Millisecond, cfgLang: "en", wantLang: "en"},
		{desc: "48 kHz utterance without a language lets the server detect it", rate: 48000, dur: 3400 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, jsonReply(beachJSON))
			cfg := DefaultConfig()
			cfg.BaseURL, cfg.APIKey, cfg.Language = srv.URL(), "sk-test", tc.cfgLang
			tr := newTestTranscriber(t, srv, &sleepRecorder{}, WithConfig(cfg))
			u := stt.Utterance{CallID: "call-1", Audio: speech(tc.rate, tc.dur), Language: tc.uttLang,
				Hints: stt.Hints{Phrases: tc.phrases}}
			got, err := tr.Transcribe(context.Background(), u)
			if err != nil {
				t.Fatalf("Transcribe: %v", err)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("server got %d requests, want 1", len(reqs))
			}
			checkRequest(t, reqs[0], u, tc.wantLang)
			if tc.phrases != nil && !containsAll(reqs[0].Prompt, tc.phrases...) {
				t.Errorf("prompt %q lacks the hint phrases %q", reqs[0].Prompt, tc.phrases)
			}
			checkBeach(t, got, tc.dur)
		})
	}
}

// checkRequest checks the form fields and the uploaded WAV of a
// verbose_json request for u.
func checkRequest(t *testing.T, r transcriptionRequest, u stt.Utterance, lang string) {
	t.Helper()
	if r.Auth != "Bearer sk-test" {
		t.Errorf("Authorization = %q, want the bearer key", r.Auth)
	}
	if r.Model != "whisper-1" || r.Format != "verbose_json" || r.Language != lang {
		t.Errorf("model, response_format, language = %q, %q, %q; want whisper-1, verbose_json, %q", r.Model, r.Format, r.Language, lang)
	}
	if !slices.Contains(r.Granularities, "word") {
		t.Errorf("timestamp_granularities[] = %q, want word among them", r.Granularities)
	}
	if r.FileName != "utterance.wav" || r.FileType != "audio/wav" {
		t.Errorf("file part %q of type %q, want utterance.wav of type audio/wav", r.FileName, r.FileType)
	}
	w := r.WAV
	if w.Rate != u.Audio.Rate || w.Channels != 1 || w.Encoding != audio.WAVPCM16 {
		t.Fatalf("WAV is %d Hz, %d channels, encoding %v; want %d Hz mono PCM16", w.Rate, w.Channels, w.Encoding, u.Audio.Rate)
	}
	if !slices.Equal(w.Samples, u.Audio.Samples) {
		t.Errorf("WAV holds %d samples that differ from the utterance's %d", len(w.Samples), len(u.Audio.Samples))
	}
}

// checkBeach checks the transcript of beachJSON for an utterance of dur.
func checkBeach(t *testing.T, got stt.Transcript, dur time.Duration) {
	t.Helper()
	if got.Text != "The beach was a popular spot on a hot summer day." || !got.Final || got.Language != "en" {
		t.Errorf("got text %q final %v language %q", got.Text, got.Final, got.Language)
	}
	if math.Abs(float64(got.Confidence)-beachConfidence) > 1e-6 {
		t.Errorf("confidence %v, want %v", got.Confidence, beachConfidence)
	}
	if got.Start != 0 || got.End != dur {
		t.Errorf("transcript spans [%v, %v], want the utterance [0, %v]", got.Start, got.End, dur)
	}
	if len(got.Words) != 11 {
		t.Fatalf("got %d words, want 11", len(got.Words))
	}
	w := got.Words[1]
	if w.Text != "beach" || w.Start != 240*time.Millisecond || w.End != 620*time.Millisecond {
		t.Errorf("word 1 = %+v, want beach at [240ms, 620ms]", w)
	}
	last := got.Words[10]
	if last.Text != "day" || last.End != 3320*time.Millisecond {
		t.Errorf("last word = %+v, want day ending at 3.32s", last)
	}
}

func TestTranscribeDropsSilenceAndHallucinations(t *testing.T) {
	seg := func(start, end float64, text string, logprob, noSpeech float64) string {
		return `{"id":0,"seek":0,"start":` + ftoa(start) + `,"end":` + ftoa(end) + `,"text":"` + text +
			`","tokens":[50364,50414],"temperature":0.0,"avg_logprob":` + ftoa(logprob) +
			`,"compression_ratio":1.0,"no_speech_prob":` + ftoa(noSpeech) + `}`
	}
	body := func(text string, segs []string, words string) string {
		return `{"task":"transcribe","language":"english","duration":2.0,"text":"` + text +
			`","segments":[` + strings.Join(segs, ",") + `],"words":[` + words + `]}`
	}
	cases := []struct {
		desc      string
		body      string
		wantText  string
		wantWords []string
	}{
		{desc: "a hallucination over silence is dropped",
			body:     body(" Thank you.", []string{seg(0, 2, " Thank you.", -1.3, 0.92)}, `{"word":"Thank","start":0.5,"end":0.8},{"word":"you","start":0.8,"end":1.0}`),
			wantText: ""},
		{desc: "only the silent segment is dropped, with its words",
			body: body(" Yes please. Thanks for watching!", []string{seg(0, 1, " Yes please.", -0.2, 0.01), seg(1, 2, " Thanks for watching!", -1.5, 0.8)},
				`{"word":"Yes","start":0.1,"end":0.4},{"word":"please","start":0.4,"end":0.9},{"word":"Thanks","start":1.2,"end":1.4},{"word":"for","start":1.4,"end":1.5},{"word":"watching","start":1.5,"end":1.9}`),
			wantText: "Yes please.", wantWords: []string{"Yes", "please"}},
		{desc: "likely silence decoded with confidence is kept, as Whisper does",
			body:     body(" Hello.", []string{seg(0, 2, " Hello.", -0.3, 0.7)}, `{"word":"Hello","start":0.2,"end":0.6}`),
			wantText: "Hello.", wantWords: []string{"Hello"}},
		{desc: "punctuation alone is no words",
			body:     body(" ...", []string{seg(0, 2, " ...", -0.4, 0.3)}, ""),
			wantText: ""},
		{desc: "an empty text is an empty final",
			body:     `{"task":"transcribe","language":"english","duration":2.0,"text":"","segments":[],"words":[]}`,
			wantText: ""},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, jsonReply(tc.body))
			tr := newTestTranscriber(t, srv, &sleepRecorder{})
			got, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, 2*time.Second)})
			if err != nil {
				t.Fatalf("Transcribe: %v", err)
			}
			var words []string
			for _, w := range got.Words {
				words = append(words, w.Text)
			}
			if got.Text != tc.wantText || !slices.Equal(words, tc.wantWords) || !got.Final {
				t.Errorf("got %q words %q final %v, want %q words %q", got.Text, words, got.Final, tc.wantText, tc.wantWords)
			}
			if got.Text == "" && got.Confidence != 0 {
				t.Errorf("empty result with confidence %v", got.Confidence)
			}
		})
	}
}

// ftoa formats f for JSON.
func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func TestTranscribeWithoutRequest(t *testing.T) {
	cases := []struct {
		desc    string
		audio   audio.Frame
		wantErr error
	}{
		{desc: "no audio is an empty final", audio: audio.Frame{Rate: 16000}},
		{desc: "a 60 ms blip is too short for a word", audio: speech(16000, 60*time.Millisecond)},
		{desc: "a missing rate is rejected", audio: audio.Frame{Samples: make([]int16, 1600)}, wantErr: ErrAudio},
		{desc: "an absurd rate is rejected", audio: audio.Frame{Rate: 1 << 20, Samples: make([]int16, 1600)}, wantErr: ErrAudio},
		{desc: "more audio than the endpoint takes is rejected", audio: audio.Frame{Rate: 8000, Samples: make([]int16, maxUpload/2)}, wantErr: ErrAudio},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, jsonReply(beachJSON))
			tr := newTestTranscriber(t, srv, &sleepRecorder{})
			got, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: tc.audio})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && (!got.Final || got.Text != "") {
				t.Errorf("got %+v, want an empty final", got)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("server got %d requests, want none", n)
			}
		})
	}
}

func TestTranscribeGrammarHints(t *testing.T) {
	srv := newFakeServer(t, jsonReply(`{"task":"transcribe","language":"english","duration":1.0,"text":"Yes.","segments":[],"words":[]}`))
	tr := newTestTranscriber(t, srv, &sleepRecorder{})
	got, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, time.Second),
		Hints: stt.Hints{Phrases: []string{"jacket"}, Grammar: stt.YesNoGrammar()}})
	if err != nil {
		t.Fatalf("Transcribe: %v", err)
	}
	p := srv.Requests()[0].Prompt
	if !strings.HasPrefix(p, "jacket") || !strings.Contains(p, "yes") {
		t.Errorf("prompt %q: want the phrase first, then the grammar's sentences", p)
	}
	if !got.Grammar || got.Text != "Yes." {
		t.Errorf("got %q grammar %v, want a grammar match", got.Text, got.Grammar)
	}

	bad, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, time.Second),
		Hints: stt.Hints{Grammar: "not jsgf at all"}})
	if err != nil || bad.Grammar || bad.Text != "Yes." {
		t.Errorf("with an invalid grammar got %+v, %v; want the text without a grammar match", bad, err)
	}
	if p := srv.Requests()[1]; p.HasPrompt {
		t.Errorf("an invalid grammar and no phrases sent prompt %q", p.Prompt)
	}
}

func TestTranscriberClose(t *testing.T) {
	srv := newFakeServer(t, jsonReply(beachJSON))
	tr := newTestTranscriber(t, srv, &sleepRecorder{})
	if err := tr.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := tr.Transcribe(context.Background(), stt.Utterance{Audio: speech(16000, time.Second)}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Transcribe after Close: %v, want ErrClosed", err)
	}
}
