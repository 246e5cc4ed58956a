package sphinx

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// dictionary is a read-only index of the engine's pronunciation dictionary
// (one "word PH O NES" entry per line, variants as "word(2)"), used to check
// grammar words before any decoder is involved, and to suggest spellings
// for words it lacks. It keeps the file in one string and
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

// minPart is the shortest part of a compound suggestion.
const minPart = 2

// suggest proposes dictionary spelling for a word the dictionary lacks:
// the word in lower case ("Yes": "yes"), or a compound of two or three
// dictionary words written apart ("smartwatch": "smart watch"). It
// returns "" when it has nothing to propose.
func (d *dictionary) suggest(word string) string {
	lw := strings.ToLower(word)
	if lw != word && d.has(lw) {
		return lw
	}
	if len(lw) > 40 {
		return ""
	}
	return d.compound(lw, 3)
}

// compound splits w into at most parts dictionary words of at least
// minPart letters, the longest first part first.
func (d *dictionary) compound(w string, parts int) string {
	if parts < 2 || len(w) < 2*minPart {
		return ""
	}
	for i := len(w) - minPart; i >= minPart; i-- {
		if !d.has(w[:i]) {
			continue
		}
		if d.has(w[i:]) {
			return w[:i] + " " + w[i:]
		}
		if tail := d.compound(w[i:], parts-1); tail != "" {
			return w[:i] + " " + tail
		}
	}
	return ""
}
