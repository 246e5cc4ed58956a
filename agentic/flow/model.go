package flow

import (
	"github.com/parley-voice/parley/nlu"
)

// Flows is a loaded flow file: the dialogue of one line, its prompts in
// each language and its flows, compiled and checked. It is immutable and
// safe for concurrent use by many calls' agents.
type Flows struct {
	file      string
	language  string
	languages []string
	settings  settings
	prompts   map[string]*text
	labels    map[string]map[string]*text
	hints     []*text
	menu      *menu
	slots     map[string]nlu.Slot
	slotPos   map[string]pos
	noMatch   []string
	noMatchAt pos
	flows     map[string]*flowDef
	order     []string
	byIntent  map[string]*flowDef
	texts     []*text // every template, for checks
}

// File returns the name the flows were loaded from.
func (f *Flows) File() string { return f.file }

// Language returns the language of calls that do not name one.
func (f *Flows) Language() string { return f.language }

// Languages returns the languages every prompt has, the default first.
func (f *Flows) Languages() []string { return append([]string(nil), f.languages...) }

// Names returns the flows' names in file order.
func (f *Flows) Names() []string { return append([]string(nil), f.order...) }

// Intents returns the intents that start a flow, in file order of their
// flows (a flow without an intents list is started by the intent of its
// name).
func (f *Flows) Intents() []string {
	var out []string
	for _, name := range f.order {
		if !isInternal(f.flows[name]) {
			out = append(out, f.flows[name].intents...)
		}
	}
	return out
}

// Tools returns the names of the tools the flows call, sorted.
func (f *Flows) Tools() []string {
	seen := map[string]bool{}
	for _, fd := range f.flows {
		for _, s := range fd.steps {
			if s.kind == kindCall {
				seen[s.tool] = true
			}
		}
	}
	return sortedKeys(seen)
}

// Slots returns the slots the flows collect, retry, clear or read in
// their templates, sorted. Variables saved from tool results are not
// included.
func (f *Flows) Slots() []string {
	seen := map[string]bool{}
	for _, fd := range f.flows {
		for _, s := range fd.steps {
			if s.slot != "" {
				seen[s.slot] = true
			}
			for _, c := range s.clear {
				seen[c] = true
			}
		}
	}
	vars := f.vars()
	for _, t := range f.texts {
		for _, name := range t.fields() {
			if !vars[name] && !builtins[name] {
				seen[name] = true
			}
		}
	}
	return sortedKeys(seen)
}

// vars returns the names tool results are saved under.
func (f *Flows) vars() map[string]bool {
	out := map[string]bool{}
	for _, fd := range f.flows {
		for _, s := range fd.steps {
			if s.saveAs != "" {
				out[s.saveAs] = true
			}
		}
	}
	return out
}

// builtins are the template fields every turn has.
var builtins = map[string]bool{
	"text": true, "language": true, "today": true, "call_id": true, "intent": true,
	"error": true, "caller": true, "slots": true,
}

// settings are the flow file's tunables.
type settings struct {
	maxAttempts      int
	switchConfidence float64
	dtmfYes, dtmfNo  string
	kbResults        int
	kbSentences      int
	queue            string
	skills           map[string][]string
	roles            roles
}

// roles names the domain's intents that have a meaning of their own to
// the dialogue.
type roles struct {
	affirm, deny, repeat, goodbye, agent string
}

// all returns the role intents.
func (r roles) all() []string { return []string{r.affirm, r.deny, r.repeat, r.goodbye, r.agent} }

// menu is a keypad menu offered when the caller is not in a flow.
type menu struct {
	prompt *text
	keys   map[string]string // key -> flow
	pos    pos
}

// then values: what a flow does after its last step.
const (
	thenAnythingElse = "anything_else"
	thenListen       = "listen"
)

// flowDef is one compiled flow.
type flowDef struct {
	name        string
	description string
	intents     []string
	queue       *text
	then        string
	steps       []*step
	collects    map[string]int // slot -> index of its collect step
	pos         pos
}

// stepKind is what a step does.
type stepKind int

const (
	kindSay stepKind = iota + 1
	kindCollect
	kindAsk
	kindCall
	kindAnswer
	kindSwitch
	kindHandoff
	kindEnd
	kindGoto
	kindRetry
	kindClear
	kindStart
	kindDone
)

// stepKinds maps the YAML key of each kind to it, in documentation order.
var stepKinds = []struct {
	key  string
	kind stepKind
}{
	{"say", kindSay}, {"collect", kindCollect}, {"ask", kindAsk}, {"call", kindCall},
	{"answer", kindAnswer}, {"switch", kindSwitch}, {"handoff", kindHandoff}, {"end", kindEnd},
	{"goto", kindGoto}, {"retry", kindRetry}, {"clear", kindClear}, {"start", kindStart},
	{"done", kindDone},
}

// kindKeys lists the step kinds' keys, for messages.
func kindKeys() []string {
	out := make([]string, len(stepKinds))
	for i, k := range stepKinds {
		out[i] = k.key
	}
	return out
}

// Branch targets: a step index, or one of these.
const (
	endOfFlow = -1 // the flow is over
	unset     = -2 // no branch given: the built-in behaviour
)

// step is one compiled step of a flow. Branches are indexes into the
// flow's steps.
type step struct {
	kind  stepKind
	id    string
	idPos pos
	pos   pos
	next  int

	say *text // say, ask, collect (its prompt)

	slot        string // collect, retry
	reprompts   []*text
	confirm     *text
	hints       []*text
	maxAttempts int
	noDTMF      bool
	onFail      int

	onYes, onNo int // ask

	tool      string // call
	args      []arg
	saveAs    string
	onSuccess int
	onFailure int
	onError   int

	query      *text // answer; nil means the caller's words
	results    int
	sentences  int
	onNoAnswer int

	value *text // switch
	cases map[string]int
	def   int

	handoff *handoffSpec

	reason  *text // end
	endSay  *text
	target  int    // goto, retry
	targetN string // goto: the id before resolution
	clear   []string
	flow    string // start
	then    string // done: what follows the flow; "" for the flow's own then
}

// arg is one argument of a tool call.
type arg struct {
	name  string
	value *text
}

// handoffSpec is a handoff step's queue and what the human agent sees.
type handoffSpec struct {
	queue    *text // nil: the flow's or the file's queue
	reason   *text
	priority int
	skills   []string
	say      *text // nil: the transfer prompt
}
