package nlu

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadDomain reads an intent file (the format of examples/retail/intents.yaml:
// language, intents with descriptions, examples and slots, slot definitions
// with optional synonyms). Errors wrap ErrDomain in a *DomainError that gives
// the file, line and field; a file that cannot be read returns the os error.
func LoadDomain(path string) (*Domain, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nlu: read intent file: %w", err)
	}
	return ParseDomain(path, data)
}

// ParseDomain parses an intent file held in memory. name labels the data in
// error messages and becomes Domain.File; it may be empty. Errors wrap
// ErrDomain in a *DomainError.
//
// The format is the reference domain's (see examples/retail), extended with
// an optional `synonyms:` mapping per slot from a value to the spoken forms
// that mean it:
//
//	slots:
//	  size:
//	    type: text
//	    synonyms:
//	      xl: ["extra large", "x large"]
//
// For an enum slot every synonym key must be one of its values; for a text
// slot the keys are known values (a gazetteer) and a key may map to no
// forms. A key or form may hold the placeholder {number}, which stands for
// a spoken number: `"{number}": ["size {number}"]` makes "size ten" the value
// "10".
func ParseDomain(name string, data []byte) (*Domain, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(name, err)
	}
	l := &domainLoader{file: name}
	d, err := l.document(&doc)
	if err != nil {
		return nil, err
	}
	d.File = name
	return d, nil
}

// yamlLine finds the line number in a yaml.v3 syntax error message.
var yamlLine = regexp.MustCompile(`line (\d+):\s*`)

// yamlError converts a YAML syntax error into a *DomainError with its line.
func yamlError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
		line, _ = strconv.Atoi(msg[m[2]:m[3]])
		msg = msg[:m[0]] + msg[m[1]:]
	}
	return &DomainError{File: file, Line: line, Msg: "not valid YAML: " + msg}
}

// identifier is the form of intent and slot names.
var identifier = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// languageTag is the accepted form of a language tag ("en", "zh", "en-US").
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// domainLoader walks the YAML tree of one intent file.
type domainLoader struct {
	file string
}

// fail returns a *DomainError at n.
func (l *domainLoader) fail(n *yaml.Node, field, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &DomainError{File: l.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// document reads the top-level mapping.
func (l *domainLoader) document(doc *yaml.Node) (*Domain, error) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, l.fail(nil, "", "the file is empty: it needs language, intents and slots (see examples/retail/intents.yaml)")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, l.fail(root, "", "the top level must be a mapping with language, intents and slots")
	}
	d := &Domain{Slots: map[string]Slot{}}
	var intentsNode, slotsNode, langNode *yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return nil, l.fail(k, k.Value, "defined twice")
		}
		seen[k.Value] = true
		switch k.Value {
		case "language":
			langNode = v
		case "intents":
			intentsNode = v
		case "slots":
			slotsNode = v
		default:
			return nil, l.fail(k, k.Value, "unknown field: the top level has language, intents and slots")
		}
	}
	if langNode == nil {
		return nil, l.fail(root, "language", "missing: add `language: en` (or zh) at the top of the file")
	}
	lang, err := l.scalar(langNode, "language")
	if err != nil {
		return nil, err
	}
	if !languageTag.MatchString(lang) {
		return nil, l.fail(langNode, "language", "%q is not a language tag such as en or zh", lang)
	}
	d.Language = strings.ToLower(lang)
	if slotsNode != nil {
		if err := l.slots(slotsNode, d); err != nil {
			return nil, err
		}
	}
	if intentsNode == nil {
		return nil, l.fail(root, "intents", "missing: the file needs at least one intent with examples")
	}
	if err := l.intents(intentsNode, d); err != nil {
		return nil, err
	}
	return d, nil
}

// scalar returns the value of a scalar node, refusing null, sequences and
// mappings.
func (l *domainLoader) scalar(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", l.fail(n, field, "must be a single value, not a list or mapping")
	}
	if n.Tag == "!!null" {
		return "", l.fail(n, field, "is empty")
	}
	return n.Value, nil
}

// intents reads the intents mapping.
func (l *domainLoader) intents(n *yaml.Node, d *Domain) error {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return l.fail(n, "intents", "must be a non-empty mapping from intent names to their description, examples and slots")
	}
	examples := map[string]string{} // normalized example -> intent
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := "intents." + k.Value
		if !identifier.MatchString(k.Value) {
			return l.fail(k, field, "intent names are lowercase letters, digits and underscores, starting with a letter")
		}
		if k.Value == NoIntent {
			return l.fail(k, field, "%q is reserved for utterances that match no intent: rename the intent", NoIntent)
		}
		if _, dup := d.Intent(k.Value); dup {
			return l.fail(k, field, "duplicate intent: merge the two definitions")
		}
		in, err := l.intent(k.Value, v, d, examples)
		if err != nil {
			return err
		}
		d.Intents = append(d.Intents, in)
	}
	return nil
}

// intent reads one intent definition.
func (l *domainLoader) intent(name string, n *yaml.Node, d *Domain, examples map[string]string) (Intent, error) {
	field := "intents." + name
	in := Intent{Name: name}
	if n.Kind != yaml.MappingNode {
		return in, l.fail(n, field, "must be a mapping with description, examples and slots")
	}
	var exNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch k.Value {
		case "description":
			s, err := l.scalar(v, f)
			if err != nil {
				return in, err
			}
			in.Description = strings.TrimSpace(s)
		case "examples":
			exNode = v
		case "slots":
			slots, err := l.intentSlots(v, f, d)
			if err != nil {
				return in, err
			}
			in.Slots = slots
		default:
			return in, l.fail(k, f, "unknown field: an intent has description, examples and slots")
		}
	}
	if exNode == nil {
		return in, l.fail(n, field+".examples", "missing: an intent needs example utterances to learn from")
	}
	if exNode.Kind != yaml.SequenceNode || len(exNode.Content) == 0 {
		return in, l.fail(exNode, field+".examples", "must be a non-empty list of example utterances")
	}
	for j, e := range exNode.Content {
		f := fmt.Sprintf("%s.examples[%d]", field, j)
		s, err := l.scalar(e, f)
		if err != nil {
			return in, err
		}
		norm := normalizeForm(s)
		if norm == "" {
			return in, l.fail(e, f, "empty example: remove it or write the utterance")
		}
		if other, dup := examples[norm]; dup {
			if other == name {
				return in, l.fail(e, f, "duplicate example %q: remove one", s)
			}
			return in, l.fail(e, f, "example %q is also an example of intent %s: an utterance can teach only one intent", s, other)
		}
		examples[norm] = name
		in.Examples = append(in.Examples, strings.TrimSpace(s))
	}
	return in, nil
}

// intentSlots reads an intent's slot list and checks the names.
func (l *domainLoader) intentSlots(n *yaml.Node, field string, d *Domain) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, l.fail(n, field, "must be a list of slot names, like [order_number, email]")
	}
	var out []string
	for j, s := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, j)
		name, err := l.scalar(s, f)
		if err != nil {
			return nil, err
		}
		if _, ok := d.Slots[name]; !ok {
			return nil, l.fail(s, f, "unknown slot %q: define it under slots:", name)
		}
		for _, prev := range out {
			if prev == name {
				return nil, l.fail(s, f, "slot %q listed twice", name)
			}
		}
		out = append(out, name)
	}
	return out, nil
}

// normalizeForm lowercases s and collapses its white space.
func normalizeForm(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
