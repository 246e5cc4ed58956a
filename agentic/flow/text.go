package flow

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
)

// noValue is what text/template prints for a missing map key.
const noValue = "<no value>"

// errNoValue reports a template that used a value the turn does not have.
var errNoValue = errors.New("the text uses a value that is not set (a slot not filled yet, or a field the tool result lacks): guard it with {{with ...}} or {{default ...}}")

// text is a prompt in each of the file's languages, compiled to templates.
// It is immutable once loaded and safe for concurrent use.
type text struct {
	byLang map[string]*template.Template
	src    map[string]string
	pos    pos
}

// pos locates a value in the flow file.
type pos struct {
	line int
	path string
}

// render executes the template for lang with data. A template that prints
// a missing value fails with errNoValue, and returns its text too so that
// a caller can keep the sentences without the gap.
func (t *text) render(lang string, data map[string]any) (string, error) {
	tmpl := t.pick(lang)
	if tmpl == nil {
		return "", fmt.Errorf("%s: no text for language %q", t.pos.path, lang)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("%s (line %d): %w", t.pos.path, t.pos.line, err)
	}
	out := strings.TrimSpace(b.String())
	if strings.Contains(out, noValue) {
		return out, fmt.Errorf("%s (line %d): %w", t.pos.path, t.pos.line, errNoValue)
	}
	return out, nil
}

// pick returns the template of lang: its exact tag, else its base
// language, else nil.
func (t *text) pick(lang string) *template.Template {
	if tm, ok := t.byLang[lang]; ok {
		return tm
	}
	base, _, _ := strings.Cut(lang, "-")
	if tm, ok := t.byLang[strings.ToLower(base)]; ok {
		return tm
	}
	return nil
}

// funcMap returns the template functions for lang. labels maps a label set
// and a value to its text (see the labels section); it is read at render
// time.
func funcMap(lang string, labels func(lang, set string, v any) string) template.FuncMap {
	return template.FuncMap{
		"digits":  func(v any) string { return spellDigits(lang, v) },
		"number":  func(v any) string { return numberWords(lang, v) },
		"money":   func(v any) string { return moneyWords(lang, v) },
		"date":    func(v any) string { return dateWords(lang, v) },
		"time":    func(v any) string { return timeWords(lang, v) },
		"email":   func(v any) string { return emailWords(lang, v) },
		"list":    func(v any) string { return listWords(lang, v) },
		"words":   humanWords,
		"pluck":   pluck,
		"label":   func(set string, v any) string { return labels(lang, set, v) },
		"default": func(def, v any) any { return orDefault(def, v) },
		"lower":   func(v any) string { return strings.ToLower(toString(v)) },
	}
}

// orDefault returns v unless it is empty.
func orDefault(def, v any) any {
	switch x := v.(type) {
	case nil:
		return def
	case string:
		if x == "" {
			return def
		}
	case []any:
		if len(x) == 0 {
			return def
		}
	}
	return v
}

// compileText parses src (language -> template source) with the functions
// of each language.
func compileText(src map[string]string, p pos, labels func(lang, set string, v any) string) (*text, error) {
	t := &text{byLang: make(map[string]*template.Template, len(src)), src: src, pos: p}
	for lang, s := range src {
		tm, err := template.New(p.path).Funcs(funcMap(lang, labels)).Parse(s)
		if err != nil {
			return nil, fmt.Errorf("bad template: %s", cleanTemplateError(err))
		}
		t.byLang[lang] = tm
	}
	return t, nil
}

// cleanTemplateError drops the template name text/template puts in front of
// its messages (the path is already in the error).
func cleanTemplateError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "template: ") && i >= 0 {
		rest := msg[len("template: "):]
		// "name:line: message" or "name:line:col: message".
		if j := strings.Index(rest, ": "); j >= 0 {
			return rest[j+2:]
		}
	}
	return msg
}

// fields returns the names of the data fields t reads (the first identifier
// of each .field chain), for checking them against the slots and variables
// that exist.
func (t *text) fields() []string {
	seen := map[string]bool{}
	for _, tm := range t.byLang {
		if tm.Tree == nil {
			continue
		}
		walkFields(tm.Tree.Root, seen)
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// walkFields collects the root field names read under n. Fields inside
// {{with}} and {{range}} bodies are relative to dot and are skipped.
func walkFields(n parse.Node, seen map[string]bool) {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return
		}
		for _, c := range x.Nodes {
			walkFields(c, seen)
		}
	case *parse.ActionNode:
		walkFields(x.Pipe, seen)
	case *parse.PipeNode:
		if x == nil {
			return
		}
		for _, c := range x.Cmds {
			walkFields(c, seen)
		}
	case *parse.CommandNode:
		for _, a := range x.Args {
			walkFields(a, seen)
		}
	case *parse.FieldNode:
		if len(x.Ident) > 0 {
			seen[x.Ident[0]] = true
		}
	case *parse.ChainNode:
		walkFields(x.Node, seen)
	case *parse.IfNode:
		walkFields(x.Pipe, seen)
		walkFields(x.List, seen)
		walkFields(x.ElseList, seen)
	case *parse.WithNode:
		walkFields(x.Pipe, seen)
		walkFields(x.ElseList, seen)
	case *parse.RangeNode:
		walkFields(x.Pipe, seen)
		walkFields(x.ElseList, seen)
	}
}
