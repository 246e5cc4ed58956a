package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
	"github.com/parley-voice/parley/pipeline/vad/vadeval"
)

// vadFlags are the options of `parley vad`.
type vadFlags struct {
	json     bool
	detector string
	model    string
	channel  int
}

// newVADCmd returns `parley vad`: the speech segments of a WAV file.
func newVADCmd() *cobra.Command {
	var f vadFlags
	cmd := &cobra.Command{
		Use:   "vad [--json] [--detector silero|gated|energy] [--model PATH] [--channel N] in.wav",
		Short: "Find the speech segments of a WAV file",
		Long: `Find where speech starts and ends in a WAV file, as the live call path does:
voice activity detection on 20 ms frames at 16 kHz, then segmentation with the
default thresholds (speech from 100 ms, ended by 300 ms of silence, 60 ms of
padding).

The file may be PCM16, 8-bit, mu-law or A-law at any rate; it is resampled to
16 kHz. Channels are mixed unless --channel picks one (a call recorded in
stereo usually has the caller on channel 0 and the agent on channel 1).

The Silero model is searched at models/silero_vad_v5.onnx and
$PARLEY_MODELS/silero_vad_v5.onnx (run make deps to install it); without it
the silero and gated detectors fall back to the energy detector, with a
warning on stderr.

With --json, one line: {"segments":[{"start_ms":..,"end_ms":..}]}.`,
		Example: `  parley vad call.wav
  parley vad --json --channel 0 recording.wav
  parley vad --detector energy --json in.wav`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVAD(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, `print {"segments":[{"start_ms","end_ms"}]} on one line`)
	fl.StringVar(&f.detector, "detector", vad.KindGated, "detector: silero, gated (Silero behind a cheap gate) or energy (pure Go)")
	fl.StringVar(&f.model, "model", "", "Silero model file (default: models/silero_vad_v5.onnx, then $PARLEY_MODELS)")
	fl.IntVar(&f.channel, "channel", -1, "channel to analyse, from 0; -1 mixes all channels")
	cmd.AddCommand(newVADEvalCmd())
	return cmd
}

// newVADEvalCmd returns `parley vad eval`: the labelled evaluation of the
// detectors, as the tests run it.
func newVADEvalCmd() *cobra.Command {
	var (
		asJSON, quick bool
		model         string
		detectors     []string
	)
	cmd := &cobra.Command{
		Use:   "eval [--json] [--quick] [--model PATH] [--detectors gated,silero,energy]",
		Short: "Score the voice activity detectors on synthesised, labelled audio",
		Long: `Synthesise speech with flite and espeak-ng (make deps installs both), label it
from the clean signal, mix it with white, pink and brown noise at 20, 10, 5 and
0 dB SNR, add noise, DTMF, chords and sweeps without speech, and print each
detector's frame-level precision, recall, F1, false-positive rate, onset delay
and CPU per second of audio. With --json, one object per result line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := vadeval.StandardOptions()
			if quick {
				opts = vadeval.QuickOptions()
			}
			return runVADEval(cmd.Context(), cmd.OutOrStdout(), model, detectors, opts, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&asJSON, "json", false, "print one JSON object per result line")
	fl.BoolVar(&quick, "quick", false, "a smaller set: 5 dB SNR in white and pink noise only")
	fl.StringVar(&model, "model", "", "Silero model file (default: models/silero_vad_v5.onnx, then $PARLEY_MODELS)")
	fl.StringSliceVar(&detectors, "detectors", []string{vad.KindGated, vad.KindSilero, vad.KindEnergy}, "detectors to score")
	return cmd
}

// runVADEval builds the evaluation set and scores the detectors on it.
func runVADEval(ctx context.Context, out io.Writer, model string, kinds []string, opts vadeval.Options, asJSON bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	synth, err := vadeval.NewSynthesizer()
	if err != nil {
		return err
	}
	var cands []vadeval.Candidate
	for _, kind := range kinds {
		cfg := vad.DefaultConfig()
		cfg.Detector, cfg.ModelPath = kind, model
		f, err := vad.NewFactory(cfg)
		if err != nil {
			return err
		}
		defer f.Close()
		if f.Kind() != kind {
			return fmt.Errorf("vad eval: detector %s needs the Silero model: %w", kind, f.Fallback())
		}
		cands = append(cands, vadeval.Candidate{Name: kind, New: f.New})
	}
	conds, err := vadeval.Build(ctx, synth, opts)
	if err != nil {
		return err
	}
	rep, err := vadeval.Run(ctx, cands, conds)
	if err != nil {
		return err
	}
	if asJSON {
		return rep.WriteJSONLines(out)
	}
	return rep.WriteTable(out)
}

// vadSegmentJSON is one segment in the --json output.
type vadSegmentJSON struct {
	StartMS int64 `json:"start_ms"`
	EndMS   int64 `json:"end_ms"`
}

// runVAD reads path, detects its speech segments and prints them to out.
func runVAD(ctx context.Context, out, errOut io.Writer, path string, f vadFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := vad.DefaultConfig()
	cfg.Detector, cfg.ModelPath = f.detector, f.model
	if err := cfg.Validate(); err != nil {
		return err
	}
	if f.model != "" {
		// A model named on the command line must be there: no fallback.
		if _, err := vad.ResolveModelPath(f.model); err != nil {
			return err
		}
	}
	pcm, dur, err := readVADInput(path, f.channel)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := vad.New(cfg, vad.WithLogger(logger))
	if err != nil {
		return err
	}
	defer d.Close()
	segs, err := vad.DetectSegments(ctx, d, pcm, cfg.Segmenter)
	if err != nil {
		return fmt.Errorf("vad: %s: %w", path, err)
	}
	if f.json {
		return writeVADJSON(out, segs)
	}
	return writeVADTable(out, segs, dur)
}

// readVADInput reads a WAV file and returns the selected channel (or the mix)
// at 16 kHz, with the file's duration.
func readVADInput(path string, channel int) ([]int16, time.Duration, error) {
	w, err := audio.ReadWAVFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, 0, fmt.Errorf("vad: %s: no such file", path)
	case errors.Is(err, audio.ErrMalformedWAV):
		return nil, 0, fmt.Errorf("vad: %w (is it a WAV file? convert with: sox in.mp3 -r 16000 -c 1 -b 16 out.wav)", err)
	case err != nil:
		return nil, 0, fmt.Errorf("vad: %w", err)
	}
	var pcm []int16
	if channel < 0 {
		pcm = w.Mono(nil)
	} else if pcm, err = w.Channel(nil, channel); err != nil {
		return nil, 0, fmt.Errorf("vad: --channel %d: %s has %d channel(s), numbered from 0", channel, path, w.Channels)
	}
	if w.Rate != audio.PipelineRate {
		if pcm, err = audio.Resample(nil, pcm, w.Rate, audio.PipelineRate); err != nil {
			return nil, 0, fmt.Errorf("vad: %s: %w", path, err)
		}
	}
	return pcm, w.Duration(), nil
}

func writeVADJSON(out io.Writer, segs []vad.Segment) error {
	res := struct {
		Segments []vadSegmentJSON `json:"segments"`
	}{Segments: make([]vadSegmentJSON, 0, len(segs))}
	for _, s := range segs {
		res.Segments = append(res.Segments, vadSegmentJSON{StartMS: s.Start.Milliseconds(), EndMS: s.End.Milliseconds()})
	}
	return json.NewEncoder(out).Encode(res)
}

func writeVADTable(out io.Writer, segs []vad.Segment, dur time.Duration) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "#\tstart\tend\tlength\t")
	var speech time.Duration
	for i, s := range segs {
		speech += s.End - s.Start
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t\n", i+1, seconds(s.Start), seconds(s.End), seconds(s.End-s.Start))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out, "%d segment(s), %s of speech in %s\n", len(segs), seconds(speech), seconds(dur))
	return err
}

// seconds formats d as seconds with millisecond precision.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }
