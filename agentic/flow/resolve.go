package flow

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// menu reads the keypad menu: a prompt and key -> flow.
func (l *loader) menu(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	m, err := l.r.fieldMap(n, "menu", []string{"prompt", "keys"})
	if err != nil {
		return err
	}
	mn := &menu{keys: map[string]string{}, pos: pos{line: n.Line, path: "menu"}}
	if v := m["prompt"]; v != nil {
		if mn.prompt, err = l.text(v, "menu.prompt", true); err != nil {
			return err
		}
	}
	kn := m["keys"]
	if kn == nil {
		return l.r.errAt(n, "menu.keys", "missing: map keypad keys to flows, e.g. \"1\": order_status")
	}
	es, err := l.r.mapping(kn, "menu.keys", nil)
	if err != nil {
		return err
	}
	for _, e := range es {
		p := join("menu.keys", e.name)
		k, err := l.key(e.key, p)
		if err != nil {
			return err
		}
		flow, err := l.r.name(e.val, p, "flow")
		if err != nil {
			return err
		}
		if l.f.flows[flow] == nil {
			return l.r.errAt(e.val, p, "no flow named %q (flows: %s)", flow, strings.Join(l.f.order, ", "))
		}
		mn.keys[k] = flow
	}
	l.f.menu = mn
	return nil
}

// noMatch reads the no-match ladder: the flows run for the first, second...
// consecutive turns nothing understood. Without one, the built-in ladder
// is compiled.
func (l *loader) noMatch(n *yaml.Node) error {
	if n == nil {
		return l.builtinNoMatch()
	}
	list, err := l.r.strList(n, "no_match")
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return l.r.errAt(n, "no_match", "is empty: list the flows to run when the caller is not understood")
	}
	for i, name := range list {
		if l.f.flows[name] == nil {
			return l.r.errAt(n, index("no_match", i), "no flow named %q (flows: %s)", name, strings.Join(l.f.order, ", "))
		}
	}
	l.f.noMatch = list
	l.f.noMatchAt = pos{line: n.Line, path: "no_match"}
	return nil
}

// builtinFile names the built-in flows in messages.
const builtinFile = "built-in no_match"

// builtinNoMatch builds the no-match ladder of a file without one, from the
// file's prompts (so it speaks every language of the file): say that the
// caller was not understood, then search the knowledge base (when the
// factory has one), then hand off.
func (l *loader) builtinNoMatch() error {
	reason := func(s string) (*text, error) {
		src := map[string]string{}
		for _, lang := range l.f.languages {
			src[lang] = s
		}
		return compileText(src, pos{path: "no_match"}, l.f.label)
	}
	searchFailed, err := reason("the bot could not answer the caller's question")
	if err != nil {
		return err
	}
	notUnderstood, err := reason("the bot did not understand the caller")
	if err != nil {
		return err
	}
	p := l.f.prompts
	flows := []*flowDef{
		{name: "_not_understood", then: thenListen, steps: []*step{
			{kind: kindSay, say: p["not_understood"], next: 1},
			{kind: kindSay, say: p["how_can_i_help"], next: endOfFlow},
		}},
		{name: "_search", then: thenAnythingElse, steps: []*step{
			{kind: kindAnswer, next: endOfFlow, onNoAnswer: 1},
			{kind: kindHandoff, handoff: &handoffSpec{reason: searchFailed}, next: endOfFlow},
		}},
		{name: "_transfer", then: thenAnythingElse, steps: []*step{
			{kind: kindHandoff, handoff: &handoffSpec{reason: notUnderstood}, next: endOfFlow},
		}},
	}
	for _, fd := range flows {
		fd.collects = map[string]int{}
		fd.intents = []string{fd.name}
		fd.pos = pos{path: "no_match"}
		for _, s := range fd.steps {
			s.pos = pos{path: "no_match (built in)"}
		}
		l.f.flows[fd.name] = fd
		l.f.order = append(l.f.order, fd.name)
		l.f.noMatch = append(l.f.noMatch, fd.name)
	}
	return nil
}

// resolve links goto, retry and start steps to their targets and maps
// intents to flows.
func (l *loader) resolve() error {
	for _, name := range l.f.order {
		fd := l.f.flows[name]
		ids := map[string]int{}
		for i, s := range fd.steps {
			if s.id == "" {
				continue
			}
			if _, dup := ids[s.id]; dup {
				return &Error{File: l.r.file, Line: s.idPos.line, Path: s.idPos.path, Err: fmt.Errorf("step id %q is used twice in flow %s", s.id, name)}
			}
			ids[s.id] = i
		}
		for _, s := range fd.steps {
			if err := l.link(fd, s, ids); err != nil {
				return err
			}
		}
		for _, in := range fd.intents {
			if other := l.f.byIntent[in]; other != nil {
				return &Error{File: l.r.file, Line: fd.pos.line, Path: join(fd.pos.path, "intents"),
					Err: fmt.Errorf("intent %s already starts flow %s", in, other.name)}
			}
			if !strings.HasPrefix(name, "_") {
				l.f.byIntent[in] = fd
			}
		}
	}
	return nil
}

// link resolves one step's target.
func (l *loader) link(fd *flowDef, s *step, ids map[string]int) error {
	errAt := func(format string, args ...any) error {
		return &Error{File: l.r.file, Line: s.pos.line, Path: s.pos.path, Err: fmt.Errorf(format, args...)}
	}
	switch s.kind {
	case kindGoto:
		i, ok := ids[s.targetN]
		if !ok {
			return errAt("no step with id %q in flow %s (give the target step an id: field)", s.targetN, fd.name)
		}
		s.target = i
	case kindRetry:
		i, ok := fd.collects[s.slot]
		if !ok {
			return errAt("flow %s has no collect: %s step to go back to", fd.name, s.slot)
		}
		s.target = i
	case kindStart:
		if l.f.flows[s.flow] == nil {
			return errAt("no flow named %q (flows: %s)", s.flow, strings.Join(l.f.order, ", "))
		}
	}
	return nil
}
