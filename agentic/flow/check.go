package flow

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/nlu"
)

// Check verifies the flows against the NLU domains of their languages:
// every intent a flow names exists, every slot a step collects, retries or
// clears and every value a template reads is a slot of a domain, a slot of
// the file's slots section, a tool result saved with save_as or a built-in
// value. Errors are *Error values with the file, line and path. Check with
// no domains checks nothing.
func (f *Flows) Check(domains ...*nlu.Domain) error {
	if len(domains) == 0 {
		return nil
	}
	intents, slots := map[string]bool{}, map[string]bool{}
	for _, d := range domains {
		if d == nil {
			continue
		}
		for _, in := range d.Intents {
			intents[in.Name] = true
		}
		for name := range d.Slots {
			slots[name] = true
		}
	}
	for name := range f.slots {
		slots[name] = true
	}
	if err := f.checkIntents(intents); err != nil {
		return err
	}
	return f.checkSlots(slots)
}

// checkIntents verifies that every flow is started by an intent of the
// domain or is used by a start step, the menu or the no-match ladder.
func (f *Flows) checkIntents(intents map[string]bool) error {
	used := map[string]bool{}
	for _, fd := range f.flows {
		for _, s := range fd.steps {
			if s.kind == kindStart {
				used[s.flow] = true
			}
		}
	}
	if f.menu != nil {
		for _, fl := range f.menu.keys {
			used[fl] = true
		}
	}
	for _, n := range f.noMatch {
		used[n] = true
	}
	known := sortedKeys(intents)
	for _, name := range f.order {
		fd := f.flows[name]
		explicit := !(len(fd.intents) == 1 && fd.intents[0] == name)
		for _, in := range fd.intents {
			switch {
			case intents[in]:
			case explicit:
				return &Error{File: f.file, Line: fd.pos.line, Path: join(fd.pos.path, "intents"),
					Err: fmt.Errorf("unknown intent %q (the domain has: %s)", in, strings.Join(known, ", "))}
			case !used[name] && !strings.HasPrefix(name, "_"):
				return &Error{File: f.file, Line: fd.pos.line, Path: fd.pos.path,
					Err: fmt.Errorf("%q is not an intent of the domain (%s), and no start step, menu key or no_match entry uses the flow: rename it after its intent or list its intents", name, strings.Join(known, ", "))}
			}
		}
	}
	return nil
}

// checkSlots verifies the slots steps name and the values templates read.
func (f *Flows) checkSlots(slots map[string]bool) error {
	known := sortedKeys(slots)
	undefined := func(p pos, name string) error {
		return &Error{File: f.file, Line: p.line, Path: p.path,
			Err: fmt.Errorf("undefined slot %q: it is not a slot of the domain (%s) nor of the file's slots section", name, strings.Join(known, ", "))}
	}
	for _, name := range f.order {
		for _, s := range f.flows[name].steps {
			names := s.clear
			if s.slot != "" {
				names = []string{s.slot}
			}
			for _, n := range names {
				if !slots[n] {
					return undefined(s.pos, n)
				}
			}
		}
	}
	vars := f.vars()
	for _, t := range f.texts {
		for _, field := range t.fields() {
			if !slots[field] && !vars[field] && !builtins[field] {
				return &Error{File: f.file, Line: t.pos.line, Path: t.pos.path,
					Err: fmt.Errorf("undefined slot %q: it is not a slot of the domain, a tool result saved with save_as, nor a built-in value (%s)", field, strings.Join(sortedKeys(builtins), ", "))}
			}
		}
	}
	return nil
}

// checkTools verifies that every tool a flow calls is given, with the
// arguments its parameters schema names and requires.
func (f *Flows) checkTools(tools map[string]agentic.Tool) error {
	for _, name := range f.order {
		for _, s := range f.flows[name].steps {
			if s.kind != kindCall {
				continue
			}
			t := tools[s.tool]
			if t == nil {
				return &Error{File: f.file, Line: s.pos.line, Path: s.pos.path,
					Err: fmt.Errorf("unknown tool %q: configure a tool of that name (tools given: %s)", s.tool, strings.Join(sortedKeys(tools), ", "))}
			}
			if err := checkArgs(t.Spec(), s.args); err != nil {
				return &Error{File: f.file, Line: s.pos.line, Path: join(strings.TrimSuffix(s.pos.path, ".call"), "args"), Err: err}
			}
		}
	}
	return nil
}

// checkArgs compares a call's arguments with the tool's parameters schema:
// each argument must be a property (when the schema lists them) and each
// required property must be given.
func checkArgs(spec agentic.ToolSpec, args []arg) error {
	if len(spec.Parameters) == 0 {
		return nil
	}
	var schema struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		Required             []string                   `json:"required"`
		AdditionalProperties *bool                      `json:"additionalProperties"`
	}
	if err := json.Unmarshal(spec.Parameters, &schema); err != nil {
		return fmt.Errorf("tool %s has a parameters schema that is not a JSON object: %w", spec.Name, err)
	}
	given := map[string]bool{}
	for _, a := range args {
		given[a.name] = true
		if schema.Properties != nil && schema.Properties[a.name] == nil && (schema.AdditionalProperties == nil || !*schema.AdditionalProperties) {
			return fmt.Errorf("tool %s has no parameter %q (parameters: %s)", spec.Name, a.name, strings.Join(sortedKeys(schema.Properties), ", "))
		}
	}
	var missing []string
	for _, r := range schema.Required {
		if !given[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("tool %s requires %s: add them to args", spec.Name, strings.Join(missing, ", "))
	}
	return nil
}
