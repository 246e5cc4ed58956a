package knowledge_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/hashed"
	"github.com/parley-voice/parley/knowledge/knowledgetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// write writes files (path -> content) under dir.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newBase opens a Base over a memory store with the hashed embedder and a
// fixed clock.
func newBase(t *testing.T, store knowledge.Store, opts ...knowledge.Option) (*knowledge.Base, *hashed.Embedder) {
	t.Helper()
	emb, err := hashed.New()
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.UnixMilli(1767225600000).UTC() }
	b, err := knowledge.Open(store, emb, append([]knowledge.Option{knowledge.WithNow(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, emb
}

func docs(hits []knowledge.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Doc)
	}
	return out
}

func TestIngestIncremental(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"returns.md":        "# Returns\n\n## Window\n\nReturn unworn items within 30 days.",
		"gift-cards.html":   "<h1>Gift cards</h1><p>Gift cards never expire.</p>",
		"zh/refunds.md":     "# 退款\n\n信用卡退款需要三到五个工作日。",
		"notes.txt":         "Store pickup orders are held for seven days.",
		".hidden/secret.md": "# Secret\n\nnot ingested",
		"image.png":         "\x89PNG",
	})
	store := knowledgetest.NewMemStore()
	var progress []knowledge.IngestProgress
	b, _ := newBase(t, store, knowledge.WithProgress(func(p knowledge.IngestProgress) { progress = append(progress, p) }))

	rep, err := b.Ingest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 4 || rep.Updated+rep.Unchanged+rep.Removed != 0 || rep.Chunks != rep.TotalChunks || rep.TotalChunks < 4 {
		t.Fatalf("first ingest %+v, want 4 added", rep)
	}
	if len(progress) != 4 || progress[3].Done != 4 || progress[3].Total != 4 || progress[0].Action != "added" {
		t.Errorf("progress %+v", progress)
	}
	stored, _ := store.Documents(ctx)
	if d := stored["zh/refunds.md"]; d.Language != "zh" || d.Title != "退款" || len(d.Hash) != 64 || !d.Ingested.Equal(time.UnixMilli(1767225600000)) {
		t.Errorf("stored document %+v", d)
	}

	// Change one file, delete one, add one, leave the rest.
	write(t, dir, map[string]string{"returns.md": "# Returns\n\n## Window\n\nReturn unworn items within 45 days.", "new.md": "# Exchanges\n\nSwap sizes for free."})
	if err := os.Remove(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
	rep, err = b.Ingest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || rep.Updated != 1 || rep.Unchanged != 2 || rep.Removed != 1 {
		t.Errorf("second ingest %+v, want 1 added, 1 updated, 2 unchanged, 1 removed", rep)
	}
	hits, err := b.Search(ctx, "how many days to return", knowledge.SearchOptions{K: 1})
	if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Text, "45 days") {
		t.Errorf("search after the change = %+v, %v; want the new text", hits, err)
	}
	if hits, _ := b.Search(ctx, "pickup orders held", knowledge.SearchOptions{}); len(hits) > 0 && hits[0].Doc == "notes.txt" {
		t.Errorf("the removed file is still found: %v", docs(hits))
	}
}

func TestIngestFailures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{"ok.md": "# OK\n\nfine", "big.md": strings.Repeat("x", 5000)})
	cfg := knowledge.DefaultConfig()
	cfg.MaxFileBytes = 4096
	b, _ := newBase(t, knowledgetest.NewMemStore(), knowledge.WithConfig(cfg))
	rep, err := b.Ingest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || len(rep.Failed) != 1 || rep.Failed[0].Path != "big.md" || !errors.Is(rep.Failed[0], knowledge.ErrFile) {
		t.Errorf("report %+v, want ok.md added and big.md failed", rep)
	}
	for _, tc := range []struct {
		desc string
		dir  string
	}{
		{"missing folder", filepath.Join(dir, "nope")},
		{"a file", filepath.Join(dir, "ok.md")},
	} {
		if _, err := b.Ingest(ctx, tc.dir); !errors.Is(err, knowledge.ErrNotFolder) {
			t.Errorf("%s: Ingest = %v, want ErrNotFolder", tc.desc, err)
		}
	}
	// A failed walk must not remove what is stored.
	if b.Len() == 0 {
		t.Error("a failed ingest emptied the base")
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"returns.md":    "# Returns Policy\n\n## How long you have\n\nYou can return items within 30 days of delivery.\n\n## Fees\n\nA return by mail costs $5.95.",
		"shipping.md":   "# Shipping\n\n## Speeds\n\nStandard Ground takes 4 to 7 business days.",
		"zh/returns.md": "# 退货政策\n\n## 退货期限\n\n自签收之日起 30 天内可以退货。",
	})
	b, _ := newBase(t, knowledgetest.NewMemStore())
	if _, err := b.Ingest(ctx, dir); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc    string
		query   string
		opts    knowledge.SearchOptions
		first   string
		maxHits int
	}{
		{"English question", "how long do i have to send something back", knowledge.SearchOptions{}, "returns.md", 5},
		{"spoken numbers match digits", "is it thirty days", knowledge.SearchOptions{Language: "en"}, "returns.md", 5},
		{"language filter", "退货期限", knowledge.SearchOptions{Language: "zh-CN"}, "zh/returns.md", 1},
		{"K limits the hits", "return", knowledge.SearchOptions{K: 1}, "returns.md", 1},
		{"a language without articles", "return", knowledge.SearchOptions{Language: "fr"}, "", 0},
		{"blank query", "   ", knowledge.SearchOptions{}, "", 0},
	}
	for _, tc := range tests {
		hits, err := b.Search(ctx, tc.query, tc.opts)
		if err != nil {
			t.Errorf("%s: %v", tc.desc, err)
			continue
		}
		if len(hits) > tc.maxHits || (tc.first != "" && (len(hits) == 0 || hits[0].Doc != tc.first)) {
			t.Errorf("%s: hits %v, want %s first and at most %d", tc.desc, docs(hits), tc.first, tc.maxHits)
		}
		for i, h := range hits {
			if h.Score <= 0 || (i > 0 && h.Score > hits[i-1].Score) || h.LexicalRank+h.VectorRank == 0 {
				t.Errorf("%s: hit %d %+v out of order or unranked", tc.desc, i, h)
			}
			if tc.opts.Language == "zh-CN" && h.Language != "zh" {
				t.Errorf("%s: hit in %s", tc.desc, h.Language)
			}
		}
	}
}

func TestSearchFallsBackToLexical(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{"returns.md": "# Returns\n\nReturn items within 30 days."})
	inner, err := hashed.New()
	if err != nil {
		t.Fatal(err)
	}
	flaky := &knowledgetest.FlakyEmbedder{Embedder: inner, Err: errors.New("embeddings endpoint down")}
	b, err := knowledge.Open(knowledgetest.NewMemStore(), flaky)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Ingest(ctx, dir); err != nil {
		t.Fatal(err)
	}
	flaky.Fail.Store(true)
	hits, err := b.Search(ctx, "return items", knowledge.SearchOptions{})
	if err != nil || len(hits) != 1 || hits[0].VectorRank != 0 || hits[0].LexicalRank != 1 {
		t.Errorf("search with the embedder down = %+v, %v; want the lexical hit", hits, err)
	}
	write(t, dir, map[string]string{"returns.md": "# Returns\n\nReturn items within 45 days."})
	if _, err := b.Ingest(ctx, dir); err == nil || !strings.Contains(err.Error(), "endpoint down") {
		t.Errorf("ingest with the embedder down = %v, want its error", err)
	}
}

func TestSearchCancelledAndClosed(t *testing.T) {
	b, _ := newBase(t, knowledgetest.NewMemStore())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Search(ctx, "anything", knowledge.SearchOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search with a cancelled context = %v", err)
	}
	if _, err := b.Ingest(ctx, t.TempDir()); !errors.Is(err, context.Canceled) && err != nil {
		t.Errorf("Ingest with a cancelled context = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := b.Search(context.Background(), "x", knowledge.SearchOptions{}); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Search after Close = %v", err)
	}
	if _, err := b.Ingest(context.Background(), t.TempDir()); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Ingest after Close = %v", err)
	}
}

func TestEmbedderMismatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{"a.md": "# A\n\ntext"})
	store := knowledgetest.NewMemStore()
	b, err := knowledge.Open(store, mustHashed(t, 1024))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Ingest(ctx, dir); err != nil {
		t.Fatal(err)
	}
	other := mustHashed(t, 256)
	if _, err := knowledge.Open(store, other); !errors.Is(err, knowledge.ErrEmbedderMismatch) {
		t.Fatalf("Open with another embedder = %v, want ErrEmbedderMismatch", err)
	}
	b2, err := knowledge.Open(store, other, knowledge.WithRebuild())
	if err != nil {
		t.Fatalf("Open with WithRebuild: %v", err)
	}
	rep, err := b2.Ingest(ctx, dir)
	if err != nil || rep.Added != 1 {
		t.Errorf("ingest after rebuild = %+v, %v; want 1 added", rep, err)
	}
	if name, _ := store.Embedder(ctx); name != other.Name() {
		t.Errorf("store embedder %q, want %q", name, other.Name())
	}
}

func mustHashed(t *testing.T, dims int) *hashed.Embedder {
	t.Helper()
	e, err := hashed.New(hashed.WithDimensions(dims))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOpenErrors(t *testing.T) {
	emb := mustHashed(t, 64)
	bad := knowledge.DefaultConfig()
	bad.ChunkTokens = 5
	tests := []struct {
		desc  string
		store knowledge.Store
		emb   knowledge.Embedder
		opts  []knowledge.Option
	}{
		{"no store", nil, emb, nil},
		{"no embedder", knowledgetest.NewMemStore(), nil, nil},
		{"invalid config", knowledgetest.NewMemStore(), emb, []knowledge.Option{knowledge.WithConfig(bad)}},
		{"nil logger", knowledgetest.NewMemStore(), emb, []knowledge.Option{knowledge.WithLogger(nil)}},
		{"nil clock", knowledgetest.NewMemStore(), emb, []knowledge.Option{knowledge.WithNow(nil)}},
	}
	for _, tc := range tests {
		if _, err := knowledge.Open(tc.store, tc.emb, tc.opts...); !errors.Is(err, knowledge.ErrInvalidConfig) {
			t.Errorf("%s: Open = %v, want ErrInvalidConfig", tc.desc, err)
		}
	}
}

func TestConcurrentSearchAndIngest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, map[string]string{"a.md": "# A\n\nreturns within thirty days", "b.md": "# B\n\nshipping takes four days"})
	b, _ := newBase(t, knowledgetest.NewMemStore())
	if _, err := b.Ingest(ctx, dir); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 3 {
		wg.Go(func() {
			for range 50 {
				if _, err := b.Search(ctx, "returns shipping days", knowledge.SearchOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 10 {
			body := "# A\n\nreturns within " + strings.Repeat("many ", i) + "days"
			if err := os.WriteFile(filepath.Join(dir, "a.md"), []byte(body), 0o644); err != nil {
				errs <- err
				return
			}
			if _, err := b.Ingest(ctx, dir); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMaxPerDoc(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var long strings.Builder
	long.WriteString("# Gift cards\n\n")
	for _, s := range []string{"Balance", "Expiry", "Lost cards", "Cash value"} {
		long.WriteString("## " + s + "\n\nGift card " + strings.ToLower(s) + " rules for gift cards.\n\n")
	}
	write(t, dir, map[string]string{"gift.md": long.String(), "other.md": "# Other\n\nA gift for a friend."})
	for _, tc := range []struct {
		per, wantGift int
	}{{0, 4}, {2, 2}, {1, 1}} {
		cfg := knowledge.DefaultConfig()
		cfg.MaxPerDoc = tc.per
		b, _ := newBase(t, knowledgetest.NewMemStore(), knowledge.WithConfig(cfg))
		if _, err := b.Ingest(ctx, dir); err != nil {
			t.Fatal(err)
		}
		hits, err := b.Search(ctx, "gift card", knowledge.SearchOptions{K: 10})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, h := range hits {
			if h.Doc == "gift.md" {
				n++
			}
		}
		if n != tc.wantGift {
			t.Errorf("max_per_doc %d: %d hits of gift.md (%v), want %d", tc.per, n, docs(hits), tc.wantGift)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*knowledge.Config)
		field string
	}{
		{"defaults", func(*knowledge.Config) {}, ""},
		{"tiny chunks", func(c *knowledge.Config) { c.ChunkTokens = 10 }, "chunk_tokens"},
		{"overlap half the chunk", func(c *knowledge.Config) { c.OverlapTokens = 100 }, "overlap_tokens"},
		{"tiny files", func(c *knowledge.Config) { c.MaxFileBytes = 10 }, "max_file_bytes"},
		{"negative rrf_k", func(c *knowledge.Config) { c.RRFK = -1 }, "rrf_k"},
		{"negative weight", func(c *knowledge.Config) { c.VectorWeight = -1 }, "vector_weight"},
		{"both weights off", func(c *knowledge.Config) { c.VectorWeight, c.LexicalWeight = 0, 0 }, "vector_weight"},
		{"heading weight too high", func(c *knowledge.Config) { c.HeadingWeight = 1000 }, "heading_weight"},
		{"no candidates", func(c *knowledge.Config) { c.Candidates = 0 }, "candidates"},
		{"bm25 b above 1", func(c *knowledge.Config) { c.BM25B = 2 }, "bm25_b"},
		{"bm25 k1 negative", func(c *knowledge.Config) { c.BM25K1 = -1 }, "bm25_k1"},
		{"similarity above 1", func(c *knowledge.Config) { c.MinSimilarity = 2 }, "min_similarity"},
		{"negative max per doc", func(c *knowledge.Config) { c.MaxPerDoc = -1 }, "max_per_doc"},
	}
	for _, tc := range tests {
		c := knowledge.DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.desc, err)
		case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field+":") || !errors.Is(err, knowledge.ErrInvalidConfig)):
			t.Errorf("%s: Validate = %v, want an ErrInvalidConfig naming %s", tc.desc, err, tc.field)
		}
	}
}
