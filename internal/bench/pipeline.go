// Package bench measures Parley end to end: `parley bench pipeline` runs many
// concurrent calls in-process over a loopback transport, with the real voice
// activity detector and instant scripted engines, and reports the pipeline's
// own latency, its barge-in cut-off, pacing accuracy and resource use.
package bench

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/pipeline/vad"
)

// Caller utterances spoken by flite voices (slt, rms, awb), 16 kHz mono, with
// leading and trailing silence trimmed so that a clip's first sample is the
// caller's true speech onset.
//
//go:embed clips/*.wav
var clipFS embed.FS

// PipelineConfig configures a pipeline benchmark run.
type PipelineConfig struct {
	// Sessions is the number of concurrent calls. Default 100.
	Sessions int
	// Duration is how long the calls run after they all started; the
	// first Warmup of it is not measured. Default 60s.
	Duration time.Duration
	// Warmup is excluded from the allocation, CPU and lateness figures.
	// Default 5s (or a fifth of Duration if that is less).
	Warmup time.Duration
	// VAD configures the detector each call runs (the product's default
	// when zero).
	VAD vad.Config
	// Turn configures turn-taking (the product's default when zero).
	Turn pipeline.TurnConfig
	// Logger receives warnings such as a VAD fallback; nil discards.
	Logger *slog.Logger
	// Seed makes the calls' start offsets reproducible.
	Seed uint64
}

// PipelineReport is the result of a run, printed as JSON by
// `parley bench pipeline --json`. Times are in milliseconds. The Silero
// figures describe the batched inference over the measured window: the
// windows scored per second over all calls, and the mean windows per
// inference (0 for both when no model ran). AllocsPerFrame divides every
// allocation the process made in the measured window by the frames the calls
// moved; the per-frame audio path itself does not allocate (see the
// -benchmem benchmarks of pipeline and pipeline/vad), so what it counts is
// per-turn work (turn contexts, events, transcripts), which AllocsPerTurn
// divides by the turns and barge-ins instead.
type PipelineReport struct {
	Sessions          int     `json:"sessions"`
	DurationS         float64 `json:"duration_s"`
	Detector          string  `json:"detector"`
	TurnOverheadP50   float64 `json:"turn_overhead_ms_p50"`
	TurnOverheadP99   float64 `json:"turn_overhead_ms_p99"`
	TurnReadyP50      float64 `json:"turn_ready_ms_p50"`
	TurnReadyP99      float64 `json:"turn_ready_ms_p99"`
	BargeInCutoffP50  float64 `json:"bargein_cutoff_ms_p50"`
	BargeInCutoffP95  float64 `json:"bargein_cutoff_ms_p95"`
	BargeInDecideP50  float64 `json:"bargein_decision_ms_p50"`
	BargeInStopP95    float64 `json:"bargein_stop_after_decision_ms_p95"`
	LateFramesPct     float64 `json:"late_frames_pct"`
	MaxLateMs         float64 `json:"max_late_ms"`
	CPUCoresUsed      float64 `json:"cpu_cores_used"`
	RSSMB             float64 `json:"rss_mb"`
	AllocsPerFrame    float64 `json:"allocs_per_frame"`
	AllocsPerTurn     float64 `json:"allocs_per_turn"`
	SileroBatchMean   float64 `json:"silero_batch_mean"`
	SileroWindowsPerS float64 `json:"silero_windows_per_s"`
	Turns             int     `json:"turns"`
	BargeIns          int     `json:"bargeins"`
	FramesIn          int64   `json:"frames_in"`
	FramesOut         int64   `json:"frames_out"`
	DroppedEvents     uint64  `json:"dropped_events"`
	DroppedInbound    uint64  `json:"dropped_inbound_frames"`
	VADFallbackReason string  `json:"vad_fallback,omitempty"`
}

// callerClips returns the embedded caller utterances as 16 kHz PCM, in the
// order the scripted conversation uses them.
func callerClips() ([][]int16, error) {
	names := []string{"return-jacket.wav", "actually-wait.wav", "where-is-my-order.wav"}
	out := make([][]int16, len(names))
	for i, n := range names {
		f, err := clipFS.Open("clips/" + n)
		if err != nil {
			return nil, err
		}
		w, err := audio.ReadWAV(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("bench: clip %s: %w", n, err)
		}
		pcm := w.Mono(nil)
		if w.Rate != audio.PipelineRate {
			if pcm, err = audio.Resample(nil, pcm, w.Rate, audio.PipelineRate); err != nil {
				return nil, fmt.Errorf("bench: clip %s: %w", n, err)
			}
		}
		out[i] = pcm
	}
	return out, nil
}

// utterances is what the scripted recognizer hears for each clip, in order.
func utterances() []string {
	return []string{
		"I want to return the jacket I bought last week.",
		"Actually, wait, I need to talk about something else.",
		"Where is my order? It has not arrived yet.",
	}
}

// botAnswer is long enough (about 4.6 s of bot speech at 8 frames a word) that
// the caller's second utterance lands in the middle of it.
func botAnswer(req pipeline.AgentRequest) []pipeline.Response {
	return pipelinetest.Say(
		"Sure, I can help you with that today.",
		"Could you tell me the order number printed on your receipt, please?",
		"It starts with the letter R and has seven digits.",
	)
}

// conversation builds one caller's script: it repeats a cycle of a question,
// an interruption of the bot's answer, and a question the bot answers in
// full, until total has passed.
func conversation(clips [][]int16, offset, total time.Duration) (*pipelinetest.Script, int) {
	segs := []pipelinetest.Segment{pipelinetest.Pause(offset)}
	elapsed := offset
	n := 0
	for elapsed < total {
		cycle := []pipelinetest.Segment{
			pipelinetest.Voice(clips[0]),
			// The bot starts about 0.4-0.8 s after the caller stops and
			// is still talking 2 s later: the caller cuts in.
			pipelinetest.Pause(2 * time.Second),
			pipelinetest.Voice(clips[1]),
			// The bot answers in full (about 4.6 s).
			pipelinetest.Pause(7 * time.Second),
			pipelinetest.Voice(clips[2]),
			pipelinetest.Pause(7 * time.Second),
		}
		for _, s := range cycle {
			segs = append(segs, s)
			if s.Dur > 0 {
				elapsed += s.Dur
			} else {
				elapsed += time.Duration(len(s.Samples)) * time.Second / audio.PipelineRate
			}
		}
		n += 3
	}
	return pipelinetest.NewScript(segs...), n
}

// call is one benchmarked call.
type call struct {
	session  *pipeline.Session
	loop     *pipelinetest.Loopback
	sub      *pipeline.Subscription
	pacer    *audio.PacerSession
	paced    atomic.Pointer[audio.PacerSession] // pacer, for the audio-ready hook
	mu       sync.Mutex                         // guards metrics
	metrics  []pipeline.TurnMetrics
	bargeIns int
	wg       sync.WaitGroup
}

func (c *call) collect() {
	defer c.wg.Done()
	for ev := range c.sub.Events() {
		switch e := ev.(type) {
		case pipeline.TurnMetricsEvent:
			c.mu.Lock()
			c.metrics = append(c.metrics, e.Metrics)
			c.mu.Unlock()
		case pipeline.BargeInEvent:
			c.mu.Lock()
			c.bargeIns++
			c.mu.Unlock()
		}
	}
}

// RunPipeline runs the benchmark and returns its report. It stops early, with
// ctx's error, when ctx is cancelled.
func RunPipeline(ctx context.Context, cfg PipelineConfig) (PipelineReport, error) {
	cfg = cfg.withDefaults()
	clips, err := callerClips()
	if err != nil {
		return PipelineReport{}, err
	}
	factory, err := vad.NewFactory(cfg.VAD, vad.WithLogger(cfg.Logger))
	if err != nil {
		return PipelineReport{}, err
	}
	defer factory.Close()
	pacer, err := audio.NewPacer(audio.WithPacerLogger(cfg.Logger))
	if err != nil {
		return PipelineReport{}, err
	}
	defer pacer.Close()

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	calls := make([]*call, 0, cfg.Sessions)
	defer func() {
		for _, c := range calls {
			c.close()
		}
	}()
	for i := range cfg.Sessions {
		c, err := startCall(ctx, cfg, factory, pacer, clips, i, rng)
		if err != nil {
			return PipelineReport{}, err
		}
		calls = append(calls, c)
	}
	return measure(ctx, cfg, factory, pacer, calls)
}

func startCall(ctx context.Context, cfg PipelineConfig, factory *vad.Factory, pacer *audio.Pacer,
	clips [][]int16, i int, rng *rand.Rand) (*call, error) {
	det, err := factory.New()
	if err != nil {
		return nil, err
	}
	offset := time.Duration(rng.Int64N(int64(3 * time.Second))).Round(audio.FrameDuration)
	script, n := conversation(clips, offset, cfg.Duration+5*time.Second)
	said := make([]string, 0, n)
	for len(said) < n {
		said = append(said, utterances()...)
	}
	c := &call{}
	sess, err := pipeline.NewSession(ctx, pipeline.Config{Turn: cfg.Turn},
		pipeline.WithCallID(fmt.Sprintf("bench-%04d", i)),
		pipeline.WithLogger(cfg.Logger),
		pipeline.WithDetector(det),
		// A final result 250 ms after the speech, as a streaming engine
		// gives it: the pauses between words inside a clip are shorter,
		// so each clip is one utterance.
		pipeline.WithRecognizer(&pipelinetest.Recognizer{Utterances: said, FinalAfter: 250 * time.Millisecond}),
		pipeline.WithAgent(&pipelinetest.Agent{Reply: botAnswer}),
		pipeline.WithSynthesizer(&pipelinetest.Synthesizer{FramesPerWord: 8}),
		pipeline.WithFlusher(pipeline.FlusherFunc(func() { c.loop.Flush() })),
		// Start each bot talkspurt at the next pacer sub-tick, as a
		// transport does, rather than at the call's old slot.
		pipeline.WithAudioReady(func() {
			if ps := c.paced.Load(); ps != nil {
				ps.Kick()
			}
		}),
	)
	if err != nil {
		det.Close()
		return nil, err
	}
	c.session = sess
	c.loop = pipelinetest.NewLoopback(sess, script, 4096)
	c.sub = sess.Subscribe(1024)
	c.wg.Add(1)
	go c.collect()
	c.pacer, err = pacer.Register(func(t audio.Tick) {
		// Step at the real time of the send, so that lateness and
		// onsets are measured as a transport would see them.
		_, _ = c.loop.StepScheduled(t.Scheduled, time.Now())
	})
	if err != nil {
		c.close()
		return nil, err
	}
	c.paced.Store(c.pacer)
	return c, nil
}

func (c *call) close() {
	if c.pacer != nil {
		c.paced.Store(nil)
		c.pacer.Unregister()
		<-c.pacer.Done()
		c.pacer = nil
	}
	if c.session != nil {
		c.session.Close()
		c.session = nil
	}
	if c.sub != nil {
		c.sub.Close()
		c.wg.Wait()
		c.sub = nil
	}
}

func (cfg PipelineConfig) withDefaults() PipelineConfig {
	if cfg.Sessions <= 0 {
		cfg.Sessions = 100
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 60 * time.Second
	}
	if cfg.Warmup <= 0 {
		cfg.Warmup = min(5*time.Second, cfg.Duration/5)
	}
	if cfg.VAD.Detector == "" && cfg.VAD.Segmenter.OnsetThreshold == 0 {
		cfg.VAD = vad.DefaultConfig()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// percentile returns the p-th percentile (0-100) of xs by the nearest-rank
// method; 0 for no samples. xs is sorted in place.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	k := int(float64(len(xs))*p/100+0.999999) - 1
	return xs[max(0, min(k, len(xs)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// sampleRuntime reads the process's cumulative allocations.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}
