package kbtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-voice/parley/knowledge"
)

// Synthesize returns n chunks in documents of perDoc chunks each, made
// from the English sections of the reference knowledge base: each is a
// section with its sentences shuffled and about a third of its words
// replaced by words drawn from the whole base, under the section's
// heading with a numbered title. Their words and lengths are distributed
// as real articles' are, so that searching them costs what searching a
// large real base costs. The output depends only on n, perDoc and seed.
func Synthesize(t testing.TB, n, perDoc int, seed uint64) []knowledge.Chunk {
	t.Helper()
	dir := KBDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sources []knowledge.Chunk
	var vocab []string
	for _, e := range entries {
		if e.IsDir() || !knowledge.Supported(e.Name()) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		a := knowledge.Extract(e.Name(), data)
		for _, c := range knowledge.Chunks(e.Name(), "en", a, 200, 40) {
			sources = append(sources, c)
			vocab = append(vocab, strings.Fields(c.Text)...)
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]knowledge.Chunk, 0, n)
	for i := range n {
		src := sources[rng.IntN(len(sources))]
		words := strings.Fields(src.Text)
		rng.Shuffle(len(words)/8, func(a, b int) {
			// Swap runs of 8 words: sentences move, phrases stay.
			for k := range 8 {
				words[8*a+k], words[8*b+k] = words[8*b+k], words[8*a+k]
			}
		})
		for j := range words {
			if rng.IntN(3) == 0 {
				words[j] = vocab[rng.IntN(len(vocab))]
			}
		}
		doc := fmt.Sprintf("synthetic/%05d.md", i/perDoc)
		idx := i % perDoc
		out = append(out, knowledge.Chunk{
			ID: knowledge.ChunkID(doc, idx), Doc: doc, Index: idx,
			Title:    fmt.Sprintf("%s %d", src.Title, i/perDoc),
			Heading:  fmt.Sprintf("%s %d", src.Heading, i/perDoc),
			Text:     strings.Join(words, " "),
			Language: "en",
		})
	}
	return out
}

// Fill embeds chunks with emb and puts them into store, one document per
// run of chunks of the same Doc.
func Fill(t testing.TB, store knowledge.Store, emb knowledge.Embedder, chunks []knowledge.Chunk) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < len(chunks); {
		end := start
		for end < len(chunks) && chunks[end].Doc == chunks[start].Doc {
			end++
		}
		texts := make([]string, 0, end-start)
		for _, c := range chunks[start:end] {
			texts = append(texts, knowledge.EmbedText(c))
		}
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		recs := make([]knowledge.Record, len(vecs))
		for i, v := range vecs {
			recs[i] = knowledge.Record{Chunk: chunks[start+i], Vector: v}
		}
		doc := knowledge.Document{Path: chunks[start].Doc, Hash: fmt.Sprint(start), Title: chunks[start].Title, Language: "en", Embedder: emb.Name()}
		if err := store.Put(ctx, doc, recs); err != nil {
			t.Fatal(err)
		}
		start = end
	}
}
