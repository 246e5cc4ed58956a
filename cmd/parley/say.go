package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/tts"
)

type sayFlags struct {
	out      string
	voice    string
	rate     int
	language string
	config   string
	provider string
	list     bool
}

func newSayCmd() *cobra.Command {
	var f sayFlags
	cmd := &cobra.Command{
		Use:   "say [flags] TEXT",
		Short: "Speak text with the configured speech synthesizer into a WAV file",
		Long: `Speak text with the configured speech synthesizer (flite by default) and
write it as a 16-bit mono WAV file. Without -o the WAV goes to standard
output, for a pipe such as "parley say hello | aplay".`,
		Example: `  parley say -o hello.wav "Your order ships on Monday."
  parley say --voice awb --rate 8000 -o awb.wav "Thanks for calling."
  parley say --provider espeak --language cmn -o zh.wav "您好"
  parley say --list`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.list {
				return nil
			}
			if len(args) == 0 || strings.TrimSpace(strings.Join(args, " ")) == "" {
				return errors.New("say: give the text to speak")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSay(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), strings.Join(args, " "), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "", "WAV file to write (default: standard output)")
	fl.StringVar(&f.voice, "voice", "", "voice name (see --list); default: the provider's default")
	fl.IntVar(&f.rate, "rate", 16000, "sample rate of the WAV in Hz: 8000, 16000, 24000 or 48000")
	fl.StringVar(&f.language, "language", "", "language tag (en, cmn/zh, de, ...); default: the configuration's")
	fl.StringVarP(&f.config, "config", "c", "", "configuration file (parley.yaml); default: built-in defaults")
	fl.StringVar(&f.provider, "provider", "", "synthesizer to use instead of the configured chain: flite, espeak or openai")
	fl.BoolVar(&f.list, "list", false, "list the voices and exit")
	return cmd
}

func runSay(ctx context.Context, stdout, stderr io.Writer, text string, f sayFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !audio.SupportedRate(f.rate) {
		return fmt.Errorf("say: --rate %d: use 8000, 16000, 24000 or 48000", f.rate)
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	if f.provider != "" {
		cfg.TTS.Provider, cfg.TTS.Fallback = f.provider, nil
	}
	if f.voice != "" {
		cfg.TTS.Voice = f.voice
	}
	lang := cfg.Language
	if f.language != "" {
		lang = f.language
	}
	synth, closeSynth, err := server.NewSynthesizer(cfg.TTS, cliLogger(stderr))
	if err != nil {
		return fmt.Errorf("say: %w", err)
	}
	defer closeSynth()
	if f.list {
		return listVoices(stdout, synth)
	}
	w := stdout
	if f.out != "" {
		file, err := os.Create(f.out)
		if err != nil {
			return fmt.Errorf("say: %w", err)
		}
		defer file.Close()
		w = file
	} else if isTerminal(stdout) {
		return errors.New("say: standard output is a terminal: write to a file with -o out.wav or pipe to a player")
	}
	pcm, err := synthesizeAll(ctx, synth, tts.Request{Text: text, Rate: f.rate, Language: lang, Voice: cfg.TTS.Voice})
	if err != nil {
		return fmt.Errorf("say: %w", err)
	}
	if err := audio.WriteWAV(w, f.rate, 1, pcm); err != nil {
		return fmt.Errorf("say: %w", err)
	}
	if f.out != "" {
		fmt.Fprintf(stderr, "wrote %s: %.2fs at %d Hz\n", f.out, float64(len(pcm))/float64(f.rate), f.rate)
	}
	return nil
}

// synthesizeAll collects the whole synthesis of req.
func synthesizeAll(ctx context.Context, s tts.Synthesizer, req tts.Request) ([]int16, error) {
	var pcm []int16
	err := s.Synthesize(ctx, req, tts.WriterFunc(func(c tts.Chunk) error {
		if c.Audio.Rate != req.Rate {
			return fmt.Errorf("synthesizer returned %d Hz audio for a %d Hz request", c.Audio.Rate, req.Rate)
		}
		pcm = append(pcm, c.Audio.Samples...)
		return nil
	}))
	if err != nil {
		return nil, err
	}
	if len(pcm) == 0 {
		return nil, errors.New("the synthesizer produced no audio for this text")
	}
	return pcm, nil
}

func listVoices(out io.Writer, s tts.Synthesizer) error {
	l, ok := s.(tts.VoiceLister)
	if !ok {
		return errors.New("say: this synthesizer cannot list its voices")
	}
	for _, v := range l.Voices() {
		if _, err := fmt.Fprintf(out, "%-24s %-8s %-7s %d Hz\n", v.Name, v.Language, v.Gender, v.Rate); err != nil {
			return err
		}
	}
	return nil
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loadConfig reads the configuration file, or returns the built-in
// defaults for an empty path.
func loadConfig(path string) (server.Config, error) {
	if path == "" {
		return server.DefaultConfig(), nil
	}
	return server.LoadConfig(path)
}

// cliLogger logs warnings and errors to w.
func cliLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
