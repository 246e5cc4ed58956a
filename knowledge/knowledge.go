// Package knowledge answers callers' questions from a company's help
// articles: it ingests folders of Markdown, text and HTML, cuts them into
// chunks by heading, embeds them, stores them, and searches them with a
// hybrid of lexical (BM25) and vector ranking fused by reciprocal rank.
//
// This file is the contract: Embedder turns text into vectors (subpackages
// hashed, the default that needs no model, and openai), Store keeps chunks
// and their vectors (subpackages disk, the embedded default, and qdrant),
// and Searcher is what agents use. Base ties them together.
package knowledge

import (
	"context"
	"time"
)

// Searcher finds the chunks that answer a question. Implementations are
// safe for concurrent use.
type Searcher interface {
	// Search returns up to opts.K hits, best first.
	Search(ctx context.Context, query string, opts SearchOptions) ([]Hit, error)
}

// SearchOptions narrows a search.
type SearchOptions struct {
	// K is the most hits returned; 0 means 5.
	K int
	// Language, when set, searches only chunks in that language ("en",
	// "zh"); a question is answered from articles in its own language.
	Language string
}

// Chunk is a piece of an article: one section, or part of a long one.
type Chunk struct {
	// ID is unique in the store and stable across re-ingests of the same
	// content: the document path and the chunk's index.
	ID string `json:"id"`
	// Doc is the article's path relative to the ingested folder, with
	// forward slashes ("returns-policy.md", "zh/returns-policy.md").
	Doc string `json:"doc"`
	// Index is the chunk's position in its document, from 0.
	Index int `json:"index"`
	// Title is the document's title (its first heading, else its file name).
	Title string `json:"title"`
	// Heading is the path of headings above the chunk ("Returns Policy >
	// How long you have").
	Heading string `json:"heading,omitempty"`
	// Text is the chunk's text as plain text (markup removed).
	Text string `json:"text"`
	// Language is the chunk's language tag.
	Language string `json:"language"`
}

// Hit is a chunk found by a search.
type Hit struct {
	Chunk
	// Score is the fused relevance, higher is better; comparable only
	// within one search.
	Score float64 `json:"score"`
	// LexicalRank and VectorRank are the chunk's 1-based ranks in each
	// ranking, 0 when it was not retrieved by that ranking.
	LexicalRank int `json:"lexical_rank,omitempty"`
	VectorRank  int `json:"vector_rank,omitempty"`
}

// Embedder turns texts into vectors. Implementations are safe for
// concurrent use.
type Embedder interface {
	// Embed returns one vector per text, each of Dimensions() values.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Dimensions is the length of the vectors.
	Dimensions() int
	// Name identifies the embedder and its settings ("hashed-512",
	// "openai:text-embedding-3-small"); a store refuses vectors from
	// another embedder than the one it was filled with.
	Name() string
}

// Document is an ingested file as a store records it.
type Document struct {
	// Path is relative to the ingested folder, with forward slashes.
	Path string
	// Hash is the SHA-256 of the file's bytes, hex; ingest skips a file
	// whose hash did not change.
	Hash string
	// Title is the document's title.
	Title string
	// Language is the document's language tag.
	Language string
	// Embedder is the Name of the embedder its vectors came from. A store
	// holds vectors of one embedder only: Put refuses a document with
	// another (ErrEmbedderMismatch) until the store is emptied.
	Embedder string
	// Ingested is when the document was last stored.
	Ingested time.Time
}

// Record is a chunk with its vector, as stored.
type Record struct {
	Chunk
	Vector []float32
}

// ScoredRecord is a stored chunk and its similarity to a query vector
// (cosine, in [-1, 1]).
type ScoredRecord struct {
	Record
	Similarity float64
}

// Store keeps documents, chunks and vectors. Implementations are safe for
// concurrent use; a write is atomic per document.
type Store interface {
	// Documents lists the stored documents by path.
	Documents(ctx context.Context) (map[string]Document, error)
	// Put replaces doc's chunks with records, atomically.
	Put(ctx context.Context, doc Document, records []Record) error
	// Delete removes a document and its chunks; deleting an unknown
	// document is not an error.
	Delete(ctx context.Context, path string) error
	// Records calls fn for every stored record (to build a lexical index),
	// stopping at fn's first error.
	Records(ctx context.Context, fn func(Record) error) error
	// Nearest returns the k records most similar to v, most similar first,
	// restricted to language when it is not empty.
	Nearest(ctx context.Context, v []float32, k int, language string) ([]ScoredRecord, error)
	// Embedder names the embedder the stored vectors came from, "" when
	// the store is empty.
	Embedder(ctx context.Context) (string, error)
	// Close releases the store.
	Close() error
}
