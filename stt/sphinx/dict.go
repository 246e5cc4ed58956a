package sphinx

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// dictionary is a read-only index of the engine's pronunciation dictionary
// (one "word PH O NES" entry per line, variants as "word(2)"), used to check
// hint and grammar words before any decoder is involved and to derive
// pronunciations for words it lacks. It keeps the file in one string and
// the entries' offsets sorted by word (about 3.7 MB for cmudict-en-us). It
// is safe for concurrent use.
type dictionary struct {
	data    string
	entries []int32 // offsets of the lines, sorted by headword
}

// loadDictionary reads and indexes a dictionary file.
func loadDictionary(path string) (*dictionary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelNotFound, err)
	}
	return parseDictionary(string(b))
}

// parseDictionary indexes dictionary text.
func parseDictionary(data string) (*dictionary, error) {
	if len(data) > 1<<30 {
		return nil, fmt.Errorf("%w: dictionary larger than 1 GB", ErrEngine)
	}
	d := &dictionary{data: data}
	for off := 0; off < len(data); {
		end := strings.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off
		}
		if w, _ := splitEntry(data[off : off+end]); w != "" {
			d.entries = append(d.entries, int32(off))
		}
		off += end + 1
	}
	if len(d.entries) == 0 {
		return nil, fmt.Errorf("%w: the dictionary has no entries", ErrEngine)
	}
	slices.SortStableFunc(d.entries, func(a, b int32) int {
		return strings.Compare(d.word(a), d.word(b))
	})
	return d, nil
}

// splitEntry splits a dictionary line into its headword and phones.
func splitEntry(line string) (word, phones string) {
	line = strings.TrimRight(line, "\r")
	i := strings.IndexAny(line, " \t")
	if i <= 0 {
		return "", ""
	}
	return line[:i], strings.TrimSpace(line[i+1:])
}

func (d *dictionary) line(off int32) string {
	rest := d.data[off:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func (d *dictionary) word(off int32) string {
	w, _ := splitEntry(d.line(off))
	return w
}

// pron returns the first pronunciation of word (an exact headword, without
// a variant marker).
func (d *dictionary) pron(word string) (string, bool) {
	i, ok := slices.BinarySearchFunc(d.entries, word, func(off int32, w string) int {
		return strings.Compare(d.word(off), w)
	})
	if !ok {
		return "", false
	}
	_, p := splitEntry(d.line(d.entries[i]))
	return p, p != ""
}

// has reports whether word is a headword.
func (d *dictionary) has(word string) bool {
	_, ok := d.pron(word)
	return ok
}

// wordPron is a word and the phones to add it to a decoder with.
type wordPron struct {
	word, phones string
}

// Limits of pronunciation derivation.
const (
	// maxDeriveLen is the longest word derive tries.
	maxDeriveLen = 40
	// maxSpelledLen is the longest word spelled letter by letter
	// ("sku", "ps5"): longer unknown words are more likely real words the
	// engine would mispronounce than acronyms.
	maxSpelledLen = 5
	// minPart is the shortest part of a compound.
	minPart = 2
)

// derive builds a pronunciation for a word the dictionary lacks, from
// words it has, in this order:
//
//   - the word in lower case ("Yes" is pronounced as "yes");
//   - a compound of two or three dictionary words, the longest first part
//     first ("smartwatch" = smart + watch, "backorder" = back + order);
//   - hyphen-, dot- or apostrophe-separated parts, each derived;
//   - at most maxSpelledLen letters and digits spelled one by one ("sku",
//     "ps5").
//
// It reports false when none applies; such a word cannot be recognised.
func (d *dictionary) derive(word string) (string, bool) {
	if word == "" || len(word) > maxDeriveLen {
		return "", false
	}
	lw := strings.ToLower(word)
	if p, ok := d.pron(lw); ok {
		return p, true
	}
	if p, ok := d.compound(lw, 3); ok {
		return p, true
	}
	if parts := strings.FieldsFunc(lw, func(r rune) bool { return r == '-' || r == '.' || r == '_' }); len(parts) > 1 {
		var ps []string
		for _, part := range parts {
			p, ok := d.derive(part)
			if !ok {
				return "", false
			}
			ps = append(ps, p)
		}
		return strings.Join(ps, " "), true
	}
	return d.spell(lw)
}

// compound splits w into at most parts dictionary words of at least minPart
// letters.
func (d *dictionary) compound(w string, parts int) (string, bool) {
	if parts < 2 || len(w) < 2*minPart {
		return "", false
	}
	for i := len(w) - minPart; i >= minPart; i-- {
		head, ok := d.pron(w[:i])
		if !ok {
			continue
		}
		if tail, ok := d.pron(w[i:]); ok {
			return head + " " + tail, true
		}
		if tail, ok := d.compound(w[i:], parts-1); ok {
			return head + " " + tail, true
		}
	}
	return "", false
}

// spell pronounces a short run of letters and digits one by one, letters
// by their names ("a." is EY in the dictionary).
func (d *dictionary) spell(w string) (string, bool) {
	if len(w) > maxSpelledLen {
		return "", false
	}
	digitNames := [10]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	ps := make([]string, 0, len(w))
	for i := 0; i < len(w); i++ {
		c := w[i]
		var key string
		switch {
		case c >= 'a' && c <= 'z':
			key = string([]byte{c, '.'})
		case c >= '0' && c <= '9':
			key = digitNames[c-'0']
		default:
			return "", false
		}
		p, ok := d.pron(key)
		if !ok {
			return "", false
		}
		ps = append(ps, p)
	}
	return strings.Join(ps, " "), true
}
