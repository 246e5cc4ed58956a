package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/stt"
)

type transcribeFlags struct {
	json     bool
	grammar  string
	phrases  []string
	config   string
	provider string
	language string
	channel  int
}

func newTranscribeCmd() *cobra.Command {
	var f transcribeFlags
	cmd := &cobra.Command{
		Use:   "transcribe [flags] in.wav",
		Short: "Recognise the speech in a WAV file with the configured recognizer",
		Long: `Recognise the speech in a WAV file (any sample rate; resampled to 16 kHz)
with the configured speech recognizer (pocketsphinx by default). The file is
cut into utterances by voice activity detection, as a live call is, and each
utterance is recognised in turn. --grammar constrains recognition to a JSGF
grammar; speech that does not fit it is recognised with open vocabulary.

With --json it prints {"text","words":[{"word","start_ms","end_ms"}],"rtf"},
where rtf is the processing time divided by the audio's duration.`,
		Example: `  parley transcribe call.wav
  parley transcribe --json --grammar digits.jsgf order-number.wav`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTranscribe(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print one JSON object")
	fl.StringVar(&f.grammar, "grammar", "", "JSGF grammar file constraining the answer")
	fl.StringSliceVar(&f.phrases, "phrase", nil, "phrase to favour (repeatable)")
	fl.StringVarP(&f.config, "config", "c", "", "configuration file (parley.yaml); default: built-in defaults")
	fl.StringVar(&f.provider, "provider", "", "recognizer to use instead of the configured chain: sphinx or openai")
	fl.StringVar(&f.language, "language", "", "language tag; default: the configuration's")
	fl.IntVar(&f.channel, "channel", -1, "channel to recognise (from 0); default: the mix of all channels")
	return cmd
}

// transcriptJSON is the --json output.
type transcriptJSON struct {
	Text  string     `json:"text"`
	Words []wordJSON `json:"words"`
	RTF   float64    `json:"rtf"`
}

type wordJSON struct {
	Word    string  `json:"word"`
	StartMS int64   `json:"start_ms"`
	EndMS   int64   `json:"end_ms"`
	Conf    float32 `json:"confidence,omitempty"`
}

func runTranscribe(ctx context.Context, stdout, stderr io.Writer, path string, f transcribeFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	if f.provider != "" {
		cfg.STT.Provider, cfg.STT.Fallback = f.provider, nil
	}
	lang := cfg.Language
	if f.language != "" {
		lang = f.language
	}
	hints := stt.Hints{Phrases: f.phrases}
	if f.grammar != "" {
		src, err := os.ReadFile(f.grammar)
		if err != nil {
			return fmt.Errorf("transcribe: --grammar: %w", err)
		}
		if _, err := stt.ParseGrammar(string(src)); err != nil {
			return fmt.Errorf("transcribe: %s: %w", f.grammar, err)
		}
		hints.Grammar = string(src)
	}
	pcm, dur, err := readVADInput(path, f.channel)
	if err != nil {
		return errors.New(strings.Replace(err.Error(), "vad:", "transcribe:", 1)) // same reader, this command's name
	}
	log := cliLogger(stderr)
	tr, closeTr, err := server.NewTranscriber(cfg.STT, log)
	if err != nil {
		return fmt.Errorf("transcribe: %w", err)
	}
	defer closeTr()
	det, err := vad.New(cfg.VAD, vad.WithLogger(log))
	if err != nil {
		return fmt.Errorf("transcribe: %w", err)
	}
	defer det.Close()
	began := time.Now()
	segs, err := vad.DetectSegments(ctx, det, pcm, cfg.VAD.Segmenter)
	if err != nil {
		return fmt.Errorf("transcribe: %s: %w", path, err)
	}
	res, err := transcribeSegments(ctx, tr, pcm, segs, lang, hints)
	if err != nil {
		return fmt.Errorf("transcribe: %s: %w", path, err)
	}
	if dur > 0 {
		res.RTF = time.Since(began).Seconds() / dur.Seconds()
	}
	if f.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	_, err = fmt.Fprintln(stdout, res.Text)
	return err
}

// transcribeSegments recognises each speech segment of pcm (16 kHz) in
// turn and joins the results, with word times from the start of pcm.
func transcribeSegments(ctx context.Context, tr stt.Transcriber, pcm []int16, segs []vad.Segment, lang string, hints stt.Hints) (transcriptJSON, error) {
	res := transcriptJSON{Words: []wordJSON{}}
	var texts []string
	for _, seg := range segs {
		from := min(audio.SamplesFor(audio.PipelineRate, seg.Start), len(pcm))
		to := min(audio.SamplesFor(audio.PipelineRate, seg.End), len(pcm))
		if to <= from {
			continue
		}
		t, err := tr.Transcribe(ctx, stt.Utterance{Audio: audio.Frame{Rate: audio.PipelineRate, Samples: pcm[from:to]},
			Language: lang, Hints: hints})
		if err != nil {
			return res, err
		}
		if t.Text = strings.TrimSpace(t.Text); t.Text != "" {
			texts = append(texts, t.Text)
		}
		for _, w := range t.Words {
			res.Words = append(res.Words, wordJSON{Word: w.Text, StartMS: (seg.Start + w.Start).Milliseconds(),
				EndMS: (seg.Start + w.End).Milliseconds(), Conf: w.Confidence})
		}
	}
	res.Text = strings.Join(texts, " ")
	return res, nil
}
