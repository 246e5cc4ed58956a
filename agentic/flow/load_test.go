package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/agentic/agentictest"
	"github.com/parley-voice/parley/agentic/flow"
	"github.com/parley-voice/parley/nlu"
)

// miniDomain is a small domain for unit tests.
func miniDomain() *nlu.Domain {
	return &nlu.Domain{Language: "en",
		Intents: []nlu.Intent{{Name: "order_status", Slots: []string{"order_number"}}, {Name: "store_hours", Slots: []string{"store"}},
			{Name: "speak_to_agent"}, {Name: "affirm"}, {Name: "deny"}, {Name: "goodbye"}, {Name: "repeat"}},
		Slots: map[string]nlu.Slot{
			"order_number": {Name: "order_number", Type: nlu.SlotDigits, MinLength: 6, MaxLength: 8},
			"store":        {Name: "store", Type: nlu.SlotEnum, Values: []string{"portland", "denver", "burlington"}, Synonyms: map[string][]string{"burlington": {"vermont"}}},
		}}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		desc, src string
		line      int
		path, msg string
	}{
		{"yaml syntax", "flows:\n  a: [\n", 2, "", "did not find expected"},
		{"unknown top-level field", "flow:\n  a: {}\n", 1, "flow", "unknown field"},
		{"no flows", "language: en\n", 0, "flows", "missing"},
		{"unknown step kind", "flows:\n  a:\n    steps:\n      - sing: hello\n", 4, "flows.a.steps[0]", "unknown step kind"},
		{"two kinds", "flows:\n  a:\n    steps:\n      - say: hi\n        end: bye\n", 5, "flows.a.steps[0]", "both say and end"},
		{"field of another kind", "flows:\n  a:\n    steps:\n      - say: hi\n        prompt: x\n", 5, "flows.a.steps[0].prompt", "unknown field"},
		{"missing prompt", "flows:\n  a:\n    steps:\n      - collect: order_number\n", 4, "flows.a.steps[0].prompt", "missing prompt"},
		{"missing language", "languages: [en, zh]\nflows:\n  a:\n    steps:\n      - say: hello\n", 5, "flows.a.steps[0].say", "missing prompt in zh"},
		{"unknown language", "flows:\n  a:\n    steps:\n      - say: {en: hi, fr: salut}\n", 4, "flows.a.steps[0].say.fr", "not one of the file's languages"},
		{"bad template", "flows:\n  a:\n    steps:\n      - say: \"{{.x\"\n", 4, "flows.a.steps[0].say", "bad template"},
		{"unknown function", "flows:\n  a:\n    steps:\n      - say: \"{{shout .x}}\"\n", 4, "flows.a.steps[0].say", `function "shout" not defined`},
		{"goto without target", "flows:\n  a:\n    steps:\n      - goto: nowhere\n", 4, "flows.a.steps[0].goto", `no step with id "nowhere"`},
		{"retry without collect", "flows:\n  a:\n    steps:\n      - retry: order_number\n", 4, "flows.a.steps[0].retry", "no collect: order_number"},
		{"start unknown flow", "flows:\n  a:\n    steps:\n      - start: b\n", 4, "flows.a.steps[0].start", `no flow named "b"`},
		{"collect twice", "flows:\n  a:\n    steps:\n      - collect: s\n        prompt: p\n      - collect: s\n        prompt: q\n", 6, "flows.a.steps[1].collect", "already collects"},
		{"bad then", "flows:\n  a:\n    then: hangup\n    steps:\n      - say: hi\n", 3, "flows.a.then", "must be anything_else"},
		{"bad done", "flows:\n  a:\n    steps:\n      - done: later\n", 4, "flows.a.steps[0].done", "must be true"},
		{"menu to unknown flow", "menu:\n  keys: {\"1\": b}\nflows:\n  a:\n    steps:\n      - say: hi\n", 2, "menu.keys.1", `no flow named "b"`},
		{"menu key pound", "menu:\n  keys: {\"#\": a}\nflows:\n  a:\n    steps:\n      - say: hi\n", 2, "menu.keys.#", "one keypad key"},
		{"max attempts range", "settings:\n  max_attempts: 0\nflows:\n  a:\n    steps:\n      - say: hi\n", 2, "settings.max_attempts", "in [1, 10]"},
		{"same yes and no keys", "settings:\n  dtmf_yes: \"1\"\n  dtmf_no: \"1\"\nflows:\n  a:\n    steps:\n      - say: hi\n", 2, "settings.dtmf_no", "must differ"},
		{"reserved name", "flows:\n  _a:\n    steps:\n      - say: hi\n", 2, "flows._a", "reserved"},
		{"empty steps", "flows:\n  a:\n    steps: []\n", 3, "flows.a.steps", "a list of steps"},
		{"duplicate id", "flows:\n  a:\n    steps:\n      - id: x\n        say: hi\n      - id: x\n        say: ho\n", 6, "flows.a.steps[1].id", `"x" is used twice`},
		{"duplicate case", "flows:\n  a:\n    steps:\n      - switch: \"{{.s}}\"\n        cases:\n          \"x, y\": []\n          y: []\n", 7, "flows.a.steps[0].cases.y", `case "y" appears twice`},
		{"unknown prompt", "prompts:\n  hello: hi\nflows:\n  a:\n    steps:\n      - say: hi\n", 2, "prompts.hello", "unknown field"},
		{"bad slot type", "slots:\n  reason: {type: words}\nflows:\n  a:\n    steps:\n      - say: hi\n", 2, "slots.reason.type", "unknown slot type"},
		{"duplicate key", "flows:\n  a:\n    steps:\n      - say: hi\n  a:\n    steps:\n      - say: ho\n", 5, "flows.a", "appears twice"},
	}
	for _, tt := range tests {
		_, err := flow.Parse("test.yaml", []byte(tt.src))
		var fe *flow.Error
		if !errors.As(err, &fe) || !errors.Is(err, flow.ErrInvalid) {
			t.Errorf("%s: got %v, want a *flow.Error", tt.desc, err)
			continue
		}
		if fe.File != "test.yaml" || fe.Line != tt.line || fe.Path != tt.path || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: got %q (line %d, path %q), want line %d, path %q, %q", tt.desc, err, fe.Line, fe.Path, tt.line, tt.path, tt.msg)
		}
		if tt.line > 0 && !strings.HasPrefix(err.Error(), "test.yaml:") {
			t.Errorf("%s: %q does not start with the file and line", tt.desc, err)
		}
	}
}

func TestCheckErrors(t *testing.T) {
	tool := agentictest.NewTool("lookup", json.RawMessage(`{"type":"object","properties":{"order_number":{"type":"string"}},"required":["order_number"]}`))
	tests := []struct {
		desc, src string
		opts      []flow.Option
		line      int
		path, msg string
	}{
		{"undefined collected slot", "flows:\n  order_status:\n    steps:\n      - collect: ordr_number\n        prompt: p\n", nil,
			4, "flows.order_status.steps[0].collect", `undefined slot "ordr_number"`},
		{"undefined slot in a template", "flows:\n  order_status:\n    steps:\n      - say: \"{{digits .ordr}}\"\n", nil,
			4, "flows.order_status.steps[0].say", `undefined slot "ordr"`},
		{"unknown intent", "flows:\n  a:\n    intents: [order_stauts]\n    steps:\n      - say: hi\n", nil,
			2, "flows.a.intents", `unknown intent "order_stauts"`},
		{"unreachable flow", "flows:\n  order_stauts:\n    steps:\n      - say: hi\n", nil,
			2, "flows.order_stauts", "not an intent of the domain"},
		{"unknown tool", "flows:\n  order_status:\n    steps:\n      - call: lokup\n", []flow.Option{flow.WithTool(tool)},
			4, "flows.order_status.steps[0].call", `unknown tool "lokup"`},
		{"missing required argument", "flows:\n  order_status:\n    steps:\n      - call: lookup\n", []flow.Option{flow.WithTool(tool)},
			4, "flows.order_status.steps[0].args", "requires order_number"},
		{"unknown argument", "flows:\n  order_status:\n    steps:\n      - call: lookup\n        args: {order_number: x, zip: y}\n", []flow.Option{flow.WithTool(tool)},
			4, "flows.order_status.steps[0].args", `no parameter "zip"`},
		{"answer without a knowledge base", "flows:\n  store_hours:\n    steps:\n      - answer: \"\"\n", nil,
			4, "flows.store_hours.steps[0].answer", "WithSearcher"},
	}
	for _, tt := range tests {
		flows, err := flow.Parse("test.yaml", []byte(tt.src))
		if err != nil {
			t.Errorf("%s: parse: %v", tt.desc, err)
			continue
		}
		_, err = flow.New(flows, agentictest.NewParser(), append([]flow.Option{flow.WithDomains(miniDomain())}, tt.opts...)...)
		var fe *flow.Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want a *flow.Error", tt.desc, err)
			continue
		}
		if fe.Line != tt.line || fe.Path != tt.path || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: got %q (line %d, path %q), want line %d, path %q, %q", tt.desc, err, fe.Line, fe.Path, tt.line, tt.path, tt.msg)
		}
	}
}

func TestNewNeedsSlotTypes(t *testing.T) {
	flows, err := flow.Parse("test.yaml", []byte("flows:\n  order_status:\n    steps:\n      - collect: order_number\n        prompt: p\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flow.New(flows, agentictest.NewParser()); err == nil || !strings.Contains(err.Error(), "WithDomains") {
		t.Fatalf("got %v, want an error asking for the domain", err)
	}
	if _, err := flow.New(flows, agentictest.NewParser(), flow.WithDomains(miniDomain())); err != nil {
		t.Fatal(err)
	}
}

func TestNewOptions(t *testing.T) {
	flows, err := flow.Parse("test.yaml", []byte("flows:\n  a:\n    steps:\n      - say: hi\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := agentictest.NewParser()
	tests := []struct {
		desc string
		opt  flow.Option
	}{
		{"nil searcher", flow.WithSearcher(nil)},
		{"nil tool", flow.WithTool(nil)},
		{"nil tool in map", flow.WithTools(map[string]agentic.Tool{"x": nil})},
		{"nil clock", flow.WithNow(nil)},
		{"nil logger", flow.WithLogger(nil)},
		{"nil domain", flow.WithDomains(nil)},
		{"steps too few", flow.WithMaxStepsPerTurn(1)},
	}
	for _, tt := range tests {
		if _, err := flow.New(flows, p, tt.opt); !errors.Is(err, flow.ErrConfig) {
			t.Errorf("%s: got %v, want ErrConfig", tt.desc, err)
		}
	}
	if _, err := flow.New(nil, p); !errors.Is(err, flow.ErrConfig) {
		t.Errorf("nil flows: got %v", err)
	}
	if _, err := flow.New(flows, nil); !errors.Is(err, flow.ErrConfig) {
		t.Errorf("nil parser: got %v", err)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		desc string
		cfg  flow.Config
		msg  string
	}{
		{"default", flow.DefaultConfig(), ""},
		{"empty file", flow.Config{}, "file: must name"},
		{"not yaml", flow.Config{File: "flows.json"}, "file: \"flows.json\" must be a YAML file"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.msg == "" && err != nil || tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg) || !errors.Is(err, flow.ErrConfig)) {
			t.Errorf("%s: got %v, want %q", tt.desc, err, tt.msg)
		}
	}
	if got := (flow.Config{File: "flows.yaml"}).Path("/etc/parley"); got != "/etc/parley/flows.yaml" {
		t.Errorf("Path: got %q", got)
	}
	if got := (flow.Config{File: "/srv/flows.yaml"}).Path("/etc/parley"); got != "/srv/flows.yaml" {
		t.Errorf("Path of an absolute file: got %q", got)
	}
}

func TestAliasesShareSteps(t *testing.T) {
	src := "x-shared:\n  hello: &hello {say: Hello there.}\nflows:\n  order_status:\n    steps: [*hello, *hello]\n"
	flows, err := flow.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p := agentictest.NewParser().Add("hi", "order_status", 0.9, nil)
	f, err := flow.New(flows, p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := agentictest.NewConversation(f, agentic.Call{ID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Say(context.Background(), "hi")
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Sentences(); len(got) != 3 || got[0] != "Hello there." || got[1] != "Hello there." {
		t.Errorf("got %q", got)
	}
}
