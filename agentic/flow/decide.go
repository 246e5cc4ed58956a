package flow

import (
	"context"
	"net/mail"
	"strconv"
	"strings"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
)

// decisionKind is what a turn does.
type decisionKind int

const (
	dGreet        decisionKind = iota + 1 // speak the greeting
	dNoInput                              // an empty turn after the greeting
	dRepeat                               // say the last turn again
	dStart                                // start (or switch to) a flow
	dFill                                 // the awaited slot's value
	dYes                                  // yes to the awaited question
	dNo                                   // no to the awaited question
	dCorrect                              // a new value for the slot being confirmed
	dReask                                // ask the question again: it was not heard
	dFail                                 // a failed answer to the awaited question
	dBadKey                               // a keypad key that means nothing here
	dNoMatch                              // nothing understood, no question awaited
	dHowCanIHelp                          // invite the caller's next request
	dAnythingElse                         // ask whether the caller needs anything else
	dRedoHandoff                          // the transfer was interrupted: transfer again
	dResume                               // go on with the flow where it stopped
	dAgent                                // built-in handoff on request
	dGoodbye                              // built-in goodbye
)

// decision is a turn's decision.
type decision struct {
	kind  decisionKind
	flow  *flowDef
	value string
	keys  bool // value came from the keypad
	leave bool // the caller moved to a subject no flow has
}

// heardInfo is what the History says the caller heard of the last turn.
type heardInfo struct {
	unheard bool // the awaited question was cut off
	dropped bool // the last turn's handoff or hang-up was cut off
}

func (a *Agent) plan(ctx context.Context, req agentic.Request) (*Plan, error) {
	p := &Plan{}
	lang := a.language(req)
	text := strings.TrimSpace(req.Text)
	keys := strings.TrimSpace(req.DTMF)
	heard := a.heard(req.History)
	if text == "" && keys == "" {
		p.d = decision{kind: dNoInput}
		if !a.st.greeted {
			p.d.kind = dGreet
		}
		return p, nil
	}
	if keys != "" {
		if d, res, ok := a.decideKeys(keys, text, lang); ok {
			p.d, p.Result, p.Understood = d, res, true
			return p, nil
		}
	}
	res, err := a.parse(ctx, text, lang)
	if err != nil {
		return nil, err
	}
	p.Result, p.Understood = res, true
	p.d = a.decide(res, text, heard)
	p.Delegate = p.d.kind == dNoMatch || p.d.leave ||
		((p.d.kind == dHowCanIHelp || p.d.kind == dAnythingElse) && a.st.delegated && a.st.wait == nil)
	return p, nil
}

// heard reads the History: was the awaited question, or the last action's
// lead-in, cut off by the caller?
func (a *Agent) heard(history []pipeline.Message) heardInfo {
	bot, ok := lastBot(history)
	if !ok || !bot.Interrupted {
		return heardInfo{}
	}
	h := heardInfo{dropped: a.st.terminal != nil}
	if w := a.st.wait; w != nil {
		h.unheard = !heardAll(bot.Text, w.question)
	}
	return h
}

// parse understands text with what the dialogue expects: the slots still
// to collect, and only yes, no and the global intents after a yes/no
// question. A restricted parse that understands nothing is repeated
// unrestricted, so that a caller who changes the subject is heard.
func (a *Agent) parse(ctx context.Context, text, lang string) (nlu.Result, error) {
	opts := nlu.ParseOptions{Language: lang, Now: a.f.now()}
	w := a.st.wait
	restricted := false
	switch {
	case w != nil && w.kind == waitCollect:
		opts.Expect = a.expected()
	case w != nil && w.kind == waitConfirm:
		opts.Expect, opts.Intents, restricted = a.expected(), a.f.affirmNo, true
		opts.Expect = opts.Expect[:min(1, len(opts.Expect))]
	case w != nil && (w.kind == waitAsk || w.kind == waitOfferTransfer):
		opts.Intents, restricted = a.f.affirmNo, true
	case a.st.flow != nil:
		opts.Expect = a.expected()
	}
	res, err := a.f.parser.Parse(ctx, text, opts)
	if err != nil {
		return nlu.Result{}, err
	}
	if restricted && res.Intent == nlu.NoIntent && (w.slot == "" || res.Slots[w.slot] == "") {
		opts.Intents = nil
		open, err := a.f.parser.Parse(ctx, text, opts)
		if err != nil {
			return nlu.Result{}, err
		}
		if open.Intent != nlu.NoIntent {
			res = open
		}
	}
	if res.Slots == nil {
		res.Slots = map[string]string{}
	}
	return res, nil
}

// expected lists the slots the dialogue wants: the awaited one, then the
// current flow's other collect steps not filled yet. Slots of the flow
// file the parser's domains do not have are left out: the flow takes the
// caller's words for them itself.
func (a *Agent) expected() []string {
	var out []string
	add := func(slot string) {
		if slot != "" && !contains(out, slot) && (a.f.parsed == nil || a.f.parsed[slot]) {
			out = append(out, slot)
		}
	}
	if w := a.st.wait; w != nil {
		add(w.slot)
	}
	if fd := a.st.flow; fd != nil {
		for _, s := range fd.steps {
			if s.kind == kindCollect && a.st.slots[s.slot] == "" {
				add(s.slot)
			}
		}
	}
	return out
}

// decideKeys decides a turn of keypad digits. It returns false when the
// keys mean nothing here and the turn also has words to understand.
func (a *Agent) decideKeys(keys, text, lang string) (decision, nlu.Result, bool) {
	res := nlu.Result{Text: text, Language: lang, Intent: nlu.NoIntent, Confidence: 1, Slots: map[string]string{}, Source: "dtmf"}
	set, r, w := a.f.flows.settings, a.f.flows.settings.roles, a.st.wait
	if w != nil && w.kind == waitCollect && !w.step.noDTMF && a.f.slots[w.slot].Type == nlu.SlotDigits {
		digits := keypadDigits(keys)
		res.Slots[w.slot] = digits
		if a.valid(w.slot, digits) {
			return decision{kind: dFill, value: digits, keys: true}, res, true
		}
		return decision{kind: dFail}, res, true
	}
	k := keys[:1]
	if w != nil && w.kind != waitCollect && (k == set.dtmfYes || k == set.dtmfNo) {
		res.Intent = r.affirm
		if k == set.dtmfNo {
			res.Intent = r.deny
		}
		return a.decide(res, text, heardInfo{}), res, true
	}
	idle := w == nil && a.st.flow == nil
	if m := a.f.flows.menu; m != nil {
		if name, ok := m.keys[k]; ok {
			fd := a.f.flows.flows[name]
			global := contains(fd.intents, r.agent) || contains(fd.intents, r.goodbye)
			if idle || global || w != nil && w.kind == waitAnythingElse {
				res.Intent = fd.intents[0]
				return decision{kind: dStart, flow: fd}, res, true
			}
		}
	}
	if text != "" {
		return decision{}, res, false
	}
	return decision{kind: dBadKey}, res, true
}

// keypadDigits returns the digits keyed before the # terminator; * starts
// the entry over.
func keypadDigits(keys string) string {
	if i := strings.IndexByte(keys, '#'); i >= 0 {
		keys = keys[:i]
	}
	if i := strings.LastIndexByte(keys, '*'); i >= 0 {
		keys = keys[i+1:]
	}
	var b strings.Builder
	for _, c := range keys {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// decide decides a turn the parser understood.
func (a *Agent) decide(res nlu.Result, text string, heard heardInfo) decision {
	r := a.f.flows.settings.roles
	w := a.st.wait
	switch res.Intent {
	case r.agent:
		return a.startOr(r.agent, dAgent)
	case r.goodbye:
		if !(w != nil && w.slot != "" && a.slotValue(w.slot, res) != "") {
			return a.startOr(r.goodbye, dGoodbye)
		}
	case r.repeat:
		return decision{kind: dRepeat}
	}
	if heard.dropped {
		if _, ok := a.st.terminal.(agentic.Handoff); ok {
			if fd := a.switchTarget(res); fd != nil {
				return decision{kind: dStart, flow: fd}
			}
			return decision{kind: dRedoHandoff}
		}
	}
	if w != nil {
		return a.decideWait(w, res, text, heard.unheard)
	}
	if a.st.flow != nil {
		if fd := a.switchTarget(res); fd != nil {
			return decision{kind: dStart, flow: fd}
		}
		return decision{kind: dResume, leave: a.leaves(res)}
	}
	if fd := a.flowFor(res.Intent); fd != nil {
		return decision{kind: dStart, flow: fd}
	}
	switch res.Intent {
	case r.affirm:
		return decision{kind: dHowCanIHelp}
	case r.deny:
		return decision{kind: dAnythingElse}
	}
	return decision{kind: dNoMatch}
}

// decideWait decides the answer to the awaited question.
func (a *Agent) decideWait(w *waiting, res nlu.Result, text string, unheard bool) decision {
	r := a.f.flows.settings.roles
	yes, no := res.Intent == r.affirm, res.Intent == r.deny
	reask := decision{kind: dReask}
	switch w.kind {
	case waitCollect:
		if v := a.slotValue(w.slot, res); v != "" {
			return decision{kind: dFill, value: v}
		}
		if fd := a.switchTarget(res); fd != nil {
			return decision{kind: dStart, flow: fd}
		}
		if v := a.textValue(w.slot, res, text); v != "" {
			return decision{kind: dFill, value: v}
		}
	case waitConfirm:
		v, cur := a.slotValue(w.slot, res), a.st.slots[w.slot]
		switch {
		case v != "" && v != cur:
			return decision{kind: dCorrect, value: v}
		case unheard && (yes || no):
			return reask
		case yes || v != "":
			return decision{kind: dYes}
		case no:
			return decision{kind: dNo}
		}
		if fd := a.switchTarget(res); fd != nil {
			return decision{kind: dStart, flow: fd}
		}
	case waitAsk, waitOfferTransfer:
		switch {
		case unheard && (yes || no):
			return reask
		case yes:
			return decision{kind: dYes}
		case no:
			return decision{kind: dNo}
		}
		if fd := a.switchTarget(res); fd != nil {
			return decision{kind: dStart, flow: fd}
		}
	case waitAnythingElse:
		switch {
		case unheard && (yes || no):
			return reask
		case yes:
			return decision{kind: dHowCanIHelp}
		case no:
			return a.startOr(r.goodbye, dGoodbye)
		}
		if fd := a.flowFor(res.Intent); fd != nil {
			return decision{kind: dStart, flow: fd}
		}
		return decision{kind: dNoMatch}
	}
	if unheard {
		return reask
	}
	return decision{kind: dFail, leave: a.leaves(res)}
}

// startOr starts the flow of intent, or takes the built-in behaviour.
func (a *Agent) startOr(intent string, builtin decisionKind) decision {
	if fd := a.flowFor(intent); fd != nil {
		return decision{kind: dStart, flow: fd}
	}
	return decision{kind: builtin}
}

// flowFor returns the flow an intent starts, or nil.
func (a *Agent) flowFor(intent string) *flowDef {
	if intent == "" || intent == nlu.NoIntent {
		return nil
	}
	return a.f.flows.byIntent[intent]
}

// switchTarget returns the flow a confident new intent moves the caller
// to, or nil.
func (a *Agent) switchTarget(res nlu.Result) *flowDef {
	r := a.f.flows.settings.roles
	if res.Intent == r.affirm || res.Intent == r.deny || res.Confidence < a.f.flows.settings.switchConfidence {
		return nil
	}
	fd := a.flowFor(res.Intent)
	if fd == nil || fd == a.st.flow {
		return nil
	}
	return fd
}

// leaves reports a confident intent that no flow handles: the caller has
// moved on to something another agent may answer.
func (a *Agent) leaves(res nlu.Result) bool {
	if res.Intent == nlu.NoIntent || res.Confidence < a.f.flows.settings.switchConfidence {
		return false
	}
	return a.flowFor(res.Intent) == nil && !contains(a.f.flows.settings.roles.all(), res.Intent)
}

// slotValue returns the parser's value for slot when it is valid.
func (a *Agent) slotValue(slot string, res nlu.Result) string {
	v := strings.TrimSpace(res.Slots[slot])
	if v != "" && a.valid(slot, v) {
		return v
	}
	return ""
}

// textValue returns the caller's words as the value of a text slot when
// the parser found no intent in them.
func (a *Agent) textValue(slot string, res nlu.Result, text string) string {
	if a.f.slots[slot].Type != nlu.SlotText {
		return ""
	}
	if res.Intent != nlu.NoIntent && res.Confidence >= a.f.flows.settings.switchConfidence {
		return ""
	}
	if contains(a.f.flows.settings.roles.all(), res.Intent) {
		return ""
	}
	return strings.ToLower(strings.Join(strings.Fields(text), " "))
}

// valid checks a value against its slot's type.
func (a *Agent) valid(slot, v string) bool {
	def, ok := a.f.slots[slot]
	if !ok {
		return v != ""
	}
	switch def.Type {
	case nlu.SlotDigits:
		if v == "" || strings.Trim(v, "0123456789") != "" {
			return false
		}
		return (def.MinLength == 0 || len(v) >= def.MinLength) && (def.MaxLength == 0 || len(v) <= def.MaxLength)
	case nlu.SlotEnum:
		return contains(def.Values, v)
	case nlu.SlotMoney:
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case nlu.SlotEmail:
		_, err := mail.ParseAddress(v)
		return err == nil
	}
	return v != ""
}
