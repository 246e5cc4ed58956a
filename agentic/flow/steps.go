package flow

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// flowsSection reads the flows: name -> {description, intents, queue, then,
// steps}.
func (l *loader) flowsSection(n *yaml.Node) error {
	if n == nil {
		return l.r.errAt(nil, "flows", "missing: the file needs a flows section with at least one flow")
	}
	es, err := l.r.mapping(n, "flows", nil)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return l.r.errAt(n, "flows", "is empty: define at least one flow")
	}
	for _, e := range es {
		if err := l.flow(e); err != nil {
			return err
		}
	}
	return nil
}

var flowFields = []string{"description", "intents", "queue", "then", "steps"}

func (l *loader) flow(e entry) error {
	p := join("flows", e.name)
	if !isName(e.name) {
		return l.r.errAt(e.key, p, "flow names are letters, digits, _ and -")
	}
	if strings.HasPrefix(e.name, "_") && l.r.file != builtinFile {
		return l.r.errAt(e.key, p, "names starting with _ are reserved for built-in flows")
	}
	m, err := l.r.fieldMap(e.val, p, flowFields)
	if err != nil {
		return err
	}
	fd := &flowDef{name: e.name, then: thenAnythingElse, collects: map[string]int{}, pos: pos{line: e.key.Line, path: p}}
	if v := m["description"]; v != nil {
		if fd.description, err = l.r.str(v, join(p, "description")); err != nil {
			return err
		}
	}
	fd.intents = []string{e.name}
	if v := m["intents"]; v != nil {
		if fd.intents, err = l.r.strList(v, join(p, "intents")); err != nil {
			return err
		}
	}
	if v := m["queue"]; v != nil {
		if fd.queue, err = l.text(v, join(p, "queue"), false); err != nil {
			return err
		}
	}
	if v := m["then"]; v != nil {
		if fd.then, err = l.r.str(v, join(p, "then")); err != nil {
			return err
		}
		if fd.then != thenAnythingElse && fd.then != thenListen {
			return l.r.errAt(v, join(p, "then"), "must be %s (ask whether the caller needs anything else) or %s (wait for the caller), got %q", thenAnythingElse, thenListen, fd.then)
		}
	}
	sn := deref(m["steps"])
	if sn == nil || sn.Kind != yaml.SequenceNode || len(sn.Content) == 0 {
		return l.r.errAt(e.val, join(p, "steps"), "a flow needs a list of steps")
	}
	if _, err := l.steps(sn, join(p, "steps"), fd, endOfFlow); err != nil {
		return err
	}
	l.f.flows[e.name] = fd
	l.f.order = append(l.f.order, e.name)
	return nil
}

// maxSteps bounds a flow's compiled steps.
const maxSteps = 5000

// steps compiles a list of steps into fd.steps, the last one continuing at
// cont, and returns the index of the first (cont for an empty list).
func (l *loader) steps(n *yaml.Node, path string, fd *flowDef, cont int) (int, error) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		return 0, l.r.errAt(n, path, "must be a list of steps (lines starting with -), got %s", kindName(n))
	}
	if len(n.Content) == 0 {
		return cont, nil
	}
	if len(fd.steps)+len(n.Content) > maxSteps {
		return 0, l.r.errAt(n, path, "the flow has more than %d steps (aliases repeating lists count each time): split it into flows", maxSteps)
	}
	base := len(fd.steps)
	for range n.Content {
		fd.steps = append(fd.steps, &step{})
	}
	for i, sn := range n.Content {
		s := fd.steps[base+i]
		s.next = cont
		if i+1 < len(n.Content) {
			s.next = base + i + 1
		}
		if err := l.step(sn, index(path, i), fd, s); err != nil {
			return 0, err
		}
	}
	return base, nil
}

// branch compiles an optional branch: unset when absent.
func (l *loader) branch(n *yaml.Node, path string, fd *flowDef, cont int) (int, error) {
	if n == nil {
		return unset, nil
	}
	return l.steps(n, path, fd, cont)
}

// stepFields lists the fields each kind of step accepts besides its kind
// key and id.
var stepFields = map[stepKind][]string{
	kindSay:     nil,
	kindCollect: {"prompt", "reprompt", "confirm", "hints", "max_attempts", "dtmf", "on_fail"},
	kindAsk:     {"hints", "on_yes", "on_no"},
	kindCall:    {"args", "save_as", "on_success", "on_failure", "on_error"},
	kindAnswer:  {"results", "sentences", "on_no_answer"},
	kindSwitch:  {"cases", "default"},
	kindHandoff: nil, kindEnd: nil, kindGoto: nil, kindRetry: nil, kindClear: nil, kindStart: nil, kindDone: nil,
}

// step compiles one step.
func (l *loader) step(n *yaml.Node, path string, fd *flowDef, s *step) error {
	es, err := l.r.mapping(n, path, nil)
	if err != nil {
		return err
	}
	var kindEntry *entry
	for i := range es {
		for _, k := range stepKinds {
			if es[i].name != k.key {
				continue
			}
			if kindEntry != nil {
				return l.r.errAt(es[i].key, path, "a step does one thing: it has both %s and %s", kindEntry.name, es[i].name)
			}
			kindEntry, s.kind = &es[i], k.kind
		}
	}
	if kindEntry == nil {
		return l.r.errAt(n, path, "unknown step kind: a step needs one of %s", strings.Join(kindKeys(), ", "))
	}
	s.pos = pos{line: kindEntry.key.Line, path: join(path, kindEntry.name)}
	allowed := append([]string{"id", kindEntry.name}, stepFields[s.kind]...)
	m, err := l.r.fieldMap(n, path, allowed)
	if err != nil {
		return err
	}
	if v := m["id"]; v != nil {
		if s.id, err = l.r.name(v, join(path, "id"), "step id"); err != nil {
			return err
		}
		s.idPos = pos{line: v.Line, path: join(path, "id")}
	}
	c := stepCtx{l: l, fd: fd, s: s, m: m, path: path, v: kindEntry.val}
	return c.compile()
}

// stepCtx holds what compiling one step needs.
type stepCtx struct {
	l    *loader
	fd   *flowDef
	s    *step
	m    map[string]*yaml.Node
	path string
	v    *yaml.Node // the kind key's value
}

func (c stepCtx) p(field string) string { return join(c.path, field) }

func (c stepCtx) compile() error {
	switch c.s.kind {
	case kindSay:
		t, err := c.l.text(c.v, c.s.pos.path, true)
		c.s.say = t
		return err
	case kindCollect:
		return c.collect()
	case kindAsk:
		return c.ask()
	case kindCall:
		return c.call()
	case kindAnswer:
		return c.answer()
	case kindSwitch:
		return c.switchStep()
	case kindHandoff:
		return c.handoff()
	case kindEnd:
		return c.end()
	case kindGoto:
		var err error
		c.s.targetN, err = c.l.r.name(c.v, c.s.pos.path, "step id")
		return err
	case kindRetry:
		var err error
		c.s.slot, err = c.l.r.name(c.v, c.s.pos.path, "slot")
		return err
	case kindClear:
		list, err := c.l.r.strList(c.v, c.s.pos.path)
		c.s.clear = list
		return err
	case kindStart:
		var err error
		c.s.flow, err = c.l.r.name(c.v, c.s.pos.path, "flow")
		return err
	case kindDone:
		return c.done()
	}
	return nil
}

// done reads a done step: true (or nothing) ends the flow as its then
// says; anything_else or listen overrides that.
func (c stepCtx) done() error {
	v := c.v
	if v.Kind != yaml.ScalarNode {
		return c.l.r.errAt(v, c.s.pos.path, "must be true, %s or %s, got %s", thenAnythingElse, thenListen, kindName(v))
	}
	switch strings.ToLower(v.Value) {
	case "", "true", "yes", "null", "~":
	case thenAnythingElse, thenListen:
		c.s.then = v.Value
	default:
		return c.l.r.errAt(v, c.s.pos.path, "must be true, %s or %s, got %q", thenAnythingElse, thenListen, v.Value)
	}
	return nil
}

func (c stepCtx) collect() error {
	s, l := c.s, c.l
	var err error
	if s.slot, err = l.r.name(c.v, s.pos.path, "slot"); err != nil {
		return err
	}
	if _, dup := c.fd.collects[s.slot]; dup {
		return l.r.errAt(c.v, s.pos.path, "the flow already collects %s: use retry: %s to ask again", s.slot, s.slot)
	}
	c.fd.collects[s.slot] = c.index()
	if c.m["prompt"] == nil {
		return l.r.errAt(c.v, c.p("prompt"), "missing prompt: a collect step needs the question that asks for %s", s.slot)
	}
	if s.say, err = l.text(c.m["prompt"], c.p("prompt"), true); err != nil {
		return err
	}
	if v := c.m["reprompt"]; v != nil {
		if s.reprompts, err = l.textList(v, c.p("reprompt"), true); err != nil {
			return err
		}
	}
	if v := c.m["confirm"]; v != nil {
		if s.confirm, err = l.text(v, c.p("confirm"), true); err != nil {
			return err
		}
	}
	if v := c.m["hints"]; v != nil {
		if s.hints, err = l.hintList(v, c.p("hints")); err != nil {
			return err
		}
	}
	if v := c.m["max_attempts"]; v != nil {
		if s.maxAttempts, err = l.r.integer(v, c.p("max_attempts"), 1, 10); err != nil {
			return err
		}
	}
	if v := c.m["dtmf"]; v != nil {
		dtmf, err := l.r.boolean(v, c.p("dtmf"))
		if err != nil {
			return err
		}
		s.noDTMF = !dtmf
	}
	s.onFail, err = l.branch(c.m["on_fail"], c.p("on_fail"), c.fd, s.next)
	return err
}

// index returns the step's index in its flow.
func (c stepCtx) index() int {
	for i, s := range c.fd.steps {
		if s == c.s {
			return i
		}
	}
	return -1
}

func (c stepCtx) ask() error {
	s, l := c.s, c.l
	var err error
	if s.say, err = l.text(c.v, s.pos.path, true); err != nil {
		return err
	}
	if v := c.m["hints"]; v != nil {
		if s.hints, err = l.hintList(v, c.p("hints")); err != nil {
			return err
		}
	}
	if s.onYes, err = l.branch(c.m["on_yes"], c.p("on_yes"), c.fd, s.next); err != nil {
		return err
	}
	s.onNo, err = l.branch(c.m["on_no"], c.p("on_no"), c.fd, s.next)
	return err
}

func (c stepCtx) call() error {
	s, l := c.s, c.l
	var err error
	if s.tool, err = l.r.name(c.v, s.pos.path, "tool"); err != nil {
		return err
	}
	if v := c.m["args"]; v != nil {
		es, err := l.r.mapping(v, c.p("args"), nil)
		if err != nil {
			return err
		}
		for _, e := range es {
			t, err := l.text(e.val, join(c.p("args"), e.name), false)
			if err != nil {
				return err
			}
			s.args = append(s.args, arg{name: e.name, value: t})
		}
	}
	if v := c.m["save_as"]; v != nil {
		if s.saveAs, err = l.r.name(v, c.p("save_as"), "variable"); err != nil {
			return err
		}
		if builtins[s.saveAs] {
			return l.r.errAt(v, c.p("save_as"), "%q is a built-in value of every turn: choose another name", s.saveAs)
		}
	}
	if s.onSuccess, err = l.branch(c.m["on_success"], c.p("on_success"), c.fd, s.next); err != nil {
		return err
	}
	if s.onFailure, err = l.branch(c.m["on_failure"], c.p("on_failure"), c.fd, s.next); err != nil {
		return err
	}
	s.onError, err = l.branch(c.m["on_error"], c.p("on_error"), c.fd, s.next)
	return err
}

func (c stepCtx) answer() error {
	s, l := c.s, c.l
	if !(c.v.Kind == yaml.ScalarNode && (c.v.Value == "" || c.v.Tag == "!!null")) {
		t, err := l.text(c.v, s.pos.path, false)
		if err != nil {
			return err
		}
		s.query = t
	}
	var err error
	if v := c.m["results"]; v != nil {
		if s.results, err = l.r.integer(v, c.p("results"), 1, 20); err != nil {
			return err
		}
	}
	if v := c.m["sentences"]; v != nil {
		if s.sentences, err = l.r.integer(v, c.p("sentences"), 1, 5); err != nil {
			return err
		}
	}
	s.onNoAnswer, err = l.branch(c.m["on_no_answer"], c.p("on_no_answer"), c.fd, s.next)
	return err
}

func (c stepCtx) switchStep() error {
	s, l := c.s, c.l
	var err error
	if s.value, err = l.text(c.v, s.pos.path, false); err != nil {
		return err
	}
	cn := c.m["cases"]
	if cn == nil {
		return l.r.errAt(c.v, c.p("cases"), "a switch needs cases: value -> steps")
	}
	es, err := l.r.mapping(cn, c.p("cases"), nil)
	if err != nil {
		return err
	}
	s.cases = make(map[string]int, len(es))
	for _, e := range es {
		target, err := l.steps(e.val, join(c.p("cases"), e.name), c.fd, s.next)
		if err != nil {
			return err
		}
		// "shipped, out_for_delivery" shares one branch between values.
		for _, v := range strings.Split(e.name, ",") {
			v = strings.TrimSpace(v)
			if _, dup := s.cases[v]; dup {
				return l.r.errAt(e.key, join(c.p("cases"), e.name), "case %q appears twice", v)
			}
			s.cases[v] = target
		}
	}
	s.def, err = l.branch(c.m["default"], c.p("default"), c.fd, s.next)
	return err
}

func (c stepCtx) handoff() error {
	s, l := c.s, c.l
	h := &handoffSpec{}
	s.handoff = h
	if c.v.Kind == yaml.ScalarNode {
		if c.v.Tag == "!!null" || c.v.Value == "" {
			return nil
		}
		t, err := l.text(c.v, s.pos.path, false)
		h.queue = t
		return err
	}
	m, err := l.r.fieldMap(c.v, s.pos.path, []string{"queue", "reason", "priority", "skills", "say"})
	if err != nil {
		return err
	}
	p := s.pos.path
	if v := m["queue"]; v != nil {
		if h.queue, err = l.text(v, join(p, "queue"), false); err != nil {
			return err
		}
	}
	if v := m["reason"]; v != nil {
		if h.reason, err = l.text(v, join(p, "reason"), false); err != nil {
			return err
		}
	}
	if v := m["priority"]; v != nil {
		if h.priority, err = l.r.integer(v, join(p, "priority"), -100, 100); err != nil {
			return err
		}
	}
	if v := m["skills"]; v != nil {
		if h.skills, err = l.r.strList(v, join(p, "skills")); err != nil {
			return err
		}
	}
	if v := m["say"]; v != nil {
		if h.say, err = l.text(v, join(p, "say"), true); err != nil {
			return err
		}
	}
	return nil
}

func (c stepCtx) end() error {
	s, l := c.s, c.l
	var err error
	if c.v.Kind == yaml.ScalarNode {
		if c.v.Tag != "!!null" && c.v.Value != "" {
			s.reason, err = l.text(c.v, s.pos.path, false)
		}
		return err
	}
	m, err := l.r.fieldMap(c.v, s.pos.path, []string{"reason", "say"})
	if err != nil {
		return err
	}
	if v := m["reason"]; v != nil {
		if s.reason, err = l.text(v, join(s.pos.path, "reason"), false); err != nil {
			return err
		}
	}
	if v := m["say"]; v != nil {
		s.endSay, err = l.text(v, join(s.pos.path, "say"), true)
	}
	return err
}
