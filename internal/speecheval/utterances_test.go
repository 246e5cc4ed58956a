package speecheval

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleIntents = `# a comment
language: en
intents:
  order_status:
    description: "where is it"
    examples:
      - "where is my order"
      - "  has my   package shipped  "
      - ""
    slots: [order_number]
  affirm:
    examples: ["yes", "no problem"]
slots:
  order_number: {type: digits}
`

func TestParseUtterances(t *testing.T) {
	us, err := ParseUtterances([]byte(sampleIntents))
	if err != nil {
		t.Fatal(err)
	}
	want := []Utterance{
		{ID: "order_status/0", Intent: "order_status", Language: "en", Text: "where is my order"},
		{ID: "order_status/1", Intent: "order_status", Language: "en", Text: "has my package shipped"},
		{ID: "affirm/0", Intent: "affirm", Language: "en", Text: "yes"},
		{ID: "affirm/1", Intent: "affirm", Language: "en", Text: "no problem"},
	}
	if len(us) != len(want) {
		t.Fatalf("got %d utterances %+v, want %d", len(us), us, len(want))
	}
	for i := range want {
		if us[i] != want[i] {
			t.Errorf("utterance %d: %+v, want %+v", i, us[i], want[i])
		}
	}
}

func TestParseUtterancesErrors(t *testing.T) {
	tests := []struct {
		desc string
		yaml string
		want string // in the message
	}{
		{"not YAML", "intents: [\n", "line"},
		{"no intents", "language: en\n", "intents must be a mapping"},
		{"intents as a list", "intents:\n  - a\n  - b\n", "line 2"},
		{"examples not a list", "intents:\n  a:\n    examples: 3\n", `intent "a"`},
		{"no examples at all", "intents:\n  a:\n    description: x\n", "no intent has examples"},
		{"only empty examples", "intents:\n  a:\n    examples: [\"\", \" \"]\n", "no intent has examples"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := ParseUtterances([]byte(tc.yaml))
			if !errors.Is(err, ErrUtterances) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrUtterances saying %q", err, tc.want)
			}
		})
	}
}

func TestLoadUtterances(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "intents.yaml")
	if err := os.WriteFile(good, []byte(sampleIntents), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("intents: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxUtteranceFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc  string
		path  string
		count int
		want  string // in the error; empty for success
	}{
		{"a good file", good, 4, ""},
		{"a missing file", filepath.Join(dir, "none.yaml"), 0, "pass an intents file"},
		{"a bad file names itself", bad, 0, "bad.yaml"},
		{"a file too large", big, 0, "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			us, err := LoadUtterances(tc.path)
			if tc.want == "" {
				if err != nil || len(us) != tc.count {
					t.Fatalf("got %d utterances, error %v; want %d", len(us), err, tc.count)
				}
				return
			}
			if !errors.Is(err, ErrUtterances) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrUtterances saying %q", err, tc.want)
			}
		})
	}
}

func TestSubset(t *testing.T) {
	var us []Utterance
	for i := range 10 {
		us = append(us, Utterance{ID: string(rune('a' + i))})
	}
	ids := func(us []Utterance) string {
		var b strings.Builder
		for _, u := range us {
			b.WriteString(u.ID)
		}
		return b.String()
	}
	tests := []struct {
		desc string
		n    int
		want string
	}{
		{"all when n is zero", 0, "abcdefghij"},
		{"all when n is larger", 20, "abcdefghij"},
		{"every other", 5, "acegi"},
		{"spread over the set", 3, "adg"},
		{"one", 1, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := ids(Subset(us, tc.n)); got != tc.want {
				t.Errorf("Subset(%d) = %s, want %s", tc.n, got, tc.want)
			}
		})
	}
}

// FuzzParseUtterances checks that any file either parses into non-empty
// utterances or fails with ErrUtterances.
func FuzzParseUtterances(f *testing.F) {
	f.Add([]byte(sampleIntents))
	f.Add([]byte("intents:\n  a:\n    examples: [x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		us, err := ParseUtterances(data)
		if err != nil {
			if !errors.Is(err, ErrUtterances) {
				t.Fatalf("error %v does not wrap ErrUtterances", err)
			}
			return
		}
		if len(us) == 0 {
			t.Fatal("no utterances and no error")
		}
		for _, u := range us {
			if u.Text == "" || u.ID == "" || strings.TrimSpace(u.Text) != u.Text {
				t.Fatalf("bad utterance %+v", u)
			}
		}
	})
}
