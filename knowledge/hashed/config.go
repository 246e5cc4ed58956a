package hashed

import (
	"fmt"
	"math"

	"github.com/parley-voice/parley/knowledge"
)

// ErrConfig means a configuration value or option out of range; the
// message names the YAML field. It wraps knowledge.ErrInvalidConfig.
var ErrConfig = fmt.Errorf("knowledge/hashed: %w", knowledge.ErrInvalidConfig)

// Config is the YAML-facing configuration of the hashed embedder (the
// `knowledge.hashed:` section of the server configuration). Every field
// but IDFPower shapes the stored vectors, so changing one changes Name
// and requires re-ingesting (parley kb ingest --rebuild).
type Config struct {
	// Dimensions is the vector length features are hashed into. More
	// dimensions mean fewer collisions between features (a chunk has
	// hundreds of them) and more memory and disk (4 bytes per dimension
	// per chunk); search time hardly changes, since a question's vector
	// is sparse. Default 1024, which ranks better than 512 on the
	// reference knowledge base and no worse than 2048 or 4096.
	Dimensions int `yaml:"dimensions"`
	// CharNGramMin and CharNGramMax bound the lengths of the character
	// n-grams taken from each English word (with boundary marks), which
	// match inflections and misrecognised words ("refnd" ~ "refund").
	// Defaults 3 and 5; CharNGramMax 0 turns character n-grams off.
	CharNGramMin int `yaml:"char_ngram_min"`
	// CharNGramMax: see CharNGramMin.
	CharNGramMax int `yaml:"char_ngram_max"`
	// WordWeight is the weight of a whole-word (stemmed) feature.
	// Default 1.
	WordWeight float64 `yaml:"word_weight"`
	// BigramWeight is the weight of a feature of two adjacent words
	// ("gift card"), which tells phrases apart. Default 0.5.
	BigramWeight float64 `yaml:"bigram_weight"`
	// CharWeight is the total weight of a word's character n-grams,
	// shared among them. Default 1.
	CharWeight float64 `yaml:"char_weight"`
	// HanWeight and HanBigramWeight are the weights of one Chinese
	// character and of two adjacent ones. Defaults 0.5 and 1: Chinese
	// words are mostly two characters long.
	HanWeight float64 `yaml:"han_weight"`
	// HanBigramWeight: see HanWeight.
	HanBigramWeight float64 `yaml:"han_bigram_weight"`
	// IDFPower is the exponent of the inverse document frequency that
	// weighs a question's features (learned from the stored chunks, see
	// Embedder): 0 weighs all features alike, 1 is classic TF-IDF on the
	// question side, 2 weighs as if both sides carried IDF. It does not
	// change stored vectors. Default 1.
	IDFPower float64 `yaml:"idf_power"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Dimensions:      1024,
		CharNGramMin:    3,
		CharNGramMax:    5,
		WordWeight:      1,
		BigramWeight:    0.5,
		CharWeight:      1,
		HanWeight:       0.5,
		HanBigramWeight: 1,
		IDFPower:        1,
	}
}

// Validate reports the first invalid value, wrapped in ErrConfig, naming
// the YAML field.
func (c Config) Validate() error {
	weight := func(f float64) bool { return f >= 0 && f <= 100 && !math.IsNaN(f) }
	checks := []struct {
		bad  bool
		what string
	}{
		{c.Dimensions < 16 || c.Dimensions > 65536, fmt.Sprintf("dimensions: must be in [16, 65536], got %d", c.Dimensions)},
		{c.CharNGramMax != 0 && (c.CharNGramMin < 1 || c.CharNGramMin > c.CharNGramMax || c.CharNGramMax > 10), fmt.Sprintf("char_ngram_min, char_ngram_max: must satisfy 1 <= min <= max <= 10 (or max 0 for none), got %d and %d", c.CharNGramMin, c.CharNGramMax)},
		{c.CharNGramMax < 0, fmt.Sprintf("char_ngram_max: must be at least 0, got %d", c.CharNGramMax)},
		{!weight(c.WordWeight), fmt.Sprintf("word_weight: must be in [0, 100], got %v", c.WordWeight)},
		{!weight(c.BigramWeight), fmt.Sprintf("bigram_weight: must be in [0, 100], got %v", c.BigramWeight)},
		{!weight(c.CharWeight), fmt.Sprintf("char_weight: must be in [0, 100], got %v", c.CharWeight)},
		{!weight(c.HanWeight), fmt.Sprintf("han_weight: must be in [0, 100], got %v", c.HanWeight)},
		{!weight(c.HanBigramWeight), fmt.Sprintf("han_bigram_weight: must be in [0, 100], got %v", c.HanBigramWeight)},
		{c.WordWeight+c.BigramWeight+c.CharWeight == 0, "word_weight, bigram_weight, char_weight: at least one must be above 0"},
		{c.HanWeight+c.HanBigramWeight == 0, "han_weight, han_bigram_weight: at least one must be above 0"},
		{!(c.IDFPower >= 0 && c.IDFPower <= 4), fmt.Sprintf("idf_power: must be in [0, 4], got %v", c.IDFPower)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrConfig, ch.what)
		}
	}
	return nil
}
