package recording

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tone returns a 20 ms frame of a sine at hz, starting at sample offset
// off of the tone.
func tone(hz float64, off int) []int16 {
	s := make([]int16, slotSamples)
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(off+i)/audio.PipelineRate))
	}
	return s
}

// harness drives a Recording's two writers like a session does.
type harness struct {
	t     *testing.T
	clock *pipelinetest.Clock
	rec   *Recording
	in    pipeline.AudioWriter
	out   pipeline.AudioWriter
}

func newHarness(t *testing.T, path string, cfg Config, opts ...Option) *harness {
	t.Helper()
	clock := pipelinetest.NewClock(time.Time{})
	r, err := New(path, cfg, append([]Option{WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	var c pipeline.Interceptor = r
	nop := pipeline.AudioWriterFunc(func(audio.Frame) error { return nil })
	info := pipeline.StreamInfo{CallID: "c", Rate: audio.PipelineRate}
	return &harness{t: t, clock: clock, rec: r, in: c.BindInbound(info, nop), out: c.BindOutbound(info, nop)}
}

// step advances the clock one frame and hands over the given frames (nil
// for none on that side).
func (h *harness) step(caller, bot []int16) {
	h.clock.Advance(audio.FrameDuration)
	if caller != nil {
		if err := h.in.WriteAudio(audio.Frame{Rate: audio.PipelineRate, Samples: caller}); err != nil {
			h.t.Fatal(err)
		}
	}
	if bot != nil {
		if err := h.out.WriteAudio(audio.Frame{Rate: audio.PipelineRate, Samples: bot}); err != nil {
			h.t.Fatal(err)
		}
	}
}

func readChannels(t *testing.T, path string) (left, right []int16, rate int) {
	t.Helper()
	w, err := audio.ReadWAVFile(path)
	if err != nil {
		t.Fatalf("recording is not a readable WAV file: %v", err)
	}
	if w.Channels != 2 {
		t.Fatalf("%d channels, want 2", w.Channels)
	}
	left, _ = w.Channel(nil, 0)
	right, _ = w.Channel(nil, 1)
	return left, right, w.Rate
}

// loud reports which 20 ms frames (at rate) of s carry sound.
func loud(s []int16, rate int) []bool {
	n := rate / 50
	var out []bool
	for i := 0; i+n <= len(s); i += n {
		var e float64
		for _, v := range s[i : i+n] {
			e += float64(v) * float64(v)
		}
		out = append(out, math.Sqrt(e/float64(n)) > 1000)
	}
	return out
}

func spans(flags []bool) [][2]int {
	var out [][2]int
	for i := 0; i < len(flags); i++ {
		if flags[i] {
			j := i
			for j < len(flags) && flags[j] {
				j++
			}
			out = append(out, [2]int{i, j})
			i = j
		}
	}
	return out
}

func TestChannelsAndAlignment(t *testing.T) {
	silence := make([]int16, slotSamples)
	cases := []struct {
		name      string
		rate      int
		botFrom   int // first frame the bot side hands over
		callerOn  [2]int
		botOn     [2]int
		wantFrame int // frames in the file
	}{
		{"both sides from the start", 16000, 0, [2]int{10, 20}, [2]int{30, 40}, 60},
		{"bot side starts late", 16000, 5, [2]int{10, 20}, [2]int{30, 40}, 60},
		{"overlapping speech", 16000, 0, [2]int{10, 30}, [2]int{20, 40}, 60},
		{"8 kHz files", 8000, 0, [2]int{10, 20}, [2]int{30, 40}, 60},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "call.wav")
			cfg := DefaultConfig()
			cfg.Rate = c.rate
			h := newHarness(t, path, cfg)
			for i := range c.wantFrame {
				caller, bot := silence, silence
				if i >= c.callerOn[0] && i < c.callerOn[1] {
					caller = tone(440, i*slotSamples)
				}
				if i >= c.botOn[0] && i < c.botOn[1] {
					bot = tone(1000, i*slotSamples)
				}
				if i < c.botFrom {
					bot = nil
				}
				h.step(caller, bot)
			}
			if err := h.rec.Close(); err != nil {
				t.Fatal(err)
			}
			left, right, rate := readChannels(t, path)
			if rate != c.rate {
				t.Fatalf("rate %d, want %d", rate, c.rate)
			}
			if got := len(left) * 50 / rate; got < c.wantFrame || got > c.wantFrame+1 {
				t.Errorf("%d frames in the file, want %d", got, c.wantFrame)
			}
			// 8 kHz: the filter smears an edge over at most one frame.
			wantSpan := func(got [][2]int, want [2]int, ch string) {
				t.Helper()
				if len(got) != 1 || abs(got[0][0]-want[0]) > slack(rate) || abs(got[0][1]-want[1]) > slack(rate) {
					t.Errorf("%s channel sounds in frames %v, want %v", ch, got, want)
				}
			}
			wantSpan(spans(loud(left, rate)), c.callerOn, "left (caller)")
			wantSpan(spans(loud(right, rate)), c.botOn, "right (bot)")
			if st := h.rec.Stats(); st.CallerDropped+st.BotDropped != 0 || st.CallerFrames != uint64(c.wantFrame) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func slack(rate int) int {
	if rate == audio.PipelineRate {
		return 0
	}
	return 1
}

func abs(x int) int { return max(x, -x) }

func TestGapsAreSilence(t *testing.T) {
	cases := []struct {
		name     string
		gap      [2]int // caller frames not handed over
		wantLoud [][2]int
	}{
		{"a hold of a second", [2]int{10, 60}, [][2]int{{0, 10}, {60, 80}}},
		{"a burst of loss", [2]int{10, 18}, [][2]int{{0, 10}, {18, 80}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "call.wav")
			h := newHarness(t, path, DefaultConfig())
			bot := make([]int16, slotSamples)
			for i := range 80 {
				caller := tone(440, 0)
				if i >= c.gap[0] && i < c.gap[1] {
					caller = nil
				}
				h.step(caller, bot)
			}
			if err := h.rec.Close(); err != nil {
				t.Fatal(err)
			}
			left, _, _ := readChannels(t, path)
			got := spans(loud(left, audio.PipelineRate))
			if len(got) != len(c.wantLoud) {
				t.Fatalf("caller audio in frames %v, want %v", got, c.wantLoud)
			}
			for i, w := range c.wantLoud {
				// The gap is found once it exceeds the 100 ms tolerance: the
				// audio after it is within 5 frames of its place.
				if abs(got[i][0]-w[0]) > 5 || abs(got[i][1]-w[1]) > 5 {
					t.Fatalf("caller audio in frames %v, want %v", got, c.wantLoud)
				}
			}
		})
	}
}

func TestTimelineFollowsTheClock(t *testing.T) {
	// The bot's frames come every 25 ms of the clock (a pacer that falls
	// behind and skips), the caller's every 20 ms: both channels still
	// cover the call's duration, within the tolerance.
	path := filepath.Join(t.TempDir(), "call.wav")
	cfg := DefaultConfig()
	cfg.Buffer = 10 * time.Second // the test hands frames over faster than real time
	h := newHarness(t, path, cfg)
	frame := tone(440, 0)
	for i := range 200 {
		h.clock.Advance(20 * time.Millisecond)
		h.in.WriteAudio(audio.Frame{Rate: audio.PipelineRate, Samples: frame})
		if i%5 != 4 { // 4 bot frames per 5 ticks
			h.out.WriteAudio(audio.Frame{Rate: audio.PipelineRate, Samples: frame})
		}
	}
	if err := h.rec.Close(); err != nil {
		t.Fatal(err)
	}
	if st := h.rec.Stats(); st.CallerDropped+st.BotDropped > 0 {
		t.Fatalf("frames dropped: %+v", st)
	}
	left, right, _ := readChannels(t, path)
	if n := len(left) / slotSamples; n < 195 || n > 205 {
		t.Fatalf("the file holds %d frames for 200 frames of call", n)
	}
	lastBot := spans(loud(right, audio.PipelineRate))
	if len(lastBot) == 0 || lastBot[len(lastBot)-1][1] < 195 {
		t.Errorf("bot audio spans %v: it fell behind the clock", lastBot)
	}
}

// blockingFile is a disk that stalls every write until released.
type blockingFile struct {
	mu      sync.Mutex
	release chan struct{}
	writes  int
	data    []byte
}

func (f *blockingFile) Write(p []byte) (int, error) {
	<-f.release
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	f.data = append(f.data, p...)
	return len(p), nil
}

func (f *blockingFile) Close() error { return nil }

func TestSlowDiskDropsInsteadOfStalling(t *testing.T) {
	disk := &blockingFile{release: make(chan struct{})}
	cfg := DefaultConfig()
	cfg.Buffer = 200 * time.Millisecond // 10 frames per side
	h := newHarness(t, "slow.wav", cfg, WithCreate(func(string) (File, error) { return disk, nil }))
	frame := tone(440, 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 { // 2 s of audio against a disk that takes none
			h.step(frame, frame)
		}
	}()
	if !pipelinetest.Poll(10*time.Second, func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}) {
		t.Fatal("the media path stalled behind the slow disk")
	}
	st := h.rec.Stats()
	if st.CallerDropped < 80 || st.BotDropped < 80 {
		t.Fatalf("stats %+v: want most frames dropped and counted", st)
	}
	close(disk.release)
	if err := h.rec.Close(); err != nil {
		t.Fatal(err)
	}
	// The file holds the whole call: the dropped frames as silence.
	w, err := audio.ReadWAV(bytes.NewReader(disk.data))
	if err != nil {
		t.Fatal(err)
	}
	if w.Frames() != 100*slotSamples {
		t.Errorf("%d sample frames, want %d", w.Frames(), 100*slotSamples)
	}
}

func TestCrashLeavesReadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	cfg := DefaultConfig()
	cfg.FlushInterval = 100 * time.Millisecond
	h := newHarness(t, path, cfg, WithWriteInterval(20*time.Millisecond))
	for i := range 50 {
		h.step(tone(440, i*slotSamples), tone(1000, i*slotSamples))
	}
	// Without Close (a crash), the file on disk is readable and holds
	// most of the audio once the writer has caught up.
	pipelinetest.Eventually(t, func() bool {
		h.clock.Advance(0)
		w, err := audio.ReadWAVFile(path)
		return err == nil && w.Frames() >= 40*slotSamples
	}, "the recording on disk is not readable while the call runs")
	if err := h.rec.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCreateFailure(t *testing.T) {
	boom := errors.New("read-only file system")
	h := newHarness(t, "x.wav", DefaultConfig(), WithCreate(func(string) (File, error) { return nil, boom }))
	for range 20 {
		h.step(tone(440, 0), tone(440, 0))
	}
	err := h.rec.Close()
	if !errors.Is(err, ErrWrite) || !errors.Is(err, boom) {
		t.Fatalf("Close: %v, want ErrWrite wrapping the cause", err)
	}
	if h.rec.Stats().Written != 0 {
		t.Errorf("written %v", h.rec.Stats().Written)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"default", func(*Config) {}, ""},
		{"disabled without dir", func(c *Config) { c.Enabled, c.Dir = false, "" }, ""},
		{"no dir", func(c *Config) { c.Dir = "" }, "dir"},
		{"rate", func(c *Config) { c.Rate = 44100 }, "rate"},
		{"buffer", func(c *Config) { c.Buffer = time.Millisecond }, "buffer"},
		{"flush", func(c *Config) { c.FlushInterval = 2 * time.Hour }, "flush_interval"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.edit(&cfg)
			err := cfg.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("Validate: %v, want an ErrConfig naming %s", err, c.field)
			}
		})
	}
}

// BenchmarkInterceptor measures the media paths' cost per frame: one
// caller and one bot frame per iteration, on a clock that moves 20 ms per
// iteration as a call's does.
func BenchmarkInterceptor(b *testing.B) {
	dir := b.TempDir()
	clock := pipelinetest.NewClock(time.Time{})
	r, err := New(filepath.Join(dir, "bench.wav"), DefaultConfig(), WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		r.Close()
		os.Remove(filepath.Join(dir, "bench.wav"))
	}()
	nop := pipeline.AudioWriterFunc(func(audio.Frame) error { return nil })
	info := pipeline.StreamInfo{CallID: "b", Rate: audio.PipelineRate}
	in, out := r.BindInbound(info, nop), r.BindOutbound(info, nop)
	f := audio.Frame{Rate: audio.PipelineRate, Samples: tone(440, 0)}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		clock.Advance(audio.FrameDuration)
		in.WriteAudio(f)
		out.WriteAudio(f)
	}
}
