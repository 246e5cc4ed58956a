package flow

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/nlu"
)

// Built-in prompts: the dialogue's own sentences, overridable in the file's
// prompts section. The defaults exist in English and Mandarin; a file with
// other languages must give every one of them.
var builtinPrompts = map[string]map[string]string{
	"greeting":       {"en": "Thanks for calling. How can I help you today?", "zh": "您好，感谢您的来电。请问有什么可以帮您？"},
	"how_can_i_help": {"en": "What can I help you with?", "zh": "请问有什么可以帮您？"},
	"anything_else":  {"en": "Is there anything else I can help you with?", "zh": "请问还有其他可以帮您的吗？"},
	"goodbye":        {"en": "Thanks for calling. Goodbye!", "zh": "感谢您的来电，再见！"},
	"transfer":       {"en": "Let me transfer you to someone who can help.", "zh": "我帮您转接人工客服，请稍等。"},
	"not_understood": {"en": "Sorry, I didn't catch that.", "zh": "抱歉，我没有听清楚。"},
	"yes_or_no":      {"en": "Please say yes or no.", "zh": "请回答是或者不是。"},
	"bad_key":        {"en": "Sorry, that key is not an option.", "zh": "抱歉，这个按键无效。"},
	"tool_error":     {"en": "I'm sorry, I can't reach that system right now.", "zh": "抱歉，系统暂时无法连接。"},
	"offer_transfer": {"en": "Would you like me to transfer you to an agent?", "zh": "需要为您转接人工客服吗？"},
	"no_answer":      {"en": "I'm sorry, I don't have an answer to that.", "zh": "抱歉，这个问题我暂时无法回答。"},
}

// promptNames lists the built-in prompts, sorted, for messages.
func promptNames() []string { return sortedKeys(builtinPrompts) }

// Load reads a flow file. Errors are *Error values giving the file, line
// and field path of the first problem.
func Load(path string) (*Flows, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return Parse(path, data)
}

// Parse reads a flow file from data; name labels errors.
func Parse(name string, data []byte) (*Flows, error) {
	r := &reader{file: name}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(name, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Err: errors.New("the file is empty: it needs at least a flows section")}
	}
	l := &loader{r: r, f: &Flows{
		file:     name,
		prompts:  map[string]*text{},
		labels:   map[string]map[string]*text{},
		slots:    map[string]nlu.Slot{},
		slotPos:  map[string]pos{},
		flows:    map[string]*flowDef{},
		byIntent: map[string]*flowDef{},
	}}
	if err := l.file(doc.Content[0]); err != nil {
		return nil, err
	}
	return l.f, nil
}

// yamlError turns a yaml.v3 syntax error into an *Error with its line.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if _, rest, ok := strings.Cut(msg, "line "); ok {
		fmt.Sscanf(rest, "%d", &line)
		if i := strings.Index(rest, ": "); i >= 0 {
			msg = rest[i+2:]
		}
	}
	return &Error{File: name, Line: line, Err: errors.New(msg)}
}

// loader compiles a flow file.
type loader struct {
	r *reader
	f *Flows
}

var topFields = []string{"language", "languages", "settings", "prompts", "labels", "hints", "menu", "slots", "no_match", "flows"}

// file compiles the document's root mapping.
func (l *loader) file(root *yaml.Node) error {
	if root.Kind == yaml.MappingNode {
		// Fields named x-... hold YAML anchors for the rest of the file
		// (shared prompts, steps) and are otherwise ignored.
		kept := make([]*yaml.Node, 0, len(root.Content))
		for i := 0; i+1 < len(root.Content); i += 2 {
			if !strings.HasPrefix(root.Content[i].Value, "x-") {
				kept = append(kept, root.Content[i], root.Content[i+1])
			}
		}
		root = &yaml.Node{Kind: yaml.MappingNode, Line: root.Line, Content: kept}
	}
	m, err := l.r.fieldMap(root, "", topFields)
	if err != nil {
		return err
	}
	if err := l.languages(m["language"], m["languages"]); err != nil {
		return err
	}
	if err := l.settings(m["settings"]); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return l.labels(m["labels"]) },
		func() error { return l.prompts(m["prompts"]) },
		func() error { return l.globalHints(m["hints"]) },
		func() error { return l.localSlots(m["slots"]) },
		func() error { return l.flowsSection(m["flows"]) },
		func() error { return l.menu(m["menu"]) },
		func() error { return l.noMatch(m["no_match"]) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return l.resolve()
}

// languages reads the default language and the list every prompt covers.
func (l *loader) languages(lang, langs *yaml.Node) error {
	l.f.language = "en"
	if lang != nil {
		s, err := l.r.name(lang, "language", "language")
		if err != nil {
			return err
		}
		l.f.language = strings.ToLower(s)
	}
	l.f.languages = []string{l.f.language}
	if langs == nil {
		return nil
	}
	list, err := l.r.strList(langs, "languages")
	if err != nil {
		return err
	}
	for i, s := range list {
		s = strings.ToLower(strings.TrimSpace(s))
		if !isName(s) {
			return l.r.errAt(langs, index("languages", i), "%q is not a language tag such as en or zh", s)
		}
		if !contains(l.f.languages, s) {
			l.f.languages = append(l.f.languages, s)
		}
	}
	return nil
}

var settingsFields = []string{"max_attempts", "switch_confidence", "dtmf_yes", "dtmf_no", "knowledge", "queue", "skills", "intents"}

// settings reads the settings section over the defaults.
func (l *loader) settings(n *yaml.Node) error {
	s := &l.f.settings
	*s = settings{maxAttempts: 2, switchConfidence: 0.7, dtmfYes: "1", dtmfNo: "2", kbResults: 3, kbSentences: 2,
		queue: "general", skills: map[string][]string{},
		roles: roles{affirm: "affirm", deny: "deny", repeat: "repeat", goodbye: "goodbye", agent: "speak_to_agent"}}
	if n == nil {
		return nil
	}
	m, err := l.r.fieldMap(n, "settings", settingsFields)
	if err != nil {
		return err
	}
	if v := m["max_attempts"]; v != nil {
		if s.maxAttempts, err = l.r.integer(v, "settings.max_attempts", 1, 10); err != nil {
			return err
		}
	}
	if v := m["switch_confidence"]; v != nil {
		if s.switchConfidence, err = l.r.number(v, "settings.switch_confidence", 0, 1); err != nil {
			return err
		}
	}
	for key, dst := range map[string]*string{"dtmf_yes": &s.dtmfYes, "dtmf_no": &s.dtmfNo} {
		if v := m[key]; v != nil {
			if *dst, err = l.key(v, "settings."+key); err != nil {
				return err
			}
		}
	}
	if s.dtmfYes == s.dtmfNo {
		return l.r.errAt(n, "settings.dtmf_no", "must differ from settings.dtmf_yes (both %q)", s.dtmfYes)
	}
	if v := m["queue"]; v != nil {
		if s.queue, err = l.r.name(v, "settings.queue", "queue"); err != nil {
			return err
		}
	}
	if err := l.knowledgeSettings(m["knowledge"]); err != nil {
		return err
	}
	if err := l.skills(m["skills"]); err != nil {
		return err
	}
	return l.roles(m["intents"])
}

// key reads a single keypad key.
func (l *loader) key(n *yaml.Node, path string) (string, error) {
	k, err := l.r.str(n, path)
	if err != nil {
		return "", err
	}
	if len(k) != 1 || !strings.Contains("0123456789*ABCD", k) {
		return "", l.r.errAt(n, path, "must be one keypad key, 0-9, * or A-D (# ends digit entry), got %q", k)
	}
	return k, nil
}

func (l *loader) knowledgeSettings(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	m, err := l.r.fieldMap(n, "settings.knowledge", []string{"results", "sentences"})
	if err != nil {
		return err
	}
	s := &l.f.settings
	if v := m["results"]; v != nil {
		if s.kbResults, err = l.r.integer(v, "settings.knowledge.results", 1, 20); err != nil {
			return err
		}
	}
	if v := m["sentences"]; v != nil {
		if s.kbSentences, err = l.r.integer(v, "settings.knowledge.sentences", 1, 5); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) skills(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	es, err := l.r.mapping(n, "settings.skills", nil)
	if err != nil {
		return err
	}
	for _, e := range es {
		p := join("settings.skills", e.name)
		if !contains(l.f.languages, e.name) {
			return l.r.errAt(e.key, p, "%q is not one of the file's languages (%s)", e.name, strings.Join(l.f.languages, ", "))
		}
		list, err := l.r.strList(e.val, p)
		if err != nil {
			return err
		}
		l.f.settings.skills[e.name] = list
	}
	return nil
}

func (l *loader) roles(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	m, err := l.r.fieldMap(n, "settings.intents", []string{"affirm", "deny", "repeat", "goodbye", "agent"})
	if err != nil {
		return err
	}
	r := &l.f.settings.roles
	for key, dst := range map[string]*string{"affirm": &r.affirm, "deny": &r.deny, "repeat": &r.repeat, "goodbye": &r.goodbye, "agent": &r.agent} {
		if v := m[key]; v != nil {
			if *dst, err = l.r.name(v, "settings.intents."+key, "intent"); err != nil {
				return err
			}
		}
	}
	return nil
}

// labels reads the label sets: set -> value -> text.
func (l *loader) labels(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	sets, err := l.r.mapping(n, "labels", nil)
	if err != nil {
		return err
	}
	for _, set := range sets {
		p := join("labels", set.name)
		vals, err := l.r.mapping(set.val, p, nil)
		if err != nil {
			return err
		}
		l.f.labels[set.name] = map[string]*text{}
		for _, v := range vals {
			t, err := l.text(v.val, join(p, v.name), true)
			if err != nil {
				return err
			}
			l.f.labels[set.name][v.name] = t
		}
	}
	return nil
}

// label renders a label for templates; an unknown set or value reads the
// value as words.
func (f *Flows) label(lang, set string, v any) string {
	s := toString(v)
	if t := f.labels[set][s]; t != nil {
		if out, err := t.render(lang, nil); err == nil {
			return out
		}
	}
	return humanWords(s)
}

// prompts reads the prompts section over the built-in prompts.
func (l *loader) prompts(n *yaml.Node) error {
	var given map[string]*yaml.Node
	if n != nil {
		var err error
		if given, err = l.r.fieldMap(n, "prompts", promptNames()); err != nil {
			return err
		}
	}
	for _, name := range promptNames() {
		p := join("prompts", name)
		if v := given[name]; v != nil {
			t, err := l.text(v, p, true)
			if err != nil {
				return err
			}
			l.f.prompts[name] = t
			continue
		}
		src := map[string]string{}
		for _, lang := range l.f.languages {
			s, ok := builtinPrompts[name][lang]
			if !ok {
				return l.r.errAt(n, p, "has no built-in %s text: give prompts.%s for every language of the file", lang, name)
			}
			src[lang] = s
		}
		t, err := compileText(src, pos{path: p}, l.f.label)
		if err != nil {
			return l.r.wrapAt(n, p, err)
		}
		l.f.prompts[name] = t
	}
	return nil
}

// text reads a prompt: a string, or a mapping from language to string.
// When spoken is set, every language of the file must have its text and a
// plain string stands for the default language only; otherwise a plain
// string serves every language (queue names, queries, tool arguments).
func (l *loader) text(n *yaml.Node, path string, spoken bool) (*text, error) {
	n = deref(n)
	src := map[string]string{}
	switch n.Kind {
	case yaml.ScalarNode:
		s, err := l.r.str(n, path)
		if err != nil {
			return nil, err
		}
		if spoken {
			src[l.f.language] = s
		} else {
			for _, lang := range l.f.languages {
				src[lang] = s
			}
		}
	case yaml.MappingNode:
		es, err := l.r.mapping(n, path, nil)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			lang := strings.ToLower(e.name)
			if !contains(l.f.languages, lang) {
				return nil, l.r.errAt(e.key, join(path, e.name), "%q is not one of the file's languages (%s): add it to languages", e.name, strings.Join(l.f.languages, ", "))
			}
			s, err := l.r.str(e.val, join(path, e.name))
			if err != nil {
				return nil, err
			}
			src[lang] = s
		}
	default:
		return nil, l.r.errAt(n, path, "must be a text or a mapping from language to text, got %s", kindName(n))
	}
	for _, lang := range l.f.languages {
		if _, ok := src[lang]; !ok {
			if n.Kind == yaml.ScalarNode {
				return nil, l.r.errAt(n, path, "missing prompt in %s: write {%s: ..., %s: ...}", lang, l.f.language, lang)
			}
			return nil, l.r.errAt(n, path, "missing prompt in %s", lang)
		}
	}
	t, err := compileText(src, pos{line: n.Line, path: path}, l.f.label)
	if err != nil {
		return nil, l.r.wrapAt(n, path, err)
	}
	l.f.texts = append(l.f.texts, t)
	return t, nil
}

// textList reads one text or a list of texts.
func (l *loader) textList(n *yaml.Node, path string, spoken bool) ([]*text, error) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		t, err := l.text(n, path, spoken)
		if err != nil {
			return nil, err
		}
		return []*text{t}, nil
	}
	out := make([]*text, 0, len(n.Content))
	for i, c := range n.Content {
		t, err := l.text(c, index(path, i), spoken)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// hintList reads recognition hints: a list of phrases for every language,
// or a mapping from language to a list.
func (l *loader) hintList(n *yaml.Node, path string) ([]*text, error) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return l.textList(n, path, false)
	}
	es, err := l.r.mapping(n, path, nil)
	if err != nil {
		return nil, err
	}
	var out []*text
	for _, e := range es {
		lang := strings.ToLower(e.name)
		p := join(path, e.name)
		if !contains(l.f.languages, lang) {
			return nil, l.r.errAt(e.key, p, "%q is not one of the file's languages (%s)", e.name, strings.Join(l.f.languages, ", "))
		}
		list, err := l.r.strList(e.val, p)
		if err != nil {
			return nil, err
		}
		for i, s := range list {
			t, err := compileText(map[string]string{lang: s}, pos{line: e.val.Line, path: index(p, i)}, l.f.label)
			if err != nil {
				return nil, l.r.wrapAt(e.val, index(p, i), err)
			}
			l.f.texts = append(l.f.texts, t)
			out = append(out, t)
		}
	}
	return out, nil
}

func (l *loader) globalHints(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	h, err := l.hintList(n, "hints")
	l.f.hints = h
	return err
}

// localSlots reads the slots the flows use beyond the NLU domain's.
func (l *loader) localSlots(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	es, err := l.r.mapping(n, "slots", nil)
	if err != nil {
		return err
	}
	for _, e := range es {
		p := join("slots", e.name)
		if !isName(e.name) {
			return l.r.errAt(e.key, p, "slot names are letters, digits, _ and -")
		}
		s, err := l.slotDef(e.val, p)
		if err != nil {
			return err
		}
		s.Name = e.name
		l.f.slots[e.name] = s
		l.f.slotPos[e.name] = pos{line: e.key.Line, path: p}
	}
	return nil
}

func (l *loader) slotDef(n *yaml.Node, p string) (nlu.Slot, error) {
	m, err := l.r.fieldMap(n, p, []string{"type", "description", "values", "synonyms", "min_length", "max_length"})
	if err != nil {
		return nlu.Slot{}, err
	}
	var s nlu.Slot
	if m["type"] == nil {
		return s, l.r.errAt(n, p, "needs a type (digits, email, money, enum or text)")
	}
	if s.Type, err = l.r.str(m["type"], join(p, "type")); err != nil {
		return s, err
	}
	if !contains([]string{nlu.SlotDigits, nlu.SlotEmail, nlu.SlotMoney, nlu.SlotEnum, nlu.SlotText}, s.Type) {
		return s, l.r.errAt(m["type"], join(p, "type"), "unknown slot type %q (digits, email, money, enum or text)", s.Type)
	}
	if v := m["description"]; v != nil {
		if s.Description, err = l.r.str(v, join(p, "description")); err != nil {
			return s, err
		}
	}
	if v := m["values"]; v != nil {
		if s.Values, err = l.r.strList(v, join(p, "values")); err != nil {
			return s, err
		}
	}
	if s.Type == nlu.SlotEnum && len(s.Values) == 0 {
		return s, l.r.errAt(n, join(p, "values"), "an enum slot needs its values")
	}
	if v := m["synonyms"]; v != nil {
		es, err := l.r.mapping(v, join(p, "synonyms"), nil)
		if err != nil {
			return s, err
		}
		s.Synonyms = map[string][]string{}
		for _, e := range es {
			if s.Synonyms[e.name], err = l.r.strList(e.val, join(p, "synonyms."+e.name)); err != nil {
				return s, err
			}
		}
	}
	for key, dst := range map[string]*int{"min_length": &s.MinLength, "max_length": &s.MaxLength} {
		if v := m[key]; v != nil {
			if *dst, err = l.r.integer(v, join(p, key), 1, 64); err != nil {
				return s, err
			}
		}
	}
	if s.MaxLength > 0 && s.MinLength > s.MaxLength {
		return s, l.r.errAt(n, join(p, "max_length"), "must be at least min_length (%d)", s.MinLength)
	}
	return s, nil
}
