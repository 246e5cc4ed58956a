package speecheval

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/pipeline/vad"
	"github.com/parley-voice/parley/stt"
)

// fakeRecognizer recognizes every utterance as the clip's reference text
// with its first word replaced by Swap (when set), delivering the final
// Lag frames after the session's voice activity turns Speaking off (or at
// Close). It records what its streams saw. It is safe for concurrent use.
type fakeRecognizer struct {
	Swap     string
	Lag      int
	FailOpen error
	Plain    bool          // streams without WriteVoice
	Written  chan struct{} // receives a value per frame written, when set

	mu     sync.Mutex
	texts  map[string]string // call id -> reference
	opened []pipeline.RecognitionConfig
	spans  map[string][2]int // call id -> first and last speaking frame
}

func (r *fakeRecognizer) Open(_ context.Context, cfg pipeline.RecognitionConfig, sink pipeline.TranscriptSink) (pipeline.RecognitionStream, error) {
	if r.FailOpen != nil {
		return nil, r.FailOpen
	}
	r.mu.Lock()
	r.opened = append(r.opened, cfg)
	text := r.texts[cfg.CallID]
	r.mu.Unlock()
	if r.Swap != "" {
		w := Words(text)
		w[0] = r.Swap
		text = fmt.Sprint(w)
		text = text[1 : len(text)-1]
	}
	st := &fakeStream{r: r, cfg: cfg, sink: sink, text: text, first: -1, last: -1, countdown: -1}
	if r.Plain {
		return plainStream{st}, nil
	}
	return st, nil
}

type fakeStream struct {
	r                *fakeRecognizer
	cfg              pipeline.RecognitionConfig
	sink             pipeline.TranscriptSink
	text             string
	frames           int
	speaking         bool
	first, last      int
	countdown        int
	delivered, wrote bool
}

func (s *fakeStream) WriteVoice(f audio.Frame, v pipeline.Voice) error {
	if f.Rate != s.cfg.Rate || len(f.Samples) != audio.SamplesFor(f.Rate, 20*time.Millisecond) {
		return fmt.Errorf("frame of %d samples at %d Hz on a %d Hz stream", len(f.Samples), f.Rate, s.cfg.Rate)
	}
	if v.Speaking {
		if s.first < 0 {
			s.first = s.frames
		}
		s.last = s.frames
		s.sink.WriteTranscript(pipeline.Transcript{Text: "partial"})
	} else if s.speaking {
		s.countdown = s.r.Lag
	}
	s.speaking = v.Speaking
	s.frames++
	if s.countdown == 0 {
		s.final()
	}
	if s.countdown >= 0 {
		s.countdown--
	}
	if s.r.Written != nil {
		s.r.Written <- struct{}{}
	}
	return nil
}

func (s *fakeStream) final() {
	if !s.delivered {
		s.delivered = true
		s.sink.WriteTranscript(pipeline.Transcript{Text: s.text, Final: true})
	}
}

func (s *fakeStream) Write(f audio.Frame) error { return s.WriteVoice(f, pipeline.Voice{}) }

func (s *fakeStream) SetHints(pipeline.Hints) error { return nil }

func (s *fakeStream) Close() error {
	if s.r.Plain || s.speaking {
		s.final()
	}
	s.r.mu.Lock()
	s.r.spans[s.cfg.CallID] = [2]int{s.first, s.last}
	s.r.mu.Unlock()
	return nil
}

// plainStream hides WriteVoice.
type plainStream struct{ s *fakeStream }

func (p plainStream) Write(f audio.Frame) error       { return p.s.Write(f) }
func (p plainStream) SetHints(h pipeline.Hints) error { return p.s.SetHints(h) }
func (p plainStream) Close() error                    { return p.s.Close() }

func newFake(clips []Clip) *fakeRecognizer {
	r := &fakeRecognizer{texts: map[string]string{}, spans: map[string][2]int{}}
	for _, c := range clips {
		r.texts[c.ID+"@"+c.Voice] = c.Text
	}
	return r
}

func toneClips(t *testing.T, texts ...string) []Clip {
	t.Helper()
	clips, err := Synthesize(context.Background(), testUtterances(texts...), toneVoices())
	if err != nil {
		t.Fatal(err)
	}
	return clips
}

func TestEvalStreamScores(t *testing.T) {
	clips := toneClips(t, "where is my order", "i want to return my jacket", "yes")
	tests := []struct {
		desc  string
		fake  func() *fakeRecognizer
		opts  []Option
		want  Score
		rate  int
		plain bool
	}{
		{"exact recognition", func() *fakeRecognizer { return newFake(clips) }, nil, Score{0, 11}, 16000, false},
		{"one error per clip", func() *fakeRecognizer { r := newFake(clips); r.Swap = "zzz"; return r }, nil, Score{3, 11}, 16000, false},
		{"telephone band opens 8 kHz streams", func() *fakeRecognizer { return newFake(clips) },
			[]Option{WithBand(Telephone), WithConcurrency(3)}, Score{0, 11}, 8000, false},
		{"telephone band upsampled as a session does", func() *fakeRecognizer { return newFake(clips) },
			[]Option{WithBand(Telephone), WithStreamRate(16000)}, Score{0, 11}, 16000, false},
		{"streams without voice activity", func() *fakeRecognizer { r := newFake(clips); r.Plain = true; return r },
			nil, Score{0, 11}, 16000, true},
		{"known speech span", func() *fakeRecognizer { return newFake(clips) },
			[]Option{WithVAD(nil, vad.DefaultSegmenterConfig())}, Score{0, 11}, 16000, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			fake := tc.fake()
			rep, err := EvalStream(context.Background(), fake, clips, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Score != tc.want || len(rep.Results) != len(clips) {
				t.Fatalf("score %+v over %d results, want %+v over %d", rep.Score, len(rep.Results), tc.want, len(clips))
			}
			var audioTotal time.Duration
			for i, res := range rep.Results {
				if res.ID != clips[i].ID || res.Ref != clips[i].Text || res.Finals != 1 {
					t.Errorf("result %d: %+v, want clip %s with one final", i, res, clips[i].ID)
				}
				if res.FinalLatency != 0 || res.AfterSpeech != 0 {
					t.Errorf("result %d: latencies %v %v outside a real-time evaluation", i, res.FinalLatency, res.AfterSpeech)
				}
				audioTotal += clips[i].Duration()
			}
			if rep.Audio != audioTotal || rep.RealTime {
				t.Errorf("report audio %v (want %v), real time %v", rep.Audio, audioTotal, rep.RealTime)
			}
			for _, cfg := range fake.opened {
				if cfg.Rate != tc.rate || cfg.Language != "en" {
					t.Errorf("stream opened with %+v, want %d Hz in en", cfg, tc.rate)
				}
			}
			if !tc.plain {
				checkSpans(t, fake, clips, tc.opts)
			}
		})
	}
}

// checkSpans checks that the streams were told of speech where the words
// are: exactly as a segmenter would for the known span, within the
// detector's reaction otherwise.
func checkSpans(t *testing.T, fake *fakeRecognizer, clips []Clip, opts []Option) {
	t.Helper()
	o, err := buildOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clips {
		sp := fake.spans[c.ID+"@"+c.Voice]
		from, to := time.Duration(sp[0])*frameDuration, time.Duration(sp[1]+1)*frameDuration
		if o.newVAD == nil {
			wantFrom := (c.SpeechStart + o.seg.MinSpeech + frameDuration - 1) / frameDuration * frameDuration
			if from != wantFrom || to < c.SpeechEnd+o.seg.MinSilence-frameDuration || to > c.SpeechEnd+o.seg.MinSilence+frameDuration {
				t.Errorf("%s: speaking [%v, %v), want from %v to about %v", c.ID, from, to, wantFrom, c.SpeechEnd+o.seg.MinSilence)
			}
			continue
		}
		if from < c.SpeechStart || from > c.SpeechStart+200*time.Millisecond || to < c.SpeechEnd || to > c.SpeechEnd+600*time.Millisecond {
			t.Errorf("%s: speaking [%v, %v) for words at [%v, %v]", c.ID, from, to, c.SpeechStart, c.SpeechEnd)
		}
	}
}

func TestEvalStreamRealTime(t *testing.T) {
	clips := toneClips(t, "where is my order")
	clk := pipelinetest.NewClock(time.Time{})
	fake := newFake(clips)
	fake.Lag = 7
	fake.Written = make(chan struct{})
	type out struct {
		rep Report
		err error
	}
	done := make(chan out, 1)
	go func() {
		rep, err := EvalStream(context.Background(), fake, clips, WithRealTime(true), WithClock(clk),
			WithVAD(nil, vad.DefaultSegmenterConfig()))
		done <- out{rep, err}
	}()
	pipelinetest.Eventually(t, func() bool { return clk.Tickers() == 1 }, "the evaluation starts its ticker")
	clk.Advance(frameDuration)
	var res out
	for res.rep.Results == nil && res.err == nil {
		select {
		case <-fake.Written: // one frame per tick, in lockstep
			clk.Advance(frameDuration)
		case res = <-done:
		}
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	r := res.rep.Results[0]
	if !res.rep.RealTime || r.FinalLatency != 7*frameDuration {
		t.Errorf("final latency %v, want the fake's 7 frames (%v)", r.FinalLatency, 7*frameDuration)
	}
	// The words end 300 ms (the segmenter's minimum silence) before the
	// session decides so, give or take the frame they end in.
	if d := r.AfterSpeech - r.FinalLatency - 300*time.Millisecond; d < 0 || d > frameDuration {
		t.Errorf("after speech %v, want about 300ms more than %v", r.AfterSpeech, r.FinalLatency)
	}
	if q := res.rep.Latency(0.5, false); q != r.FinalLatency {
		t.Errorf("median latency %v, want %v", q, r.FinalLatency)
	}
	if r.Decode != clips[0].SpeechEnd.Truncate(frameDuration)+300*time.Millisecond+7*frameDuration {
		t.Logf("decode time %v (fake time from the first write)", r.Decode)
	}
}

func TestEvalStreamErrors(t *testing.T) {
	clips := toneClips(t, "yes")
	refused := errors.New("refused")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		desc  string
		ctx   context.Context
		rec   *fakeRecognizer
		clips []Clip
		opts  []Option
		want  error
	}{
		{"no clips", context.Background(), newFake(clips), nil, nil, ErrNoClips},
		{"open fails", context.Background(), &fakeRecognizer{FailOpen: refused}, clips, nil, ErrRecognition},
		{"bad band", context.Background(), newFake(clips), clips, []Option{WithBand(Band(7))}, ErrInvalidOption},
		{"bad concurrency", context.Background(), newFake(clips), clips, []Option{WithConcurrency(0)}, ErrInvalidOption},
		{"bad stream rate", context.Background(), newFake(clips), clips, []Option{WithStreamRate(11025)}, ErrInvalidOption},
		{"nil clock", context.Background(), newFake(clips), clips, []Option{WithClock(nil)}, ErrInvalidOption},
		{"bad segmenter", context.Background(), newFake(clips), clips,
			[]Option{WithVAD(nil, vad.SegmenterConfig{OnsetThreshold: 2})}, ErrInvalidOption},
		{"failing detector", context.Background(), newFake(clips), clips,
			[]Option{WithVAD(func() (vad.Detector, error) { return nil, refused }, vad.DefaultSegmenterConfig())}, ErrInvalidOption},
		{"cancelled", cancelled, newFake(clips), clips, nil, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := EvalStream(tc.ctx, tc.rec, tc.clips, tc.opts...)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestEvalTranscriber(t *testing.T) {
	clips := toneClips(t, "where is my order", "yes")
	var mu sync.Mutex
	var rates []int
	fn := func(_ context.Context, u stt.Utterance) (string, error) {
		mu.Lock()
		rates = append(rates, u.Audio.Rate)
		mu.Unlock()
		if u.Audio.Rate == 8000 && len(u.Audio.Samples) != len(clips[0].Phone) && len(u.Audio.Samples) != len(clips[1].Phone) {
			return "", errors.New("not the clip's telephone audio")
		}
		return "where is my border", nil
	}
	rep, err := EvalTranscriber(context.Background(), fn, clips, WithBand(Telephone), WithConcurrency(2))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Score != (Score{Errors: 1 + 4, Words: 5}) || rep.RealTime {
		t.Errorf("score %+v real time %v, want 5 errors in 5 words, not real time", rep.Score, rep.RealTime)
	}
	if len(rates) != 2 || rates[0] != 8000 || rates[1] != 8000 {
		t.Errorf("rates %v, want two 8 kHz recordings", rates)
	}
	fail := func(context.Context, stt.Utterance) (string, error) { return "", errors.New("down") }
	if _, err := EvalTranscriber(context.Background(), fail, clips); !errors.Is(err, ErrRecognition) {
		t.Errorf("failing transcriber: %v, want ErrRecognition", err)
	}
	tr := FromTranscriber(transcriberFunc(func(ctx context.Context, u stt.Utterance) (stt.Transcript, error) {
		return stt.Transcript{Text: "yes", Final: true}, nil
	}))
	if text, err := tr(context.Background(), stt.Utterance{}); text != "yes" || err != nil {
		t.Errorf("FromTranscriber: %q, %v", text, err)
	}
}

type transcriberFunc func(context.Context, stt.Utterance) (stt.Transcript, error)

func (f transcriberFunc) Transcribe(ctx context.Context, u stt.Utterance) (stt.Transcript, error) {
	return f(ctx, u)
}
