package nlu

import (
	"math"
	"slices"
)

// Features of an utterance for the intent classifier, hashed to 64 bits:
//
//   - English: stemmed word unigrams and bigrams (with start and end
//     marks), and character 3- to 5-grams of the words, across word
//     boundaries, which keep some signal when a recognizer mangles a word
//     ("chipping" still shares "ppin", "ing " with "shipping");
//   - Mandarin: character unigrams, bigrams and trigrams, with start and
//     end marks (no word segmentation is needed).
//
// Words are the units of the utterance after normalization (see
// model.units): fillers dropped, contractions expanded, slot values and
// entities replaced by placeholders such as "<product>" and "<digits>".
// Each feature is weighted by its inverse document frequency over the
// domain's examples, so that words every intent uses ("i", "my") count
// less; the vector is then L2-normalized over all its features, known to
// the model or not, so that an utterance of mostly unknown words scores low
// everywhere.

// feat is one hashed feature and its weight.
type feat struct {
	h uint64
	v float32
}

// Feature kinds, hashed first so that equal strings of different kinds
// differ.
const (
	kindUnigram byte = iota + 1
	kindBigram
	kindTrigram
	kindChar
)

// FNV-1a, 64 bits.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

// hashString folds s into h.
func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// hashByte folds b into h.
func hashByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * fnvPrime
}

// Start and end marks of n-grams.
const (
	markStart = "\x02"
	markEnd   = "\x03"
)

// featurizer turns units into features.
type featurizer struct {
	zh bool
	// charWeight is the weight of an English character n-gram relative
	// to a word feature.
	charWeight float32
	// bigramWeight is the weight of a word bigram (English) or character
	// bigram and trigram (Mandarin).
	bigramWeight float32
	// minChar and maxChar bound the English character n-grams.
	minChar, maxChar int
}

// features appends the features of units to out, using buf as scratch,
// and returns both.
func (fz featurizer) features(units []string, buf []byte, out []feat) ([]feat, []byte) {
	out = out[:0]
	if len(units) == 0 {
		return out, buf
	}
	if fz.zh {
		out = fz.ngramsZH(units, out)
	} else {
		out, buf = fz.wordsEN(units, buf, out)
	}
	return mergeFeats(out), buf
}

// wordsEN appends English word and character features.
func (fz featurizer) wordsEN(units []string, buf []byte, out []feat) ([]feat, []byte) {
	prev := markStart
	for _, u := range units {
		s := stemEN(u)
		out = append(out, feat{hashString(hashByte(fnvOffset, kindUnigram), s), 1})
		h := hashString(hashByte(fnvOffset, kindBigram), prev)
		out = append(out, feat{hashString(hashByte(h, ' '), s), fz.bigramWeight})
		prev = s
	}
	h := hashString(hashByte(fnvOffset, kindBigram), prev)
	out = append(out, feat{hashString(hashByte(h, ' '), markEnd), fz.bigramWeight})
	if fz.charWeight == 0 {
		return out, buf
	}
	buf = append(buf[:0], ' ')
	for _, u := range units {
		if u[0] == '<' {
			continue // placeholders are features of their own
		}
		buf = append(buf, u...)
		buf = append(buf, ' ')
	}
	for n := fz.minChar; n <= fz.maxChar; n++ {
		for i := 0; i+n <= len(buf); i++ {
			h := hashByte(fnvOffset, kindChar)
			for _, c := range buf[i : i+n] {
				h = hashByte(h, c)
			}
			out = append(out, feat{h, fz.charWeight})
		}
	}
	return out, buf
}

// ngramsZH appends Mandarin unit n-grams (n = 1..3), the bigrams and
// trigrams over the units framed by start and end marks.
func (fz featurizer) ngramsZH(units []string, out []feat) []feat {
	n := len(units)
	at := func(k int) string { // k indexes [start, units..., end]
		switch k {
		case 0:
			return markStart
		case n + 1:
			return markEnd
		}
		return units[k-1]
	}
	for _, u := range units {
		out = append(out, feat{hashString(hashByte(fnvOffset, kindUnigram), u), 1})
	}
	for k := 0; k+1 <= n+1; k++ {
		h := hashString(hashByte(fnvOffset, kindBigram), at(k))
		out = append(out, feat{hashString(hashByte(h, 0), at(k+1)), fz.bigramWeight})
		if k+2 <= n+1 {
			h := hashString(hashByte(fnvOffset, kindTrigram), at(k))
			h = hashString(hashByte(h, 0), at(k+1))
			out = append(out, feat{hashString(hashByte(h, 0), at(k+2)), fz.bigramWeight})
		}
	}
	return out
}

// mergeFeats sorts features by hash and merges equal hashes, summing
// their weights.
func mergeFeats(fs []feat) []feat {
	slices.SortFunc(fs, func(a, b feat) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return 0
	})
	out := fs[:0]
	for _, f := range fs {
		if n := len(out); n > 0 && out[n-1].h == f.h {
			out[n-1].v += f.v
			continue
		}
		out = append(out, f)
	}
	return out
}

// scaleUnit scales a feature vector to unit L2 norm.
func scaleUnit(out []feat) []feat {
	var sum float64
	for _, f := range out {
		sum += float64(f.v) * float64(f.v)
	}
	if sum > 0 {
		inv := float32(1 / math.Sqrt(sum))
		for i := range out {
			out[i].v *= inv
		}
	}
	return out
}
