package llmnlu

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/nlu"
)

// toolName is the function the model calls with its classification.
const toolName = "classify"

// domainPrompt is what is sent for one domain: built once by New.
type domainPrompt struct {
	d       *nlu.Domain
	system  string
	tool    goopenai.Tool
	intents map[string]bool
}

// newDomainPrompt builds the system prompt and the classify function of d.
func newDomainPrompt(d *nlu.Domain, cfg Config) (*domainPrompt, error) {
	if d == nil || len(d.Intents) == 0 {
		return nil, fmt.Errorf("%w: a domain without intents", ErrConfig)
	}
	p := &domainPrompt{d: d, intents: make(map[string]bool, len(d.Intents))}
	for _, in := range d.Intents {
		p.intents[in.Name] = true
	}
	p.system = systemPrompt(d, cfg)
	params, err := toolParameters(d)
	if err != nil {
		return nil, err
	}
	p.tool = goopenai.Tool{Type: goopenai.ToolTypeFunction, Function: &goopenai.FunctionDefinition{
		Name:        toolName,
		Description: "Record the caller's intent, how sure you are, and the slot values the caller gave.",
		Parameters:  params,
	}}
	return p, nil
}

// slotNames returns the domain's slot names, sorted.
func slotNames(d *nlu.Domain) []string {
	names := make([]string, 0, len(d.Slots))
	for n := range d.Slots {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// toolParameters is classify's JSON Schema: the intent as an enum of the
// domain's intents and "none", the slots as the domain's.
func toolParameters(d *nlu.Domain) (json.RawMessage, error) {
	names := []string{}
	for _, in := range d.Intents {
		names = append(names, in.Name)
	}
	names = append(names, nlu.NoIntent)
	slots := map[string]any{}
	for _, n := range slotNames(d) {
		s := d.Slots[n]
		prop := map[string]any{"type": "string", "description": slotLine(s)}
		if s.Type == nlu.SlotEnum && len(s.Values) > 0 {
			prop["enum"] = s.Values
		}
		slots[n] = prop
	}
	return json.Marshal(map[string]any{
		"type": "object",
		"properties": map[string]any{
			"intent":     map[string]any{"type": "string", "enum": names, "description": "The caller's intent, or none."},
			"confidence": map[string]any{"type": "number", "minimum": 0, "maximum": 1, "description": "How sure you are of the intent, from 0 to 1."},
			"slots":      map[string]any{"type": "object", "properties": slots, "additionalProperties": false, "description": "Only the slots the caller gave, normalized."},
		},
		"required": []string{"intent", "confidence", "slots"},
	})
}

// systemPrompt describes the task, the intents with examples, and the
// slots with their normalization.
func systemPrompt(d *nlu.Domain, cfg Config) string {
	var b strings.Builder
	lang := "English: lowercase, no punctuation, numbers as spoken words"
	if strings.HasPrefix(strings.ToLower(d.Language), "zh") {
		lang = "Mandarin Chinese: no punctuation, numbers as Chinese words or digits"
	}
	fmt.Fprintf(&b, "You classify what a caller said on a customer-service phone line into one of the intents below, and extract the slot values the caller gave. "+
		"The utterance comes from speech recognition (%s) and may contain recognition errors.\n\nIntents:\n", lang)
	for _, in := range d.Intents {
		fmt.Fprintf(&b, "- %s: %s", in.Name, strings.TrimSpace(in.Description))
		if n := min(cfg.MaxExamples, len(in.Examples)); n > 0 {
			quoted := make([]string, n)
			for i, ex := range in.Examples[:n] {
				quoted[i] = strconv.Quote(ex)
			}
			fmt.Fprintf(&b, " Examples: %s.", strings.Join(quoted, "; "))
		}
		if len(in.Slots) > 0 {
			fmt.Fprintf(&b, " Slots: %s.", strings.Join(in.Slots, ", "))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "- %s: the utterance fits none of the intents above.\n", nlu.NoIntent)
	if len(d.Slots) > 0 {
		b.WriteString("\nSlots:\n")
		for _, n := range slotNames(d) {
			fmt.Fprintf(&b, "- %s: %s\n", n, slotLine(d.Slots[n]))
		}
	}
	b.WriteString("\nRules: pick the intent of what the caller wants now. Give only slots the caller actually said, normalized as described: " +
		"digits as a digit string (\"four eight two\" is 482), money as dollars with two decimals (42.50), enum slots as one of their values, text slots in lowercase. " +
		"Confidence is from 0 to 1.")
	if cfg.Mode == ModeJSON {
		fmt.Fprintf(&b, "\nAnswer with one JSON object only: {\"intent\": \"<intent or %s>\", \"confidence\": 0.9, \"slots\": {\"<slot>\": \"<value>\"}}.", nlu.NoIntent)
	} else {
		fmt.Fprintf(&b, "\nAnswer by calling %s.", toolName)
	}
	return b.String()
}

// slotLine describes a slot in one line: its type and bounds, its values
// and their spoken forms, and its description.
func slotLine(s nlu.Slot) string {
	var b strings.Builder
	switch s.Type {
	case nlu.SlotDigits:
		b.WriteString("digits")
		switch {
		case s.MinLength > 0 && s.MaxLength > 0 && s.MinLength == s.MaxLength:
			fmt.Fprintf(&b, ", exactly %d", s.MinLength)
		case s.MinLength > 0 && s.MaxLength > 0:
			fmt.Fprintf(&b, ", %d to %d of them", s.MinLength, s.MaxLength)
		}
	case nlu.SlotEnum:
		fmt.Fprintf(&b, "one of %s", strings.Join(s.Values, ", "))
		for _, v := range slices.Sorted(maps.Keys(s.Synonyms)) {
			fmt.Fprintf(&b, "; %q for %s", v, strings.Join(s.Synonyms[v], ", "))
		}
	default:
		b.WriteString(s.Type)
	}
	if d := strings.TrimSpace(s.Description); d != "" {
		b.WriteString(". " + d)
	}
	return b.String()
}

// userMessage is the utterance and what the dialogue expects.
func userMessage(text string, opts nlu.ParseOptions) string {
	var b strings.Builder
	b.WriteString("Utterance: " + strconv.Quote(text))
	if len(opts.Expect) > 0 {
		fmt.Fprintf(&b, "\nThe agent has just asked the caller for: %s. A bare answer gives that slot.", strings.Join(opts.Expect, ", "))
	}
	if len(opts.Intents) > 0 {
		fmt.Fprintf(&b, "\nOnly these intents are possible now: %s (else %s).", strings.Join(opts.Intents, ", "), nlu.NoIntent)
	}
	return b.String()
}
