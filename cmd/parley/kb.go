package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/disk"
	"github.com/parley-voice/parley/knowledge/hashed"
	"github.com/parley-voice/parley/knowledge/openai"
)

// kbFlags are the flags every kb subcommand shares.
type kbFlags struct {
	store    string
	embedder string
}

func (f *kbFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.store, "store", disk.DefaultPath, "knowledge store file (SQLite)")
	cmd.Flags().StringVar(&f.embedder, "embedder", "hashed", "embedder: hashed (no model needed) or openai (OPENAI_API_KEY, OPENAI_BASE_URL)")
}

func newKBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kb",
		Short: "Ingest and search the knowledge base the agent answers from",
		Long: `Ingest folders of help articles (Markdown, text, HTML) into the knowledge
store and search them as the agent does: a hybrid of BM25 and vector
ranking, fused by reciprocal rank.`,
	}
	cmd.AddCommand(newKBIngestCmd(), newKBSearchCmd(), newKBEvalCmd())
	return cmd
}

func newKBIngestCmd() *cobra.Command {
	var f kbFlags
	var rebuild, progress, asJSON bool
	cmd := &cobra.Command{
		Use:   "ingest [flags] DIR",
		Short: "Make the knowledge store mirror the articles in a folder",
		Long: `Ingest the .md, .txt and .html files below DIR into the knowledge store:
new files are added, changed files replaced, unchanged files (same SHA-256)
skipped, and documents whose file is gone removed. Articles under a zh/
folder, or mostly in Chinese characters, are Mandarin.`,
		Example: `  parley kb ingest examples/retail/kb
  parley kb ingest --store /var/lib/parley/knowledge.db --rebuild ./help-center`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKBIngest(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], f, rebuild, progress, asJSON)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "empty the store first and embed every file again (after changing embedders)")
	cmd.Flags().BoolVar(&progress, "progress", false, "print each file as it is ingested, on standard error")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	return cmd
}

func runKBIngest(ctx context.Context, stdout, stderr io.Writer, dir string, f kbFlags, rebuild, progress, asJSON bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var opts []knowledge.Option
	if rebuild {
		opts = append(opts, knowledge.WithRebuild())
	}
	if progress {
		opts = append(opts, knowledge.WithProgress(func(p knowledge.IngestProgress) {
			fmt.Fprintf(stderr, "[%d/%d] %-9s %s\n", p.Done, p.Total, p.Action, p.Path)
		}))
	}
	b, err := openKB(ctx, f, true, opts...)
	if err != nil {
		return err
	}
	defer b.Close()
	rep, err := b.Ingest(ctx, dir)
	if err != nil {
		return fmt.Errorf("kb ingest: %w", err)
	}
	for _, fe := range rep.Failed {
		fmt.Fprintf(stderr, "parley: kb ingest: skipped %v\n", fe)
	}
	if asJSON {
		return encodeJSON(stdout, struct {
			knowledge.IngestReport
			Failed []string `json:"failed,omitempty"`
		}{rep, failedPaths(rep)})
	}
	fmt.Fprintf(stdout, "added %d, updated %d, unchanged %d, removed %d, failed %d: %d chunks written, %d in the store (%v)\n",
		rep.Added, rep.Updated, rep.Unchanged, rep.Removed, len(rep.Failed), rep.Chunks, rep.TotalChunks, rep.Duration.Round(1e6))
	return nil
}

// encodeJSON writes v as one line of JSON, leaving '<', '>' and '&' as
// they are ("Returns > Fees").
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func failedPaths(rep knowledge.IngestReport) []string {
	var out []string
	for _, fe := range rep.Failed {
		out = append(out, fe.Path)
	}
	return out
}

// openKB opens the knowledge base of the store file, creating the file
// only when create is set.
func openKB(ctx context.Context, f kbFlags, create bool, opts ...knowledge.Option) (*knowledge.Base, error) {
	if !create {
		if _, err := os.Stat(f.store); err != nil {
			return nil, fmt.Errorf("no knowledge store at %s: run parley kb ingest DIR first, or pass --store", f.store)
		}
	}
	emb, err := newEmbedder(ctx, f.embedder)
	if err != nil {
		return nil, err
	}
	store, err := disk.Open(ctx, disk.WithPath(f.store))
	if err != nil {
		return nil, err
	}
	b, err := knowledge.Open(store, emb, opts...)
	if err != nil {
		store.Close()
		return nil, err
	}
	return b, nil
}

// newEmbedder returns the embedder named on the command line.
func newEmbedder(ctx context.Context, name string) (knowledge.Embedder, error) {
	switch name {
	case "hashed":
		return hashed.New()
	case "openai":
		return openai.New(ctx)
	}
	return nil, fmt.Errorf("unknown embedder %q: use hashed or openai", name)
}

// hitJSON is one hit of kb search --json.
type hitJSON struct {
	Doc     string  `json:"doc"`
	Heading string  `json:"heading"`
	Chunk   string  `json:"chunk"`
	Score   float64 `json:"score"`
}

func newKBSearchCmd() *cobra.Command {
	var f kbFlags
	var k int
	var lang string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search [flags] QUERY",
		Short: "Search the knowledge base as the agent does",
		Long: `Search the knowledge base for the chunks that answer QUERY, best first.
With --json it prints [{"doc","heading","chunk","score"}], where doc is the
article's path relative to the ingested folder and chunk the chunk's text.`,
		Example: `  parley kb search "how long do i have to return a jacket"
  parley kb search --json -k 3 --lang zh 退款多久到账`,
		Args: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(strings.Join(args, " ")) == "" {
				return errors.New("kb search: give the question to search for")
			}
			if k < 1 || k > knowledge.MaxK {
				return fmt.Errorf("kb search: -k must be in [1, %d], got %d", knowledge.MaxK, k)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKBSearch(cmd.Context(), cmd.OutOrStdout(), strings.Join(args, " "), f, k, lang, asJSON)
		},
	}
	f.register(cmd)
	cmd.Flags().IntVarP(&k, "k", "k", knowledge.DefaultK, "number of hits")
	cmd.Flags().StringVar(&lang, "lang", "", "search only articles in this language (en, zh); default: all")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the hits as a JSON array")
	return cmd
}

func runKBSearch(ctx context.Context, stdout io.Writer, query string, f kbFlags, k int, lang string, asJSON bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	b, err := openKB(ctx, f, false)
	if err != nil {
		return fmt.Errorf("kb search: %w", err)
	}
	defer b.Close()
	hits, err := b.Search(ctx, query, knowledge.SearchOptions{K: k, Language: lang})
	if err != nil {
		return fmt.Errorf("kb search: %w", err)
	}
	if asJSON {
		out := make([]hitJSON, len(hits))
		for i, h := range hits {
			out[i] = hitJSON{Doc: h.Doc, Heading: h.Heading, Chunk: h.Text, Score: h.Score}
		}
		return encodeJSON(stdout, out)
	}
	if len(hits) == 0 {
		fmt.Fprintln(stdout, "no hits")
		return nil
	}
	for i, h := range hits {
		fmt.Fprintf(stdout, "%d. %s  [%s]  score %.4f\n", i+1, h.Doc, h.Heading, h.Score)
		for _, line := range strings.Split(h.Text, "\n") {
			fmt.Fprintf(stdout, "   %s\n", line)
		}
	}
	return nil
}

func newKBEvalCmd() *cobra.Command {
	var f kbFlags
	var k int
	var lang string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval [flags] QUESTIONS.jsonl",
		Short: "Measure how often search finds the right article",
		Long: `Ask the knowledge base every question of a file of JSON lines
{"question": "...", "doc": "path.md"} and report how often the right
article is the first hit and among the first three, with search latency.`,
		Example: `  parley kb eval --lang en knowledge/testdata/questions.en.jsonl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKBEval(cmd.Context(), cmd.OutOrStdout(), args[0], f, k, lang, asJSON)
		},
	}
	f.register(cmd)
	cmd.Flags().IntVarP(&k, "k", "k", 3, "hits per question")
	cmd.Flags().StringVar(&lang, "lang", "", "search only articles in this language (en, zh)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	return cmd
}

func runKBEval(ctx context.Context, stdout io.Writer, path string, f kbFlags, k int, lang string, asJSON bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("kb eval: %w", err)
	}
	qs, err := knowledge.ReadQuestions(file)
	file.Close()
	if err != nil {
		return fmt.Errorf("kb eval: %s: %w", path, err)
	}
	b, err := openKB(ctx, f, false)
	if err != nil {
		return fmt.Errorf("kb eval: %w", err)
	}
	defer b.Close()
	rep, err := knowledge.Evaluate(ctx, b, qs, knowledge.EvalOptions{Language: lang, K: k})
	if err != nil {
		return fmt.Errorf("kb eval: %w", err)
	}
	if asJSON {
		return encodeJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "%d questions: top-1 %.3f, top-3 %.3f, MRR %.3f, latency p50 %v, p99 %v\n",
		rep.Questions, rep.Top1, rep.Top3, rep.MRR, rep.P50, rep.P99)
	for _, m := range rep.Misses {
		fmt.Fprintf(stdout, "miss: %q: want %s, got %s\n", m.Question.Question, m.Doc, strings.Join(m.Got, ", "))
	}
	return nil
}
