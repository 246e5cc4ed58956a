package flow

import (
	"context"
	"fmt"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/nlu"
)

// turn is one Execute call: the agent, the request and what was said.
type turn struct {
	a      *Agent
	ctx    context.Context
	w      agentic.ResponseWriter
	req    agentic.Request
	lang   string
	res    nlu.Result
	spoken []string
	steps  int
	ended  bool // a handoff or end of call was written
	repeat bool // the turn repeated the last one; keep its hints
}

// execute carries out a decision.
func (t *turn) execute(d decision) error {
	st := &t.a.st
	st.greeted = true
	st.terminal = nil
	if d.kind != dNoMatch {
		st.noMatch = 0
	}
	if d.kind != dRepeat {
		st.delegated = false
	}
	t.mergeSlots(d)
	switch d.kind {
	case dGreet:
		return t.greet()
	case dRepeat:
		return t.repeatLast()
	case dStart:
		// Values from an earlier request are kept but confirmed again:
		// the caller may mean another order this time.
		clear(st.confirmed)
		return t.start(d.flow, true)
	case dFill:
		return t.fill(d)
	case dYes:
		return t.yes()
	case dNo:
		return t.no()
	case dCorrect:
		st.slots[st.wait.slot] = d.value
		st.confirmed[st.wait.slot] = false
		st.wait = nil
		return t.run()
	case dReask:
		return t.reask()
	case dFail, dNoInput:
		return t.fail()
	case dBadKey:
		if err := t.sayPrompt("bad_key"); err != nil {
			return err
		}
		return t.reaskOrInvite()
	case dNoMatch:
		return t.noMatch()
	case dHowCanIHelp:
		st.wait = nil
		return t.sayPrompt("how_can_i_help")
	case dAnythingElse:
		return t.ask(t.a.f.flows.prompts["anything_else"], waitAnythingElse, nil)
	case dRedoHandoff:
		return t.handoff(nil, "the caller was being transferred")
	case dResume:
		return t.run()
	case dAgent:
		return t.handoff(nil, "the caller asked for an agent")
	case dGoodbye:
		return t.endCall(nil, "the caller said goodbye", nil)
	}
	return fmt.Errorf("flow: unknown decision %d", d.kind)
}

// mergeSlots keeps the slot values the caller gave with this turn. The
// value of a slot being confirmed changes only through dCorrect.
func (t *turn) mergeSlots(d decision) {
	st := &t.a.st
	for name, v := range t.res.Slots {
		if w := st.wait; w != nil && w.kind == waitConfirm && name == w.slot {
			continue
		}
		if v != "" && t.a.valid(name, v) && st.slots[name] != v {
			st.slots[name] = v
			st.confirmed[name] = false
		}
	}
}

// greet speaks the greeting and the menu.
func (t *turn) greet() error {
	if err := t.sayPrompt("greeting"); err != nil {
		return err
	}
	if m := t.a.f.flows.menu; m != nil && m.prompt != nil {
		return t.say(m.prompt)
	}
	return nil
}

// repeatLast says the last turn's sentences again, keeping the question
// and the hints.
func (t *turn) repeatLast() error {
	t.repeat = true
	if len(t.a.st.last) == 0 {
		return t.sayPrompt("how_can_i_help")
	}
	for _, s := range t.a.st.last {
		if err := t.sentence(s); err != nil {
			return err
		}
	}
	return nil
}

// start begins a flow; byCaller marks a flow the caller asked for (not a
// no-match flow), whose intent the handoff reports.
func (t *turn) start(fd *flowDef, byCaller bool) error {
	st := &t.a.st
	st.flow, st.pc, st.wait = fd, 0, nil
	clear(st.attempts)
	if byCaller && !isInternal(fd) {
		st.intent = fd.intents[0]
		t.a.note("caller: " + describe(fd))
	}
	return t.run()
}

// isInternal reports a built-in flow.
func isInternal(fd *flowDef) bool { return len(fd.name) > 0 && fd.name[0] == '_' }

// describe says what a flow is about, for the call summary.
func describe(fd *flowDef) string {
	if fd.description != "" {
		return fd.description
	}
	return humanWords(fd.name)
}

// fill takes the awaited slot's value.
func (t *turn) fill(d decision) error {
	st := &t.a.st
	slot := st.wait.slot
	st.slots[slot] = d.value
	st.confirmed[slot] = d.keys
	if d.keys {
		t.a.note(fmt.Sprintf("%s %s (keypad)", humanWords(slot), d.value))
	}
	st.wait = nil
	return t.run()
}

// yes handles yes to the awaited question.
func (t *turn) yes() error {
	st := &t.a.st
	w := st.wait
	st.wait = nil
	switch w.kind {
	case waitConfirm:
		st.confirmed[w.slot] = true
		t.a.note(fmt.Sprintf("%s %s (confirmed)", humanWords(w.slot), st.slots[w.slot]))
	case waitAsk:
		st.pc = or(w.step.onYes, w.step.next)
	case waitOfferTransfer:
		return t.handoff(nil, "the caller accepted a transfer after a system error")
	}
	return t.run()
}

// no handles no to the awaited question.
func (t *turn) no() error {
	st := &t.a.st
	w := st.wait
	switch w.kind {
	case waitConfirm:
		delete(st.slots, w.slot)
		st.confirmed[w.slot] = false
		st.wait = nil
		return t.failed(w.step)
	case waitAsk:
		st.pc = or(w.step.onNo, w.step.next)
	case waitOfferTransfer:
		st.pc = w.resume
	}
	st.wait = nil
	return t.run()
}

// or returns target unless it is unset.
func or(target, def int) int {
	if target == unset {
		return def
	}
	return target
}

// reask asks the awaited question again, in full.
func (t *turn) reask() error {
	for _, s := range t.a.st.wait.speech {
		if err := t.sentence(s); err != nil {
			return err
		}
	}
	return nil
}

// reaskOrInvite asks the awaited question again, or invites a request.
func (t *turn) reaskOrInvite() error {
	if t.a.st.wait != nil {
		return t.reask()
	}
	if t.a.st.flow != nil {
		return t.run()
	}
	if m := t.a.f.flows.menu; m != nil && m.prompt != nil {
		return t.say(m.prompt)
	}
	return t.sayPrompt("how_can_i_help")
}

// fail handles a failed answer to the awaited question (or silence).
func (t *turn) fail() error {
	st := &t.a.st
	w := st.wait
	if w == nil {
		if st.flow != nil {
			return t.run()
		}
		return t.sayPrompt("how_can_i_help")
	}
	switch w.kind {
	case waitCollect:
		st.wait = nil
		return t.failed(w.step)
	case waitAnythingElse:
		return t.noMatch()
	}
	key := "ask:" + w.question
	if w.step != nil && w.step.slot != "" {
		key = w.step.slot
	}
	st.attempts[key]++
	if st.attempts[key] >= t.maxAttempts(w.step) {
		st.wait = nil
		return t.handoff(nil, "the caller did not answer yes or no")
	}
	if err := t.sayPrompt("yes_or_no"); err != nil {
		return err
	}
	return t.reask()
}

// failed counts a failed attempt at a collect step's slot and asks again,
// or takes the step's on_fail branch (by default a handoff) once the
// attempts are used up.
func (t *turn) failed(s *step) error {
	st := &t.a.st
	st.attempts[s.slot]++
	if n := st.attempts[s.slot]; n >= t.maxAttempts(s) {
		t.a.note(fmt.Sprintf("no valid %s after %d attempts", humanWords(s.slot), n))
		if s.onFail != unset {
			st.pc = s.onFail
			return t.run()
		}
		return t.handoff(nil, fmt.Sprintf("the bot could not get the %s after %d attempts", humanWords(s.slot), n))
	}
	st.pc = t.a.indexOf(s)
	return t.run()
}

// maxAttempts returns a step's attempts, else the file's.
func (t *turn) maxAttempts(s *step) int {
	if s != nil && s.maxAttempts > 0 {
		return s.maxAttempts
	}
	return t.a.f.flows.settings.maxAttempts
}

// indexOf returns the index of s in the current flow.
func (a *Agent) indexOf(s *step) int {
	if a.st.flow != nil {
		for i, x := range a.st.flow.steps {
			if x == s {
				return i
			}
		}
	}
	return endOfFlow
}

// noMatch runs the next flow of the no-match ladder.
func (t *turn) noMatch() error {
	st := &t.a.st
	ladder := t.a.f.noMatch
	st.wait = nil
	if len(ladder) == 0 {
		return t.sayPrompt("not_understood")
	}
	fd := ladder[min(st.noMatch, len(ladder)-1)]
	st.noMatch++
	return t.start(fd, false)
}

// run executes the current flow's steps until one waits for the caller,
// the flow ends, or the call is handed off or ended.
func (t *turn) run() error {
	st := &t.a.st
	for st.flow != nil && st.wait == nil && !t.ended {
		if t.steps++; t.steps > t.a.f.maxSteps {
			fd := st.flow
			t.a.log.Error("flow loops", "flow", fd.name, "err", ErrLoop)
			st.flow = nil
			return t.handoff(nil, "the flow "+fd.name+" looped")
		}
		if st.pc == endOfFlow {
			return t.endFlow()
		}
		if err := t.exec(st.flow.steps[st.pc]); err != nil {
			return err
		}
	}
	return nil
}

// endFlow finishes the current flow as its then says.
func (t *turn) endFlow() error { return t.endFlowWith(t.a.st.flow.then) }

// endFlowWith finishes the current flow: listen waits for the caller,
// anything_else asks whether there is anything else.
func (t *turn) endFlowWith(then string) error {
	st := &t.a.st
	st.flow = nil
	if then == thenListen {
		return nil
	}
	return t.ask(t.a.f.flows.prompts["anything_else"], waitAnythingElse, nil)
}

// exec runs one step.
func (t *turn) exec(s *step) error {
	st := &t.a.st
	switch s.kind {
	case kindSay:
		st.pc = s.next
		return t.say(s.say)
	case kindCollect:
		return t.collect(s)
	case kindAsk:
		return t.ask(s.say, waitAsk, s)
	case kindCall:
		return t.callTool(s)
	case kindAnswer:
		return t.answer(s)
	case kindSwitch:
		return t.switchStep(s)
	case kindHandoff:
		return t.handoff(s.handoff, "")
	case kindEnd:
		return t.endCall(s.endSay, "", s.reason)
	case kindGoto:
		st.pc = s.target
	case kindRetry:
		delete(st.slots, s.slot)
		st.confirmed[s.slot] = false
		return t.failed(st.flow.steps[s.target])
	case kindClear:
		for _, name := range s.clear {
			delete(st.slots, name)
			delete(st.confirmed, name)
		}
		st.pc = s.next
	case kindStart:
		return t.start(t.a.f.flows.flows[s.flow], true)
	case kindDone:
		then := s.then
		if then == "" {
			then = st.flow.then
		}
		return t.endFlowWith(then)
	}
	return nil
}

// collect asks for a slot, or for its confirmation, unless it is known.
func (t *turn) collect(s *step) error {
	st := &t.a.st
	_, filled := st.slots[s.slot]
	switch {
	case filled && (s.confirm == nil || st.confirmed[s.slot]):
		st.pc = s.next
		return nil
	case filled:
		return t.ask(s.confirm, waitConfirm, s)
	}
	prompt := s.say
	if n := st.attempts[s.slot]; n > 0 && len(s.reprompts) > 0 {
		prompt = s.reprompts[min(n-1, len(s.reprompts)-1)]
	}
	return t.ask(prompt, waitCollect, s)
}

// switchStep branches on a rendered value.
func (t *turn) switchStep(s *step) error {
	st := &t.a.st
	v, err := s.value.render(t.lang, t.data())
	if err != nil {
		t.a.log.Warn("switch value", "err", err)
	}
	if target, ok := s.cases[v]; ok {
		st.pc = target
		return nil
	}
	st.pc = or(s.def, s.next)
	return nil
}
