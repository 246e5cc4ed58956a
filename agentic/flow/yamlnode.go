package flow

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// reader walks the YAML tree of a flow file and reports problems with the
// file, line and field path.
type reader struct {
	file string
}

// errAt returns an *Error for the node n at path.
func (r *reader) errAt(n *yaml.Node, path string, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: r.file, Line: line, Path: path, Err: fmt.Errorf(format, args...)}
}

// wrapAt returns an *Error for the node n at path, wrapping err.
func (r *reader) wrapAt(n *yaml.Node, path string, err error) error {
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: r.file, Line: line, Path: path, Err: err}
}

// entry is one key of a mapping.
type entry struct {
	key  *yaml.Node
	val  *yaml.Node
	name string
}

// deref follows YAML aliases (*name) to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// mapping returns the entries of a mapping node in file order, refusing
// other kinds, duplicate keys and keys not in allowed (when allowed is not
// nil).
func (r *reader) mapping(n *yaml.Node, path string, allowed []string) ([]entry, error) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return nil, r.errAt(n, path, "must be a mapping (key: value lines), got %s", kindName(n))
	}
	out := make([]entry, 0, len(n.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, r.errAt(k, path, "keys must be plain names")
		}
		if seen[k.Value] {
			return nil, r.errAt(k, join(path, k.Value), "appears twice")
		}
		seen[k.Value] = true
		if allowed != nil && !contains(allowed, k.Value) {
			return nil, r.errAt(k, join(path, k.Value), "unknown field (allowed here: %s)", strings.Join(allowed, ", "))
		}
		out = append(out, entry{key: k, val: deref(v), name: k.Value})
	}
	return out, nil
}

// fieldMap returns a mapping's values by key (see mapping).
func (r *reader) fieldMap(n *yaml.Node, path string, allowed []string) (map[string]*yaml.Node, error) {
	es, err := r.mapping(n, path, allowed)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*yaml.Node, len(es))
	for _, e := range es {
		m[e.name] = e.val
	}
	return m, nil
}

// str returns a scalar as a string.
func (r *reader) str(n *yaml.Node, path string) (string, error) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", r.errAt(n, path, "must be a text value, got %s", kindName(n))
	}
	return n.Value, nil
}

// name returns a scalar that must be an identifier ([a-zA-Z0-9_-]+).
func (r *reader) name(n *yaml.Node, path, what string) (string, error) {
	s, err := r.str(n, path)
	if err != nil {
		return "", err
	}
	if !isName(s) {
		return "", r.errAt(n, path, "%s %q must be a name of letters, digits, _ and -", what, s)
	}
	return s, nil
}

// strList returns a scalar or a sequence of scalars as a list.
func (r *reader) strList(n *yaml.Node, path string) ([]string, error) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode {
		s, err := r.str(n, path)
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, r.errAt(n, path, "must be a list of text values, got %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		s, err := r.str(c, index(path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// integer returns a scalar as an int within [lo, hi].
func (r *reader) integer(n *yaml.Node, path string, lo, hi int) (int, error) {
	s, err := r.str(n, path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, r.errAt(n, path, "must be a whole number in [%d, %d], got %q", lo, hi, s)
	}
	return v, nil
}

// number returns a scalar as a float within [lo, hi].
func (r *reader) number(n *yaml.Node, path string, lo, hi float64) (float64, error) {
	s, err := r.str(n, path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, r.errAt(n, path, "must be a number in [%v, %v], got %q", lo, hi, s)
	}
	return v, nil
}

// boolean returns a scalar as a bool.
func (r *reader) boolean(n *yaml.Node, path string) (bool, error) {
	s, err := r.str(n, path)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off":
		return false, nil
	}
	return false, r.errAt(n, path, "must be true or false, got %q", s)
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// join appends a field to a path.
func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// index appends a list index to a path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// isName reports whether s is a non-empty identifier.
func isName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
