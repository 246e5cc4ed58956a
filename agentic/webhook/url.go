package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// urlTemplate is a parsed URL with {name} placeholders in its path or
// query. Placeholders never reach the scheme or host, and values are
// escaped, so arguments cannot redirect a request elsewhere.
type urlTemplate struct {
	parts []urlPart
}

// urlPart is literal text, or a placeholder (name set).
type urlPart struct {
	lit   string
	name  string
	query bool // the placeholder is in the query string
}

// parseTemplate parses and checks a URL template.
func parseTemplate(s string) (*urlTemplate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("is empty: give the endpoint, such as http://localhost:8081/orders/{order_number}")
	}
	t := &urlTemplate{}
	query := false
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("%q has a { without its }", s)
			}
			name := s[i+1 : i+end]
			if !validName(name) {
				return nil, fmt.Errorf("{%s} is not a placeholder: write {argument_name} with letters, digits, _ or -", name)
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, urlPart{lit: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, urlPart{name: name, query: query})
			i += end
		case '}':
			return nil, fmt.Errorf("%q has a } without its {", s)
		case '#':
			return nil, errors.New("must not have a fragment (#...)")
		default:
			if c == '?' {
				query = true
			}
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, urlPart{lit: lit.String()})
	}
	return t, t.check()
}

// check verifies that the URL is absolute http(s) and that placeholders
// start after the host.
func (t *urlTemplate) check() error {
	prefix := ""
	if len(t.parts) > 0 && t.parts[0].name == "" {
		prefix = t.parts[0].lit
	}
	u, err := url.Parse(t.sample())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http or https URL such as http://localhost:8081/orders/{order_number}")
	}
	if len(t.names()) == 0 {
		return nil
	}
	rest, ok := strings.CutPrefix(prefix, u.Scheme+"://")
	if !ok || !strings.ContainsAny(rest, "/?") {
		return errors.New("placeholders may appear only in the path or the query, after the host")
	}
	if strings.IndexAny(rest, "/?") < strings.Index(rest, u.Host)+len(u.Host) {
		return errors.New("placeholders may appear only in the path or the query, after the host")
	}
	return nil
}

// sample returns the URL with every placeholder replaced by "x".
func (t *urlTemplate) sample() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name != "" {
			b.WriteString("x")
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// names returns the placeholders' names, in order.
func (t *urlTemplate) names() []string {
	var out []string
	for _, p := range t.parts {
		if p.name != "" && !contains(out, p.name) {
			out = append(out, p.name)
		}
	}
	return out
}

// expand fills the placeholders from args and returns the URL and the
// names used. A placeholder needs a scalar argument that is present and
// not empty.
func (t *urlTemplate) expand(args map[string]any) (string, []string, error) {
	var b strings.Builder
	var used []string
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := args[p.name]
		if !ok || v == nil {
			return "", nil, fmt.Errorf("%w: missing argument %s", ErrArguments, p.name)
		}
		s, ok := scalar(v)
		if !ok {
			return "", nil, fmt.Errorf("%w: argument %s must be a string, number or boolean", ErrArguments, p.name)
		}
		if s == "" {
			return "", nil, fmt.Errorf("%w: argument %s is empty", ErrArguments, p.name)
		}
		if p.query {
			b.WriteString(url.QueryEscape(s))
		} else {
			b.WriteString(url.PathEscape(s))
		}
		if !contains(used, p.name) {
			used = append(used, p.name)
		}
	}
	return b.String(), used, nil
}

// withQuery appends the scalar arguments not in used to u's query, sorted
// by name.
func withQuery(u string, args map[string]any, used []string) (string, error) {
	var extra []string
	for k := range args {
		if !contains(used, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return u, nil
	}
	sort.Strings(extra)
	q := url.Values{}
	for _, k := range extra {
		if args[k] == nil {
			continue
		}
		s, ok := scalar(args[k])
		if !ok {
			return "", fmt.Errorf("%w: argument %s must be a string, number or boolean to go in the query of a GET", ErrArguments, k)
		}
		q.Set(k, s)
	}
	if len(q) == 0 {
		return u, nil
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode(), nil
}

// scalar renders a JSON scalar as text.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// decodeArgs reads a tool call's arguments: a JSON object, or nothing.
// Numbers keep their text (json.Number).
func decodeArgs(raw json.RawMessage) (map[string]any, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var args map[string]any
	if err := dec.Decode(&args); err != nil {
		return nil, fmt.Errorf("%w: the arguments must be a JSON object: %v", ErrArguments, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: the arguments must be one JSON object", ErrArguments)
	}
	if args == nil {
		args = map[string]any{}
	}
	return args, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
