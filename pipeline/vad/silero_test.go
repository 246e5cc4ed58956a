package vad

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	sherpa "github.com/k2-fsa/sherpa-onnx-go-linux"

	"github.com/parley-voice/parley/pipeline/audio"
)

// fliteSpeech synthesises text with flite's slt voice (16 kHz), or skips.
func fliteSpeech(t testing.TB, text string) []int16 {
	t.Helper()
	path, err := exec.LookPath("flite")
	if err != nil {
		t.Skip("flite not installed: run `make deps`")
	}
	var out bytes.Buffer
	cmd := exec.Command(path, "-voice", "slt", "-t", text, "-o", "/dev/stdout")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("flite: %v", err)
	}
	w, err := audio.ReadWAV(&out)
	if err != nil {
		t.Fatalf("reading flite output: %v", err)
	}
	x := w.Mono(nil)
	if w.Rate != 16000 {
		if x, err = audio.Resample(nil, x, w.Rate, 16000); err != nil {
			t.Fatal(err)
		}
	}
	return x[:len(x)/16*16]
}

// utterances returns flite speech with silences and quiet noise around it.
func utterances(t testing.TB) []int16 {
	t.Helper()
	var x []float64
	for _, text := range []string{"Hello, I would like to return a jacket.", "Yes.", "My order number is four five seven."} {
		x = append(x, silence(0.8)...)
		for _, v := range fliteSpeech(t, text) {
			x = append(x, float64(v)/32768)
		}
	}
	x = append(x, silence(0.8)...)
	return pcm(mix(x, whiteNoise(31, -55, float64(len(x))/16000)))
}

func TestLoadSileroErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	if err := os.WriteFile(garbage, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	envDir := func(d string) Option {
		return WithLookupEnv(func(k string) (string, bool) { return d, k == ModelsEnv })
	}
	cases := []struct {
		name  string
		path  string
		opts  []Option
		want  error
		words []string
	}{
		{"missing explicit path", filepath.Join(dir, "nope.onnx"), nil, ErrModelNotFound, []string{"nope.onnx", "make deps"}},
		{"default search, nothing installed", "", []Option{envDir(dir)}, ErrModelNotFound,
			[]string{filepath.Join("models", SileroModelFile), filepath.Join(dir, SileroModelFile), "make deps"}},
		{"a directory", dir, nil, ErrModelNotFound, []string{dir}},
		{"not a model", garbage, nil, ErrBadModel, []string{garbage}},
		{"nil logger", "", []Option{WithLogger(nil)}, ErrInvalidConfig, nil},
		{"empty runtime library", "", []Option{WithRuntimeLibrary("")}, ErrInvalidConfig, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadSilero(c.path, c.opts...)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			for _, w := range c.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadSileroFromModelsEnv(t *testing.T) {
	src := testModelPath(t)
	dir := t.TempDir()
	if err := os.Symlink(src, filepath.Join(dir, SileroModelFile)); err != nil {
		t.Fatal(err)
	}
	m, err := LoadSilero("", WithLookupEnv(func(k string) (string, bool) { return dir, k == ModelsEnv }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Path() != filepath.Join(dir, SileroModelFile) || !strings.HasPrefix(m.RuntimeVersion(), "1.") {
		t.Errorf("path %q, runtime %q", m.Path(), m.RuntimeVersion())
	}
}

func TestSileroScoresSpeechAndSilence(t *testing.T) {
	m := testModel(t)
	d, err := m.NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	quiet, err := scoreFrames(d, pcm(whiteNoise(1, -60, 2)), 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := share(quiet, 0, len(quiet)); got != 0 {
		t.Errorf("speech on %.0f%% of quiet noise", 100*got)
	}
	speech := fliteSpeech(t, "I would like to return the jacket I bought last week.")
	probs, err := scoreFrames(d, speech, 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := share(probs, 0, len(probs)); got < 0.6 {
		t.Errorf("speech on %.0f%% of an utterance, want most of it", 100*got)
	}
}

func TestSileroFramingAndReset(t *testing.T) {
	m := testModel(t)
	x := utterances(t)
	// One window per 32 ms frame is the reference.
	ref, err := newDetector(t, m).windows(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, frameMS := range []int{10, 20, 30, 100} {
		d := newDetector(t, m)
		probs, err := scoreFrames(d.Silero, x, frameMS)
		if err != nil {
			t.Fatal(err)
		}
		// After a frame that ends exactly on a window boundary, the
		// probability is that window's.
		for i, p := range probs {
			end := (i + 1) * frameMS * 16
			if end%sileroWindow == 0 && p != ref[end/sileroWindow-1] {
				t.Fatalf("%d ms frames: at sample %d got %v, want %v", frameMS, end, p, ref[end/sileroWindow-1])
			}
		}
		d.Reset()
		again, err := d.windows(x)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ref {
			if again[i] != ref[i] {
				t.Fatalf("window %d after Reset: %v, want %v", i, again[i], ref[i])
			}
		}
	}
}

type testDetector struct{ *Silero }

func newDetector(t testing.TB, m *SileroModel) testDetector {
	t.Helper()
	d, err := m.NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return testDetector{d}
}

// windows scores x one 512-sample window at a time.
func (d testDetector) windows(x []int16) ([]float32, error) {
	var out []float32
	for off := 0; off+sileroWindow <= len(x); off += sileroWindow {
		p, err := d.Process(audio.Frame{Rate: 16000, Samples: x[off : off+sileroWindow]})
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// sherpaLogic replays sherpa-onnx's Silero decision (silero-vad-model.cc,
// with min speech and min silence 0) on our probabilities.
type sherpaLogic struct {
	triggered           bool
	cur, tempStart, end int
}

func (s *sherpaLogic) step(p, thr float32) bool {
	s.cur += sileroWindow
	if p > thr {
		s.end = 0
		if s.tempStart == 0 {
			s.tempStart = s.cur
			return false
		}
		if !s.triggered {
			s.triggered = true
			return true
		}
	}
	switch {
	case p < thr && !s.triggered:
		s.tempStart, s.end = 0, 0
		return false
	case p > thr-0.15 && s.triggered:
		return true
	case p < thr && s.triggered:
		s.tempStart, s.end, s.triggered = 0, 0, false
	}
	return false
}

func TestSileroAgreesWithSherpaOnnx(t *testing.T) {
	// The same model through sherpa-onnx's own VoiceActivityDetector must
	// reach the same per-window decisions as our probabilities put through
	// its decision logic: this checks our ONNX Runtime binding end to end.
	path := testModelPath(t)
	x := utterances(t)
	m := testModel(t)
	probs, err := newDetector(t, m).windows(x)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &sherpa.VadModelConfig{SampleRate: 16000, NumThreads: 1, Provider: "cpu"}
	// The C API replaces zeros with its defaults (0.25 s, 0.5 s): a
	// microsecond rounds to zero samples.
	cfg.SileroVad = sherpa.SileroVadModelConfig{Model: path, Threshold: 0.5, WindowSize: sileroWindow,
		MinSpeechDuration: 1e-6, MinSilenceDuration: 1e-6, MaxSpeechDuration: 60}
	v := sherpa.NewVoiceActivityDetector(cfg, 120)
	if v == nil {
		t.Fatal("sherpa-onnx could not load the model")
	}
	defer sherpa.DeleteVoiceActivityDetector(v)
	// sherpa-onnx takes the 64 context samples from the stream itself;
	// 64 leading zeros line its windows up with ours.
	f := make([]float32, max(sileroContext+len(x), (len(probs)+1)*sileroWindow))
	for i, s := range x {
		f[sileroContext+i] = float32(s) / 32768
	}
	var logic sherpaLogic
	agree, speech := 0, 0
	v.AcceptWaveform(f[:sileroWindow])
	for w := range probs {
		v.AcceptWaveform(f[(w+1)*sileroWindow : (w+2)*sileroWindow])
		want := v.IsSpeech()
		got := logic.step(probs[w], 0.5)
		if got == want {
			agree++
		}
		if want {
			speech++
		}
	}
	if speech == 0 {
		t.Fatal("sherpa-onnx found no speech; the comparison is void")
	}
	rate := float64(agree) / float64(len(probs))
	t.Logf("decisions agree on %d of %d windows (%d speech)", agree, len(probs), speech)
	if rate < 0.99 {
		t.Errorf("decisions agree on %.1f%% of %d windows, want 99%%", 100*rate, len(probs))
	}
}

func TestSileroConcurrentStreamsShareTheModel(t *testing.T) {
	m := testModel(t)
	x := utterances(t)
	want, err := newDetector(t, m).windows(x)
	if err != nil {
		t.Fatal(err)
	}
	const streams = 8
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := m.NewDetector()
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			got, err := testDetector{d}.windows(x)
			if err != nil {
				errs <- err
				return
			}
			for i := range want {
				if got[i] != want[i] {
					errs <- fmt.Errorf("window %d: %v, want %v", i, got[i], want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSileroLifetime(t *testing.T) {
	m, err := LoadSilero(testModelPath(t))
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.NewDetector()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := m.NewDetector(); !errors.Is(err, ErrClosed) {
		t.Errorf("NewDetector after Close: %v", err)
	}
	// The open detector keeps the session alive.
	if _, err := d.Process(audio.Frame{Rate: 16000, Samples: make([]int16, 1024)}); err != nil {
		t.Errorf("detector after model Close: %v", err)
	}
	for range 2 {
		if err := d.Close(); err != nil {
			t.Errorf("detector Close: %v", err)
		}
	}
	if _, err := d.Process(audio.Frame{Rate: 16000, Samples: make([]int16, 320)}); !errors.Is(err, ErrClosed) {
		t.Errorf("Process after Close: %v", err)
	}
	d.Reset() // harmless after Close
}

func TestSileroDoesNotAllocate(t *testing.T) {
	d := newDetector(t, testModel(t))
	x := pcm(whiteNoise(3, -40, 1))
	i := 0
	if allocs := testing.AllocsPerRun(100, func() {
		off := (i % 40) * 320
		i++
		if _, err := d.Process(audio.Frame{Rate: 16000, Samples: x[off : off+320]}); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("Process allocates %v times per frame", allocs)
	}
}

// rssKB returns the resident set size of the process in KiB.
func rssKB(t testing.TB) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return kb
			}
		}
	}
	t.Skip("VmRSS not found")
	return 0
}

func TestSileroMemoryPerStream(t *testing.T) {
	// Each stream holds only its recurrent state and window (the weights
	// are shared): measure the resident memory each one adds. Memory freed
	// by earlier tests is reused, so run it alone (-run SileroMemory) for
	// the real figures; the bound holds either way.
	testModelPath(t) // skip before measuring if the model is missing
	start := rssKB(t)
	m := testModel(t)
	t.Logf("resident memory of the loaded model: %d KiB", rssKB(t)-start)
	const streams = 500
	frame := audio.Frame{Rate: 16000, Samples: pcm(whiteNoise(5, -40, 0.064))}
	ds := make([]*Silero, 0, streams)
	before := rssKB(t)
	for range streams {
		d, err := m.NewDetector()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Process(frame); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	perStream := float64(rssKB(t)-before) / streams
	for _, d := range ds {
		d.Close()
	}
	t.Logf("resident memory per Silero stream: %.1f KiB (%d streams)", perStream, streams)
	if perStream > 64 {
		t.Errorf("%.1f KiB per stream, want well under 64 KiB", perStream)
	}
}
