package nlu

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Paths of the intent files, from this package's directory.
var (
	examplesEN = filepath.Join("..", "examples", "retail", "intents.yaml")
	examplesZH = filepath.Join("..", "examples", "retail", "intents.zh.yaml")
	fixtureDir = filepath.Join("..", "..", "shared", "fixtures", "retail")
)

// fixtureFile returns a file of the shared reference fixture, skipping the
// test when the fixture is not checked out next to the repository.
func fixtureFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(fixtureDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference fixture %s not found (it lives in ../shared next to the repository): %v", p, err)
	}
	return p
}

func TestLoadDomainFiles(t *testing.T) {
	tests := []struct {
		desc, path, lang string
		intents          int
	}{
		{"English example with synonyms", examplesEN, "en", 13},
		{"Mandarin example with synonyms", examplesZH, "zh", 13},
		{"English fixture", "intents.yaml", "en", 13},
		{"Mandarin fixture", "intents.zh.yaml", "zh", 13},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			path := tc.path
			if !strings.Contains(path, string(filepath.Separator)) {
				path = fixtureFile(t, path)
			}
			d, err := LoadDomain(path)
			if err != nil {
				t.Fatal(err)
			}
			if d.Language != tc.lang || len(d.Intents) != tc.intents || d.File != path {
				t.Errorf("got language %q, %d intents, file %q", d.Language, len(d.Intents), d.File)
			}
			in, ok := d.Intent("order_status")
			if !ok || len(in.Examples) < 5 || !contains(in.Slots, "order_number") {
				t.Errorf("order_status: %+v", in)
			}
			if s := d.Slots["order_number"]; s.Type != SlotDigits || s.MinLength != 6 || s.MaxLength != 8 {
				t.Errorf("order_number slot: %+v", s)
			}
		})
	}
}

func TestExamplesKeepFixtureExamples(t *testing.T) {
	for _, pair := range [][2]string{{examplesEN, "intents.yaml"}, {examplesZH, "intents.zh.yaml"}} {
		ours, err := LoadDomain(pair[0])
		if err != nil {
			t.Fatal(err)
		}
		ref, err := LoadDomain(fixtureFile(t, pair[1]))
		if err != nil {
			t.Fatal(err)
		}
		if len(ours.Intents) != len(ref.Intents) {
			t.Fatalf("%s: %d intents, the fixture has %d", pair[0], len(ours.Intents), len(ref.Intents))
		}
		for i, in := range ref.Intents {
			got := ours.Intents[i]
			if got.Name != in.Name || strings.Join(got.Examples, "\n") != strings.Join(in.Examples, "\n") || strings.Join(got.Slots, ",") != strings.Join(in.Slots, ",") {
				t.Errorf("%s: intent %s differs from the fixture's: the examples are the training data and stay unchanged", pair[0], in.Name)
			}
		}
		for name, s := range ref.Slots {
			got := ours.Slots[name]
			if got.Type != s.Type || strings.Join(got.Values, ",") != strings.Join(s.Values, ",") {
				t.Errorf("%s: slot %s differs from the fixture's: %+v", pair[0], name, got)
			}
		}
	}
}

func TestParseDomainSynonyms(t *testing.T) {
	d, err := LoadDomain(examplesEN)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc, slot, value, form string
	}{
		{"size", "size", "xl", "extra large"},
		{"store by state", "store", "burlington", "vermont"},
		{"shipping", "shipping_method", "expedited", "two day"},
		{"card brand", "payment_method", "credit_card", "visa"},
		{"tonight", "day", "today", "tonight"},
		{"plural weekday", "day", "sunday", "on sundays"},
		{"numeric size template", "size", "{number}", "size {number}"},
	}
	for _, tc := range tests {
		if !contains(d.Slots[tc.slot].Synonyms[tc.value], tc.form) {
			t.Errorf("%s: slot %s value %s lacks the form %q: %v", tc.desc, tc.slot, tc.value, tc.form, d.Slots[tc.slot].Synonyms[tc.value])
		}
	}
}

func TestParseDomainErrors(t *testing.T) {
	const head = "language: en\nintents:\n  order_status:\n    examples: [\"where is my order\"]\n"
	tests := []struct {
		desc, yaml string
		line       int
		field, msg string
	}{
		{"not yaml", "language: en\nintents: [\n", 2, "", "not valid YAML"},
		{"empty file", "", 0, "", "empty"},
		{"top level list", "- a\n", 1, "", "mapping"},
		{"unknown top field", "language: en\nintent: {}\n", 2, "intent", "unknown field"},
		{"missing language", "intents:\n  a:\n    examples: [\"x\"]\n", 1, "language", "missing"},
		{"bad language", "language: english!\nintents: {}\n", 1, "language", "language tag"},
		{"no intents", "language: en\n", 1, "intents", "missing"},
		{"empty intents", "language: en\nintents: {}\n", 2, "intents", "non-empty"},
		{"bad intent name", "language: en\nintents:\n  Order-Status:\n    examples: [\"x\"]\n", 3, "intents.Order-Status", "lowercase"},
		{"reserved intent", "language: en\nintents:\n  none:\n    examples: [\"x\"]\n", 3, "intents.none", "reserved"},
		{"duplicate intent", head + "  order_status:\n    examples: [\"y\"]\n", 5, "intents.order_status", "duplicate intent"},
		{"unknown intent field", "language: en\nintents:\n  a:\n    examples: [\"x\"]\n    exampels: [\"y\"]\n", 5, "intents.a.exampels", "unknown field"},
		{"no examples", "language: en\nintents:\n  a:\n    description: d\n", 4, "intents.a.examples", "missing"},
		{"empty examples", "language: en\nintents:\n  a:\n    examples: []\n", 4, "intents.a.examples", "non-empty"},
		{"empty example", "language: en\nintents:\n  a:\n    examples: [\"x\", \"  \"]\n", 4, "intents.a.examples[1]", "empty example"},
		{"null example", "language: en\nintents:\n  a:\n    examples:\n      - x\n      -\n", 6, "intents.a.examples[1]", "empty"},
		{"duplicate example", "language: en\nintents:\n  a:\n    examples: [\"x\", \"X \"]\n", 4, "intents.a.examples[1]", "duplicate example"},
		{"example in two intents", head + "  b:\n    examples: [\"Where is my order\"]\n", 6, "intents.b.examples[0]", "also an example of intent order_status"},
		{"unknown slot", head + "    slots: [order_number, foo]\nslots:\n  order_number: {type: digits}\n", 5, "intents.order_status.slots[1]", "unknown slot \"foo\""},
		{"slot listed twice", head + "    slots: [n, n]\nslots:\n  n: {type: digits}\n", 5, "intents.order_status.slots[1]", "listed twice"},
		{"slots not a list", head + "    slots: n\nslots:\n  n: {type: digits}\n", 5, "intents.order_status.slots", "list"},
		{"unknown slot type", head + "slots:\n  n: {type: number}\n", 6, "slots.n.type", "unknown slot type \"number\""},
		{"missing slot type", head + "slots:\n  n: {description: d}\n", 6, "slots.n.type", "missing"},
		{"enum without values", head + "slots:\n  s: {type: enum}\n", 6, "slots.s.values", "missing"},
		{"enum with empty values", head + "slots:\n  s: {type: enum, values: []}\n", 6, "slots.s.values", "enum without values"},
		{"duplicate enum value", head + "slots:\n  s: {type: enum, values: [a, A]}\n", 6, "slots.s.values[1]", "listed twice"},
		{"values on text", head + "slots:\n  s: {type: text, values: [a]}\n", 6, "slots.s.values", "only enum slots"},
		{"length on text", head + "slots:\n  s: {type: text, min_length: 2}\n", 6, "slots.s", "only to digits"},
		{"min above max", head + "slots:\n  s: {type: digits, min_length: 8, max_length: 6}\n", 6, "slots.s.max_length", "at least min_length"},
		{"bad length", head + "slots:\n  s: {type: digits, min_length: six}\n", 6, "slots.s.min_length", "whole number"},
		{"unknown slot field", head + "slots:\n  s: {type: digits, max: 3}\n", 6, "slots.s.max", "unknown field"},
		{"synonym of unknown value", head + "slots:\n  s:\n    type: enum\n    values: [a]\n    synonyms:\n      b: [bee]\n", 10, "slots.s.synonyms.b", "not one of the slot's values"},
		{"synonyms on email", head + "slots:\n  s:\n    type: email\n    synonyms: {a: [b]}\n", 8, "slots.s.synonyms", "take no synonyms"},
		{"form of two values", head + "slots:\n  s:\n    type: enum\n    values: [a, b]\n    synonyms:\n      a: [x]\n      b: [x]\n", 11, "slots.s.synonyms.b", "already means \"a\""},
		{"empty form", head + "slots:\n  s:\n    type: text\n    synonyms:\n      a: [\"\"]\n", 9, "slots.s.synonyms.a[0]", "empty spoken form"},
		{"placeholder without forms", head + "slots:\n  s:\n    type: text\n    synonyms:\n      \"{number}\": []\n", 9, "slots.s.synonyms.{number}", "needs spoken forms"},
		{"placeholder missing in form", head + "slots:\n  s:\n    type: text\n    synonyms:\n      \"{number}\": [size]\n", 9, "slots.s.synonyms.{number}", "exactly once"},
		{"placeholder only in form", head + "slots:\n  s:\n    type: text\n    synonyms:\n      ten: [\"size {number}\"]\n", 9, "slots.s.synonyms.ten", "its value does not"},
		{"bare placeholder form", head + "slots:\n  s:\n    type: text\n    synonyms:\n      \"{number}\": [\"{number}\"]\n", 9, "slots.s.synonyms.{number}", "needs words"},
		{"placeholder in enum", head + "slots:\n  s:\n    type: enum\n    values: [\"{number}\"]\n    synonyms:\n      \"{number}\": [\"n {number}\"]\n", 10, "slots.s.synonyms.{number}", "enum values"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := ParseDomain("test.yaml", []byte(tc.yaml))
			var de *DomainError
			if !errors.As(err, &de) || !errors.Is(err, ErrDomain) {
				t.Fatalf("error %v, want a *DomainError wrapping ErrDomain", err)
			}
			if de.File != "test.yaml" || de.Line != tc.line || de.Field != tc.field || !strings.Contains(de.Msg, tc.msg) {
				t.Errorf("got %q (line %d, field %q), want line %d, field %q, message with %q", err, de.Line, de.Field, tc.line, tc.field, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), "test.yaml") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestDomainErrorFormat(t *testing.T) {
	tests := []struct {
		desc string
		err  DomainError
		want string
	}{
		{"full", DomainError{File: "a.yaml", Line: 3, Field: "intents.x", Msg: "bad"}, "a.yaml:3: intents.x: bad"},
		{"no line", DomainError{File: "a.yaml", Field: "f", Msg: "bad"}, "a.yaml: f: bad"},
		{"no file or field", DomainError{Msg: "bad"}, "intent file: bad"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.desc, got, tc.want)
		}
	}
}

func TestLoadDomainMissingFile(t *testing.T) {
	_, err := LoadDomain(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("error %v, want one naming the missing file", err)
	}
}

func TestDescribedForms(t *testing.T) {
	d, err := LoadDomain(fixtureFile(t, "intents.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dz, err := LoadDomain(fixtureFile(t, "intents.zh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc        string
		slot        Slot
		value, form string
	}{
		{"quoted", d.Slots["size"], "xl", "extra large"},
		{"two quoted", d.Slots["shipping_method"], "standard", "regular"},
		{"parenthesized list", d.Slots["payment_method"], "credit_card", "american express"},
		{"tonight", d.Slots["day"], "today", "tonight"},
		{"han list", dz.Slots["day"], "sunday", "礼拜天"},
		{"han after parenthesis", dz.Slots["size"], "s", "小号"},
		{"han numeric size", dz.Slots["size"], "10", "十码"},
		{"han or", dz.Slots["shipping_method"], "overnight", "第二天到"},
	}
	for _, tc := range tests {
		if got := describedForms(tc.slot); !contains(got[tc.value], tc.form) {
			t.Errorf("%s: forms %v, want %q for %q", tc.desc, got, tc.form, tc.value)
		}
	}
	if got := describedForms(d.Slots["street_address"]); len(got) != 0 {
		t.Errorf("an example address is not a form: %v", got)
	}
	if got := describedForms(d.Slots["day"]); len(got["that"]) != 0 {
		t.Errorf("prose is not a mapping: %v", got)
	}
	for _, tc := range []struct {
		slot Slot
		want string
	}{
		{d.Slots["product"], "down jacket,hiking boots,sleeping bag"},
		{d.Slots["color"], "navy,green,black"},
		{dz.Slots["destination"], "夏威夷,加拿大"},
		{d.Slots["street_address"], ""},
		{d.Slots["size"], ""},
	} {
		if got := strings.Join(describedValues(tc.slot), ","); got != tc.want {
			t.Errorf("describedValues(%s) = %q, want %q", tc.slot.Name, got, tc.want)
		}
	}
}
