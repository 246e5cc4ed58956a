package speecheval

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Utterance is one sentence of an evaluation set, as a caller would say it
// and a recognizer should write it.
type Utterance struct {
	// ID names the utterance in reports: the intent and the example's
	// index in it, "order_status/3".
	ID string
	// Intent is the intent the example belongs to.
	Intent string
	// Language is the file's language tag ("en"), empty when the file
	// does not say.
	Language string
	// Text is the reference transcript: lowercase words, numbers spelled
	// out, as the intents file writes them.
	Text string
}

// maxUtteranceFile bounds the size of an utterance file (4 MiB): intents
// files are a few kilobytes, and the YAML parser holds the whole file.
const maxUtteranceFile = 4 << 20

// LoadUtterances reads the caller utterances of an intents file: the
// examples of every intent, in file order. The format is that of
// examples/retail/intents.yaml:
//
//	language: en
//	intents:
//	  order_status:
//	    examples:
//	      - "where is my order"
//
// Other keys (descriptions, slots) are ignored. Errors wrap ErrUtterances
// and name the file (and the line, for YAML errors).
func LoadUtterances(path string) ([]Utterance, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (pass an intents file such as examples/retail/intents.yaml)", ErrUtterances, err)
	}
	if info.Size() > maxUtteranceFile {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than the %d an intents file may have", ErrUtterances,
			path, info.Size(), maxUtteranceFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUtterances, err)
	}
	us, err := ParseUtterances(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return us, nil
}

// intentsFile is the part of an intents file the evaluation reads. Intents
// stay a node so that their order is the file's.
type intentsFile struct {
	Language string    `yaml:"language"`
	Intents  yaml.Node `yaml:"intents"`
}

// intentEntry is one intent's examples.
type intentEntry struct {
	Examples []string `yaml:"examples"`
}

// ParseUtterances parses an intents file's content; see LoadUtterances.
// Examples are trimmed and their whitespace collapsed; empty examples are
// skipped. A file with no example is an error.
func ParseUtterances(data []byte) ([]Utterance, error) {
	if len(data) > maxUtteranceFile {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d an intents file may have", ErrUtterances,
			len(data), maxUtteranceFile)
	}
	var f intentsFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUtterances, err)
	}
	in := &f.Intents
	if in.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: line %d: intents must be a mapping of intent names to their examples",
			ErrUtterances, max(in.Line, 1))
	}
	var out []Utterance
	for i := 0; i+1 < len(in.Content); i += 2 {
		key, val := in.Content[i], in.Content[i+1]
		var e intentEntry
		if err := val.Decode(&e); err != nil {
			return nil, fmt.Errorf("%w: line %d: intent %q: %v", ErrUtterances, val.Line, key.Value, err)
		}
		for j, ex := range e.Examples {
			text := strings.Join(strings.Fields(ex), " ")
			if text == "" {
				continue
			}
			out = append(out, Utterance{ID: fmt.Sprintf("%s/%d", key.Value, j), Intent: key.Value,
				Language: f.Language, Text: text})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no intent has examples (write them under intents.<name>.examples)", ErrUtterances)
	}
	return out, nil
}

// Subset returns n elements spread evenly over xs (every len(xs)/n-th, so
// every part of a file grouped by intent is represented), in order. It is
// deterministic; n <= 0 or n >= len(xs) returns xs itself.
func Subset[T any](xs []T, n int) []T {
	if n <= 0 || n >= len(xs) {
		return xs
	}
	out := make([]T, n)
	for i := range n {
		out[i] = xs[i*len(xs)/n]
	}
	return out
}
