package flow

import (
	"maps"
	"strings"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// handoff says the transfer prompt and writes an agentic.Handoff to be
// carried out after it. spec is the handoff step's (nil for the built-in
// handoffs), reason the built-in reason when the step gives none.
func (t *turn) handoff(spec *handoffSpec, reason string) error {
	st := &t.a.st
	data := t.data()
	h := agentic.Handoff{Reason: reason, Intent: st.intent, Slots: maps.Clone(st.slots)}
	h.Queue = t.queue(spec, data)
	say := t.a.f.flows.prompts["transfer"]
	if spec != nil {
		if spec.reason != nil {
			if r, err := spec.reason.render(t.lang, data); err == nil && r != "" {
				h.Reason = r
			}
		}
		h.Priority = spec.priority
		h.Skills = append(h.Skills, spec.skills...)
		if spec.say != nil {
			say = spec.say
		}
	}
	if h.Reason == "" {
		h.Reason = "the flow transferred the caller"
	}
	for _, s := range t.a.f.flows.settings.skills[baseLang(t.lang)] {
		if !contains(h.Skills, s) {
			h.Skills = append(h.Skills, s)
		}
	}
	if len(h.Slots) == 0 {
		h.Slots = nil
	}
	t.a.note("transferred: " + h.Reason)
	h.Summary = t.a.summary()
	if err := t.say(say); err != nil {
		return err
	}
	st.flow, st.wait = nil, nil
	st.terminal = h
	t.ended = true
	return t.w.WriteResponse(pipeline.Response{Action: h, AfterSpeech: true})
}

// queue picks the handoff's queue: the step's, the current flow's, else
// the file's.
func (t *turn) queue(spec *handoffSpec, data map[string]any) string {
	cands := []*text{}
	if spec != nil {
		cands = append(cands, spec.queue)
	}
	if fd := t.a.st.flow; fd != nil {
		cands = append(cands, fd.queue)
	}
	for _, c := range cands {
		if c == nil {
			continue
		}
		if q, err := c.render(t.lang, data); err == nil && q != "" {
			return q
		}
	}
	return t.a.f.flows.settings.queue
}

// endCall says goodbye (say, else the goodbye prompt) and writes an
// agentic.EndCall to be carried out after it.
func (t *turn) endCall(say *text, reason string, reasonText *text) error {
	st := &t.a.st
	if reasonText != nil {
		if r, err := reasonText.render(t.lang, t.data()); err == nil && r != "" {
			reason = r
		}
	}
	if reason == "" {
		reason = "the flow ended the call"
	}
	if say == nil {
		say = t.a.f.flows.prompts["goodbye"]
	}
	if err := t.say(say); err != nil {
		return err
	}
	st.flow, st.wait = nil, nil
	e := agentic.EndCall{Reason: reason}
	st.terminal = e
	t.ended = true
	return t.w.WriteResponse(pipeline.Response{Action: e, AfterSpeech: true})
}

// summary is the short account of the call a human agent gets.
func (a *Agent) summary() string {
	if len(a.st.notes) == 0 {
		return ""
	}
	return strings.Join(a.st.notes, "; ") + "."
}
