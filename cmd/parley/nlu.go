package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/nlu"
)

// nluFlags are the flags shared by the nlu subcommands.
type nluFlags struct {
	intents   []string
	lang      string
	threshold float64
	json      bool
}

// addNLUFlags registers the shared flags on cmd.
func addNLUFlags(cmd *cobra.Command, f *nluFlags) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.intents, "intents", nil, "intent file, one per language (repeatable); default: "+strings.Join(nlu.DefaultIntentFiles(), " and ")+" when present")
	fl.StringVar(&f.lang, "lang", "", "language of the utterances (en, zh); default: detected (Han characters are zh)")
	fl.Float64Var(&f.threshold, "threshold", nlu.DefaultThreshold, "confidence below which an utterance is intent \"none\", in [0, 1]")
	fl.BoolVar(&f.json, "json", false, "print JSON")
}

func newNLUCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nlu",
		Short: "Understand caller utterances: intents, slots and entities",
		Long: `Understand caller utterances with the local parser: the intent of each
utterance, how sure it is, the slot values it carries and the entities
(numbers, money, dates, times, phone numbers, e-mail addresses) found in it,
in English and Mandarin. The parser trains on the intent files' examples
when it starts and needs no model files.`,
	}
	cmd.AddCommand(newNLUParseCmd(), newNLUEvalCmd())
	return cmd
}

func newNLUParseCmd() *cobra.Command {
	var f nluFlags
	var expect []string
	cmd := &cobra.Command{
		Use:   "parse [flags] < utterances.txt",
		Short: "Parse utterances read from stdin, one per line",
		Long: `Parse utterances read from stdin, one per line, and print what was
understood of each: a readable line, or with --json one JSON object per line:
{"text","language","intent","confidence","slots":{},"entities":[...],"ranking":[...],"source"}.`,
		Example: `  echo "where is my order four eight two seven one six three" | parley nlu parse --json
  parley nlu parse --intents my-intents.yaml < calls.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runNLUParse(cmdContext(cmd), cmd.InOrStdin(), cmd.OutOrStdout(), f, expect)
		},
	}
	addNLUFlags(cmd, &f)
	cmd.Flags().StringArrayVar(&expect, "expect", nil, "slot the utterances answer (repeatable), so that a bare answer fills it")
	return cmd
}

func newNLUEvalCmd() *cobra.Command {
	var f nluFlags
	var repeat int
	cmd := &cobra.Command{
		Use:   "eval [flags] FILE.jsonl",
		Short: "Score the parser on labelled utterances",
		Long: `Score the parser on a file of labelled utterances, one JSON object per
line: {"text": "...", "intent": "...", "slots": {...}}, with optional "lang",
"expect" and "intents". It prints intent accuracy, slot exact match (per
utterance and per slot), the intent confusions, the utterances it got wrong
and the parse latency; --json prints the same as one JSON object.`,
		Example: `  parley nlu eval nlu/testdata/heldout.en.jsonl
  parley nlu eval --json --repeat 20 nlu/testdata/heldout.zh.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNLUEval(cmdContext(cmd), cmd.OutOrStdout(), args[0], f, repeat)
		},
	}
	addNLUFlags(cmd, &f)
	cmd.Flags().IntVar(&repeat, "repeat", 1, "parse each utterance this many times, for steadier latency figures")
	return cmd
}

// cmdContext returns the command's context, or a background one.
func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// loadNLU builds the local parser from the flags.
func loadNLU(f nluFlags) (*nlu.Local, error) {
	files := f.intents
	if len(files) == 0 {
		for _, p := range nlu.DefaultIntentFiles() {
			if _, err := os.Stat(p); err == nil {
				files = append(files, p)
			}
		}
		if len(files) == 0 {
			return nil, errors.New("no intent files: pass --intents FILE (for example --intents examples/retail/intents.yaml), or run from the repository root")
		}
	}
	cfg := nlu.DefaultConfig()
	cfg.Intents, cfg.Threshold = files, f.threshold
	return nlu.Load(cfg)
}

func runNLUParse(ctx context.Context, stdin io.Reader, stdout io.Writer, f nluFlags, expect []string) error {
	p, err := loadNLU(f)
	if err != nil {
		return fmt.Errorf("nlu parse: %w", err)
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 0, 64*1024), 1<<20)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		text := strings.TrimSpace(in.Text())
		if text == "" {
			continue
		}
		res, err := p.Parse(ctx, text, nlu.ParseOptions{Language: f.lang, Expect: expect})
		if err != nil {
			return fmt.Errorf("nlu parse: %q: %w", text, err)
		}
		if f.json {
			err = enc.Encode(res)
		} else {
			_, err = fmt.Fprintln(out, readableResult(res))
		}
		if err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("nlu parse: reading stdin: %w", err)
	}
	return out.Flush()
}

// readableResult renders a result on one line:
// `order_status 0.93 order_number=4827163 | where is my order ...`.
func readableResult(r nlu.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %.2f", r.Intent, r.Confidence)
	names := make([]string, 0, len(r.Slots))
	for n := range r.Slots {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, " %s=%s", n, r.Slots[n])
	}
	b.WriteString(" | ")
	b.WriteString(r.Text)
	return b.String()
}

func runNLUEval(ctx context.Context, stdout io.Writer, path string, f nluFlags, repeat int) error {
	if repeat < 1 {
		return fmt.Errorf("nlu eval: --repeat must be at least 1, got %d", repeat)
	}
	p, err := loadNLU(f)
	if err != nil {
		return fmt.Errorf("nlu eval: %w", err)
	}
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("nlu eval: %w", err)
	}
	defer file.Close()
	rep, err := nlu.Evaluate(ctx, p, file, nlu.EvalOptions{Language: f.lang, Repeat: repeat})
	if err != nil {
		return fmt.Errorf("nlu eval: %s: %w", path, err)
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}
