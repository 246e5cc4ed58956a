package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/internal/bench"
	"github.com/parley-voice/parley/pipeline/vad"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Parley's latency, pacing and resource use",
	}
	cmd.AddCommand(newBenchPipelineCmd())
	cmd.AddCommand(newBenchSpeechCmd())
	return cmd
}

func newBenchPipelineCmd() *cobra.Command {
	var (
		cfg      bench.PipelineConfig
		asJSON   bool
		detector string
		model    string
		profile  string
		memprof  string
	)
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Run N concurrent in-process calls with the real VAD and instant engines",
		Long: `Runs N concurrent calls in this process over a loopback transport. Each call
uses the real voice activity detector and instant scripted recognizer, agent
and synthesizer, and plays a scripted conversation: caller questions, pauses,
bot answers, and a caller who cuts the bot off. All calls share one 20 ms
pacer. Prints the pipeline's own turn overhead (end-of-turn decision to first
bot frame sent), the barge-in cut-off (caller speech onset to the last bot
frame sent), late frames, CPU, memory and allocations per frame.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.VAD = vad.DefaultConfig()
			if detector != "" {
				cfg.VAD.Detector = detector
			}
			cfg.VAD.ModelPath = model
			cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			if profile != "" {
				stop, err := startCPUProfile(profile)
				if err != nil {
					return err
				}
				defer stop()
			}
			if memprof != "" {
				runtime.MemProfileRate = 1 // every allocation, not a sample
			}
			r, err := bench.RunPipeline(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if memprof != "" {
				if err := writeAllocProfile(memprof); err != nil {
					return err
				}
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(r)
			}
			printPipelineReport(cmd, r)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Sessions, "sessions", 100, "number of concurrent calls")
	f.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long the calls run")
	f.DurationVar(&cfg.Warmup, "warmup", 5*time.Second, "initial part of the run left out of CPU, allocation and lateness figures")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&detector, "detector", "", "voice activity detector: silero, gated or energy (default gated)")
	f.StringVar(&model, "model", "", "Silero VAD model file (default models/silero_vad_v5.onnx or $PARLEY_MODELS)")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed for the calls' start offsets")
	f.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	f.StringVar(&memprof, "memprofile", "", "write an allocation profile of the run to this file (go tool pprof -sample_index=alloc_objects)")
	return cmd
}

// writeAllocProfile writes the heap profile, which holds every allocation
// site sampled since the process started, to path.
func writeAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("memory profile: %w", err)
	}
	runtime.GC() // the profile holds what the last completed collection saw
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("memory profile: %w", err)
	}
	return f.Close()
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func printPipelineReport(cmd *cobra.Command, r bench.PipelineReport) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "sessions              %d over %.0f s, detector %s\n", r.Sessions, r.DurationS, r.Detector)
	fmt.Fprintf(w, "turn overhead         p50 %.2f ms  p99 %.2f ms  (first audio ready p50 %.3f ms  p99 %.3f ms)\n",
		r.TurnOverheadP50, r.TurnOverheadP99, r.TurnReadyP50, r.TurnReadyP99)
	fmt.Fprintf(w, "barge-in cut-off      p50 %.1f ms  p95 %.1f ms  (decision p50 %.1f ms, stop after decision p95 %.1f ms)\n",
		r.BargeInCutoffP50, r.BargeInCutoffP95, r.BargeInDecideP50, r.BargeInStopP95)
	fmt.Fprintf(w, "late frames           %.3f%% (max %.1f ms)\n", r.LateFramesPct, r.MaxLateMs)
	fmt.Fprintf(w, "resources             %.2f cores, %.0f MiB RSS, %.3f allocs/frame (%.0f allocs/turn)\n", r.CPUCoresUsed, r.RSSMB, r.AllocsPerFrame, r.AllocsPerTurn)
	fmt.Fprintf(w, "turns %d, barge-ins %d, frames in %d out %d, dropped inbound %d, dropped events %d\n",
		r.Turns, r.BargeIns, r.FramesIn, r.FramesOut, r.DroppedInbound, r.DroppedEvents)
	if r.VADFallbackReason != "" {
		fmt.Fprintf(w, "VAD fell back to the energy detector: %s\n", r.VADFallbackReason)
	}
}
