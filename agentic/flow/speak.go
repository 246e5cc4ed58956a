package flow

import (
	"errors"
	"maps"
	"strings"

	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/stt"
)

// sentence writes one sentence.
func (t *turn) sentence(s string) error {
	if err := t.w.WriteResponse(pipeline.Response{Text: s}); err != nil {
		return err
	}
	t.spoken = append(t.spoken, s)
	return nil
}

// say renders a prompt and writes it one sentence at a time. A sentence
// that reads a value the turn lacks (a field missing from a tool result) is
// logged and skipped, so that the caller hears the rest.
func (t *turn) say(p *text) error {
	if p == nil {
		return nil
	}
	out, err := p.render(t.lang, t.data())
	switch {
	case errors.Is(err, errNoValue):
		t.a.log.Warn("sentences with missing values not spoken", "err", err)
	case err != nil:
		t.a.log.Warn("prompt not spoken", "err", err)
		return nil
	}
	for _, s := range splitSentences(out) {
		if strings.Contains(s, noValue) {
			continue
		}
		if err := t.sentence(s); err != nil {
			return err
		}
	}
	return nil
}

// sayPrompt says a built-in prompt.
func (t *turn) sayPrompt(name string) error {
	return t.say(t.a.f.flows.prompts[name])
}

// ask says a question and waits for its answer.
func (t *turn) ask(p *text, kind waitKind, s *step) error {
	from := len(t.spoken)
	if err := t.say(p); err != nil {
		return err
	}
	w := &waiting{kind: kind, step: s, speech: append([]string(nil), t.spoken[from:]...)}
	if s != nil {
		w.slot = s.slot
	}
	if n := len(w.speech); n > 0 {
		w.question = w.speech[n-1]
	}
	t.a.st.wait = w
	return nil
}

// data returns the values templates read: the slots (every known slot,
// empty when not filled), the saved tool results (an empty object before
// the tool answered) and the built-in values.
func (t *turn) data() map[string]any {
	st := &t.a.st
	d := make(map[string]any, len(t.a.f.slots)+len(st.vars)+8)
	for name := range t.a.f.slots {
		d[name] = ""
	}
	for name := range t.a.f.vars {
		d[name] = map[string]any{} // not called yet: every field is empty
	}
	for name, v := range st.vars {
		d[name] = v
	}
	for name, v := range st.slots {
		d[name] = v
	}
	d["text"] = strings.TrimSpace(t.req.Text)
	d["language"] = t.lang
	d["today"] = t.a.f.now().Format("2006-01-02")
	d["call_id"] = t.a.call.ID
	d["caller"] = t.a.call.From
	d["intent"] = st.intent
	d["error"] = st.lastError
	d["slots"] = maps.Clone(st.slots)
	return d
}

// finish writes the hints for the caller's next turn, unless the call was
// handed off or ended.
func (t *turn) finish() error {
	if t.ended {
		return nil
	}
	h := t.hints()
	if t.repeat {
		h = t.a.st.lastHints
	}
	t.a.st.lastHints = h
	return t.w.WriteResponse(pipeline.Response{Hints: &h})
}

// Yes/no phrases for recognizers that take phrases rather than grammars.
var yesNoPhrases = map[string][]string{
	"en": {"yes", "no", "correct", "that's right", "that's wrong"},
	"zh": {"是的", "对", "没错", "不是", "不对"},
}

// hints returns what the next caller turn is expected to hold. Grammars
// are English; calls in other languages get phrases only.
func (t *turn) hints() pipeline.Hints {
	st := &t.a.st
	en := baseLang(t.lang) == "en"
	// One key answers a menu or a yes/no question; a digits slot takes
	// its fixed length, or waits for '#' or the keypad timeout.
	h := pipeline.Hints{KeypadDigits: 1}
	w := st.wait
	if w == nil {
		h.Phrases = t.renderHints(t.a.f.flows.hints)
		return h
	}
	switch w.kind {
	case waitCollect:
		def := t.a.f.slots[w.slot]
		h.Phrases = t.renderHints(w.step.hints)
		switch def.Type {
		case nlu.SlotDigits:
			h.KeypadDigits = 0
			if def.MaxLength > 0 && def.MinLength == def.MaxLength {
				h.KeypadDigits = def.MaxLength
			}
			if en {
				lo, hi := max(def.MinLength, 1), def.MaxLength
				if hi == 0 {
					hi = maxSpokenDigits
				}
				h.Grammar = stt.DigitsGrammar(lo, max(hi, lo))
			}
		case nlu.SlotEnum:
			choices := enumChoices(def)
			if en {
				h.Grammar = stt.ChoicesGrammar(choices...)
			}
			h.Phrases = append(h.Phrases, choices...)
		}
	case waitConfirm, waitAsk, waitOfferTransfer:
		if en {
			h.Grammar = stt.YesNoGrammar()
		}
		h.Phrases = append(h.Phrases, yesNoPhrases[baseLang(t.lang)]...)
		if w.step != nil {
			h.Phrases = append(h.Phrases, t.renderHints(w.step.hints)...)
		}
	case waitAnythingElse:
		h.Phrases = append(t.renderHints(t.a.f.flows.hints), yesNoPhrases[baseLang(t.lang)]...)
	}
	return h
}

// maxSpokenDigits bounds the digits grammar of a slot without a maximum
// length.
const maxSpokenDigits = 20

// baseLang returns a tag's language ("en" for "en-US").
func baseLang(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return base
}

// enumChoices returns an enum slot's spoken values and synonyms.
func enumChoices(def nlu.Slot) []string {
	out := make([]string, 0, len(def.Values))
	for _, v := range def.Values {
		out = append(out, humanWords(v))
		out = append(out, def.Synonyms[v]...)
	}
	return out
}

// renderHints renders hint templates for the turn's language, each split
// at line breaks, dropping empty and repeated phrases.
func (t *turn) renderHints(list []*text) []string {
	if len(list) == 0 {
		return nil
	}
	data := t.data()
	var out []string
	for _, h := range list {
		if h.pick(t.lang) == nil {
			continue
		}
		s, err := h.render(t.lang, data)
		if err != nil {
			t.a.log.Debug("hint not rendered", "err", err)
			continue
		}
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" && !contains(out, line) {
				out = append(out, line)
			}
		}
	}
	return out
}
