package knowledge

import (
	"context"
	"strings"
)

// QueryEmbedder is implemented by embedders that embed a question
// differently from the chunks it is matched against: with an
// instruction prefix ("search_query: "), or, for the hashed embedder,
// weighted by the corpus's inverse document frequencies. Base.Search
// uses EmbedQuery when the embedder has it, Embed otherwise.
type QueryEmbedder interface {
	// EmbedQuery returns the vector of one question, of Dimensions()
	// values, comparable by cosine with the vectors Embed returns.
	EmbedQuery(ctx context.Context, query string) ([]float32, error)
}

// CorpusObserver is implemented by embedders whose query vectors depend
// on statistics of the stored chunks (the hashed embedder's inverse
// document frequencies). A Base calls Observe with the EmbedText of
// every chunk in the store when it opens and of every chunk it stores,
// and Forget with the EmbedText of every chunk it removes, so the
// statistics always describe what is stored. The vectors Embed returns
// must not depend on these statistics: stored vectors stay valid as the
// corpus changes. Implementations are safe for concurrent use.
type CorpusObserver interface {
	// Observe counts text as part of the corpus.
	Observe(text string)
	// Forget removes text, observed before, from the corpus.
	Forget(text string)
}

// EmbedText is the text of a chunk that embedders see: the heading path
// (which begins with the title when the article has one), then the
// chunk's text. A chunk's text alone often lacks its subject ("You have
// 30 days"), which the heading names.
func EmbedText(c Chunk) string {
	head := c.Heading
	if c.Title != "" && head != c.Title && !hasPrefixPath(head, c.Title) {
		if head == "" {
			head = c.Title
		} else {
			head = c.Title + HeadingSeparator + head
		}
	}
	if head == "" {
		return c.Text
	}
	return head + "\n" + c.Text
}

// hasPrefixPath reports whether heading path h starts with the heading
// title.
func hasPrefixPath(h, title string) bool {
	return strings.HasPrefix(h, title+HeadingSeparator)
}
