// Package analysis turns text into the terms that knowledge search matches
// on: English words lowercased, with spoken numbers turned into digits,
// stopwords dropped and light suffix stemming; Chinese (Han) text as
// character unigrams and bigrams, since Chinese has no spaces between
// words. Both the lexical index and the hashed embedder use it, so that a
// question and an article are cut the same way.
//
// The functions are pure and safe for concurrent use.
package analysis
