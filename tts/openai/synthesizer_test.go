package openai

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

const sentence = "I can help you return the jacket, and the refund takes about five days."

func TestSynthesizeStreamsBeforeTheServerFinishes(t *testing.T) {
	cases := []struct {
		desc        string
		contentType string
		rate        int
		splits      []int // byte sizes of the writes before the rest (odd ones split samples)
	}{
		{desc: "OpenAI's pcm resampled to 16 kHz", contentType: "audio/pcm", rate: 16000, splits: []int{9601, 3, 4000}},
		{desc: "octet-stream kept at 24 kHz", contentType: "application/octet-stream", rate: 24000, splits: []int{4801, 1, 2}},
		{desc: "rate 0 means the pipeline rate", contentType: "audio/pcm", rate: 0, splits: []int{20001}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			pcm, samples := tone(24000, 4*time.Second)
			proceed := make(chan struct{})
			finished := make(chan struct{})
			parts, off := []part{}, 0
			for _, n := range tc.splits {
				parts = append(parts, part{data: pcm[off : off+n]})
				off += n
			}
			parts = append(parts, part{gate: proceed, data: pcm[off:]})
			srv := newFakeServer(t, streamReply(tc.contentType, finished, parts...))
			s := newTestSynth(t, srv, &sleepRecorder{})
			var early atomic.Bool
			w := &recorder{onChunk: func(n int, _ pipeline.SpeechChunk) error {
				if n == 1 {
					select {
					case <-finished:
					default:
						early.Store(true)
					}
					close(proceed)
				}
				return nil
			}}
			err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: sentence, Rate: tc.rate}, w)
			if err != nil {
				t.Fatalf("Synthesize: %v", err)
			}
			if !early.Load() {
				t.Error("the first chunk reached the writer only after the server finished")
			}
			rate := cmp(tc.rate, audio.PipelineRate)
			chunks := w.Chunks()
			for i, c := range chunks {
				if c.Audio.Rate != rate || len(c.Audio.Samples) == 0 {
					t.Fatalf("chunk %d has %d samples at %d Hz, want audio at %d Hz", i, len(c.Audio.Samples), c.Audio.Rate, rate)
				}
			}
			if want := resampled(t, samples, 24000, rate); !slices.Equal(w.Samples(), want) {
				t.Errorf("got %d samples, want the %d of the whole answer converted as one stream", len(w.Samples()), len(want))
			}
			checkRanges(t, chunks, sentence)
			checkRequest(t, srv.Requests(), "alloy", 1.0)
		})
	}
}

// cmp returns v, or def when v is zero.
func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// checkRequest checks the one request a synthesis sent.
func checkRequest(t *testing.T, reqs []speechRequest, voice string, speed float64) {
	t.Helper()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Auth != "Bearer sk-test" || r.Model != "tts-1" || r.Input != sentence || r.Voice != voice ||
		r.ResponseFormat != "pcm" || r.Speed != speed || r.Instructions != nil {
		t.Errorf("request %+v, want tts-1, the sentence, voice %s, pcm, speed %v, no instructions", r, voice, speed)
	}
}

func TestSynthesizeRequestFields(t *testing.T) {
	pcm, _ := tone(24000, 300*time.Millisecond)
	srv := newFakeServer(t, rawReply("audio/pcm", pcm))
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.APIKey, cfg.Model, cfg.Voice, cfg.Speed, cfg.Instructions = srv.URL(), "sk-test", "gpt-4o-mini-tts", "coral", 1.25, "Speak calmly."
	s := newTestSynth(t, srv, &sleepRecorder{}, WithConfig(cfg))
	for _, voice := range []string{"", "onyx"} {
		if err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: "Hello there.", Rate: 16000, Voice: voice}, &recorder{}); err != nil {
			t.Fatalf("Synthesize: %v", err)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests", len(reqs))
	}
	for i, want := range []string{"coral", "onyx"} {
		r := reqs[i]
		if r.Model != "gpt-4o-mini-tts" || r.Voice != want || r.Speed != 1.25 || r.Instructions == nil || *r.Instructions != "Speak calmly." {
			t.Errorf("request %d = %+v, want the configured model, speed and instructions with voice %s", i, r, want)
		}
	}
}

func TestSynthesizeAnswerFormats(t *testing.T) {
	pcm22, samples22 := tone(22050, 500*time.Millisecond)
	pcm24, samples24 := tone(24000, 500*time.Millisecond)
	withList := append(append(append([]byte{}, wavHeader(22050, 1, uint32(len(pcm22)))[:36]...),
		[]byte("LIST\x05\x00\x00\x00INFOx\x00")...), wavHeader(22050, 1, uint32(len(pcm22)))[36:]...)
	cases := []struct {
		desc    string
		reply   reply
		want    []int16 // at 16 kHz; nil when an error is expected
		wantErr error
	}{
		{desc: "a streamed WAV of unknown size at 22050 Hz", want: resampled(t, samples22, 22050, 16000),
			reply: rawReply("audio/wav", append(wavHeader(22050, 1, 0xFFFFFFFF), pcm22...))},
		{desc: "a WAV with a LIST chunk, sniffed without a content type", want: resampled(t, samples22, 22050, 16000),
			reply: rawReply("", append(withList, pcm22...))},
		{desc: "a WAV's trailing chunk after the data is not audio", want: resampled(t, samples24, 24000, 16000),
			reply: rawReply("audio/x-wav", append(append(wavHeader(24000, 1, uint32(len(pcm24))), pcm24...), []byte("LIST\x04\x00\x00\x00INFO")...))},
		{desc: "a stereo WAV is refused", wantErr: ErrFormat, reply: rawReply("audio/wav", append(wavHeader(24000, 2, uint32(len(pcm24))), pcm24...))},
		{desc: "MP3 is refused", wantErr: ErrFormat, reply: rawReply("audio/mpeg", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"))},
		{desc: "Ogg sniffed from an octet-stream is refused", wantErr: ErrFormat, reply: rawReply("application/octet-stream", []byte("OggS\x00\x02 and more"))},
		{desc: "JSON in a 200 is no audio", wantErr: ErrResponse, reply: rawReply("application/json", []byte(`{"detail":"voice not loaded"}`))},
		{desc: "an empty body is no audio", wantErr: ErrResponse, reply: rawReply("audio/pcm", nil)},
		{desc: "a single byte is no audio", wantErr: ErrResponse, reply: rawReply("audio/pcm", []byte{7})},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, tc.reply)
			s := newTestSynth(t, srv, &sleepRecorder{})
			w := &recorder{}
			err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: "Your order has shipped.", Rate: 16000}, w)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("server got %d requests, want 1", n)
			}
			if tc.wantErr != nil {
				return
			}
			if got := w.Samples(); !slices.Equal(got, tc.want) {
				t.Errorf("got %d samples, want %d", len(got), len(tc.want))
			}
			checkRanges(t, w.Chunks(), "Your order has shipped.")
		})
	}
}

func TestSynthesizeWithoutRequest(t *testing.T) {
	cases := []struct {
		desc    string
		req     pipeline.SpeechRequest
		wantErr error
	}{
		{desc: "white space says nothing", req: pipeline.SpeechRequest{Text: " \n\t", Rate: 16000}},
		{desc: "text over 4096 characters", req: pipeline.SpeechRequest{Text: strings.Repeat("ok ", 1400), Rate: 16000}, wantErr: ErrText},
		{desc: "an impossible rate", req: pipeline.SpeechRequest{Text: "hi", Rate: -8000}, wantErr: audio.ErrUnsupportedRate},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			srv := newFakeServer(t, rawReply("audio/pcm", make([]byte, 960)))
			s := newTestSynth(t, srv, &sleepRecorder{})
			w := &recorder{}
			if err := s.Synthesize(context.Background(), tc.req, w); !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if len(srv.Requests()) != 0 || len(w.Chunks()) != 0 {
				t.Errorf("%d requests and %d chunks, want none", len(srv.Requests()), len(w.Chunks()))
			}
		})
	}
}

func TestSynthesizerVoicesAndClose(t *testing.T) {
	s, err := New(WithEnv(nil), WithAPIKey("sk-test"))
	if err != nil {
		t.Fatal(err)
	}
	v := s.Voices()
	if len(v) < 10 || v[0].Name != "alloy" || v[0].Rate != 24000 || v[0].Language != "mul" {
		t.Errorf("OpenAI voices %+v", v)
	}
	local, err := New(WithEnv(nil), WithBaseURL("http://localhost:8880/v1"), WithVoice("af_bella"))
	if err != nil {
		t.Fatal(err)
	}
	if v := local.Voices(); len(v) != 1 || v[0].Name != "af_bella" {
		t.Errorf("local voices %+v, want only the configured one", v)
	}
	local.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Synthesize(context.Background(), pipeline.SpeechRequest{Text: "hi"}, &recorder{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Synthesize after Close: %v, want ErrClosed", err)
	}
}
