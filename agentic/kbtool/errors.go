package kbtool

import "errors"

// Sentinel errors returned (wrapped, test with errors.Is) by this package.
var (
	// ErrConfig means an invalid option value; the message names it.
	ErrConfig = errors.New("agentic/kbtool: invalid option")
	// ErrSearch means the knowledge search failed (a store or embedder
	// error, not a bad question): check the knowledge base's logs and
	// configuration. The model is told the tool failed.
	ErrSearch = errors.New("agentic/kbtool: the knowledge search failed")
)
