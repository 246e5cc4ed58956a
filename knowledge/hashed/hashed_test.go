package hashed_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/hashed"
)

func cos(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

func embed(t *testing.T, e *hashed.Embedder, texts ...string) [][]float32 {
	t.Helper()
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestEmbed(t *testing.T) {
	e, err := hashed.New()
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "hashed-v1-1024" || e.Dimensions() != 1024 {
		t.Errorf("Name %q, Dimensions %d", e.Name(), e.Dimensions())
	}
	vs := embed(t, e,
		"Return unworn items within 30 days of delivery.",
		"returned items within thirty days",
		"Gift cards never expire and carry no fees.",
		"退货政策：签收之日起三十天内可以退货。",
		"退货期限是多久",
		"",
		"the and of it",
	)
	for i, v := range vs {
		if len(v) != 1024 {
			t.Fatalf("vector %d has %d values", i, len(v))
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d has length %v, want 1", i, math.Sqrt(n))
		}
	}
	tests := []struct {
		desc    string
		a, b, c int // cos(a, b) must beat cos(a, c)
	}{
		{"paraphrase beats another topic", 1, 0, 2},
		{"Chinese question finds the Chinese article", 4, 3, 2},
	}
	for _, tc := range tests {
		if cos(vs[tc.a], vs[tc.b]) <= cos(vs[tc.a], vs[tc.c]) {
			t.Errorf("%s: cos %v <= %v", tc.desc, cos(vs[tc.a], vs[tc.b]), cos(vs[tc.a], vs[tc.c]))
		}
	}
	again := embed(t, e, "Return unworn items within 30 days of delivery.")
	if cos(again[0], vs[0]) != 1 && cos(again[0], vs[0]) < 0.999999 {
		t.Error("embedding is not deterministic")
	}
	if cos(vs[5], vs[6]) < 0.9999 {
		t.Error("texts without features do not share the fixed vector")
	}
}

func TestQueryIDF(t *testing.T) {
	ctx := context.Background()
	docs := []string{
		"order status and order history for your order",
		"order by phone or order online",
		"pay with Klarna in four payments",
		"your order number is on the receipt",
	}
	weighted, _ := hashed.New()
	for _, d := range docs {
		weighted.Observe(d)
	}
	plain, _ := hashed.New(hashed.WithConfig(func() hashed.Config { c := hashed.DefaultConfig(); c.IDFPower = 0; return c }()))
	if plain.Name() != weighted.Name() {
		t.Errorf("idf_power changes Name: %s vs %s", plain.Name(), weighted.Name())
	}
	vs := embed(t, weighted, docs...)
	q := "order with klarna"
	qw, err := weighted.EmbedQuery(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	qp, _ := plain.EmbedQuery(ctx, q)
	// With IDF the rare word "klarna" counts for more than "order".
	gainW := cos(qw, vs[2]) - cos(qw, vs[0])
	gainP := cos(qp, vs[2]) - cos(qp, vs[0])
	if gainW <= gainP {
		t.Errorf("IDF does not favour the rare word: weighted gain %v, plain gain %v", gainW, gainP)
	}
	// Forgetting the corpus returns to uniform weights.
	for _, d := range docs {
		weighted.Forget(d)
	}
	fresh, _ := hashed.New()
	a, _ := weighted.EmbedQuery(ctx, q)
	b, _ := fresh.EmbedQuery(ctx, q)
	if cos(a, b) < 0.999999 {
		t.Errorf("after Forget the query vector differs from a fresh embedder's (cos %v)", cos(a, b))
	}
}

func TestConcurrentUse(t *testing.T) {
	e, _ := hashed.New()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				text := strings.Repeat("word ", g+i)
				e.Observe(text)
				if _, err := e.EmbedQuery(context.Background(), "word query"); err != nil {
					t.Error(err)
					return
				}
				e.Forget(text)
			}
		})
	}
	wg.Wait()
}

func TestCancelled(t *testing.T) {
	e, _ := hashed.New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed = %v", err)
	}
	if _, err := e.EmbedQuery(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("EmbedQuery = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*hashed.Config)
		field string
	}{
		{"defaults", func(*hashed.Config) {}, ""},
		{"no character n-grams", func(c *hashed.Config) { c.CharNGramMax = 0 }, ""},
		{"too few dimensions", func(c *hashed.Config) { c.Dimensions = 8 }, "dimensions"},
		{"n-gram range reversed", func(c *hashed.Config) { c.CharNGramMin = 6 }, "char_ngram_max"},
		{"negative weight", func(c *hashed.Config) { c.BigramWeight = -1 }, "bigram_weight"},
		{"NaN weight", func(c *hashed.Config) { c.WordWeight = math.NaN() }, "word_weight"},
		{"no English features", func(c *hashed.Config) { c.WordWeight, c.BigramWeight, c.CharWeight = 0, 0, 0 }, "char_weight"},
		{"no Chinese features", func(c *hashed.Config) { c.HanWeight, c.HanBigramWeight = 0, 0 }, "han_bigram_weight"},
		{"idf power too high", func(c *hashed.Config) { c.IDFPower = 5 }, "idf_power"},
	}
	for _, tc := range tests {
		c := hashed.DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.desc, err)
		case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field+":") || !errors.Is(err, knowledge.ErrInvalidConfig)):
			t.Errorf("%s: Validate = %v, want an ErrInvalidConfig naming %s", tc.desc, err, tc.field)
		}
		if _, nerr := hashed.New(hashed.WithConfig(c)); (nerr == nil) != (tc.field == "") {
			t.Errorf("%s: New = %v", tc.desc, nerr)
		}
	}
	a, _ := hashed.New(hashed.WithConfig(func() hashed.Config { c := hashed.DefaultConfig(); c.BigramWeight = 0.7; return c }()))
	if !strings.HasPrefix(a.Name(), "hashed-v1-1024-") {
		t.Errorf("a changed weight does not change Name: %s", a.Name())
	}
}

func BenchmarkEmbedQuery(b *testing.B) {
	e, _ := hashed.New()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.EmbedQuery(ctx, "how many days do i have to return a jacket i bought in december"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmbedChunk(b *testing.B) {
	e, _ := hashed.New()
	ctx := context.Background()
	text := strings.Repeat("Return unworn items within 30 days of delivery, with the original tags attached. ", 12)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Embed(ctx, []string{text}); err != nil {
			b.Fatal(err)
		}
	}
}
