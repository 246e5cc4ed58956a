package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Intent files of the reference domain, from this package's directory.
var (
	retailIntentsEN = filepath.Join("..", "..", "examples", "retail", "intents.yaml")
	retailIntentsZH = filepath.Join("..", "..", "examples", "retail", "intents.zh.yaml")
)

// runNLU runs the nlu command with args and stdin, and returns stdout and
// the error.
func runNLU(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newNLUCmd()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestNLUParseJSON(t *testing.T) {
	in := "where is my order four eight two seven one six three\n\n我要取消订单\n"
	out, err := runNLU(t, in, "parse", "--json", "--intents", retailIntentsEN, "--intents", retailIntentsZH)
	if err != nil {
		t.Fatalf("nlu parse: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want one per non-empty input line:\n%s", len(lines), out)
	}
	tests := []struct {
		desc, intent, lang string
		slots              map[string]string
	}{
		{"english with an order number", "order_status", "en", map[string]string{"order_number": "4827163"}},
		{"mandarin detected by its characters", "cancel_order", "zh", map[string]string{}},
	}
	for i, tc := range tests {
		var got struct {
			Text       string            `json:"text"`
			Language   string            `json:"language"`
			Intent     string            `json:"intent"`
			Confidence float64           `json:"confidence"`
			Slots      map[string]string `json:"slots"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("%s: line %q is not the documented JSON: %v", tc.desc, lines[i], err)
		}
		if got.Intent != tc.intent || got.Language != tc.lang || got.Confidence <= 0 || got.Confidence > 1 {
			t.Errorf("%s: got %+v, want intent %s in %s with a confidence in (0, 1]", tc.desc, got, tc.intent, tc.lang)
		}
		if got.Slots == nil || len(got.Slots) != len(tc.slots) {
			t.Errorf("%s: slots %v, want %v", tc.desc, got.Slots, tc.slots)
		}
		for k, v := range tc.slots {
			if got.Slots[k] != v {
				t.Errorf("%s: slot %s = %q, want %q", tc.desc, k, got.Slots[k], v)
			}
		}
	}
}

func TestNLUParseReadable(t *testing.T) {
	out, err := runNLU(t, "is the denver store open on sunday\n", "parse", "--intents", retailIntentsEN)
	if err != nil {
		t.Fatal(err)
	}
	want := "store_hours "
	if !strings.HasPrefix(out, want) || !strings.Contains(out, "day=sunday store=denver | is the denver store open on sunday") {
		t.Errorf("output %q, want a line like %q", out, "store_hours 0.80 day=sunday store=denver | is the denver store open on sunday")
	}
}

func TestNLUParseExpect(t *testing.T) {
	out, err := runNLU(t, "oh five four oh one\n", "parse", "--json", "--expect", "zip_code", "--intents", retailIntentsEN)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"zip_code":"05401"`) || !strings.Contains(out, `"intent":"none"`) {
		t.Errorf("a bare zip code answer gave %s, want zip_code 05401 and intent none", out)
	}
}

func TestNLUEval(t *testing.T) {
	dev := filepath.Join("..", "..", "nlu", "testdata", "dev.en.jsonl")
	out, err := runNLU(t, "", "eval", "--json", "--intents", retailIntentsEN, dev)
	if err != nil {
		t.Fatalf("nlu eval: %v", err)
	}
	var rep struct {
		Utterances     int     `json:"utterances"`
		IntentAccuracy float64 `json:"intent_accuracy"`
		SlotExactMatch float64 `json:"slot_exact_match"`
		Latency        struct {
			P99 float64 `json:"p99_ms"`
		} `json:"latency"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output %q is not a JSON report: %v", out, err)
	}
	if rep.Utterances < 60 || rep.IntentAccuracy < 0.8 || rep.SlotExactMatch < 0.8 || rep.Latency.P99 <= 0 {
		t.Errorf("report %+v: want every dev utterance scored, accuracy and slots above 0.8, a latency", rep)
	}
	text, err := runNLU(t, "", "eval", "--intents", retailIntentsEN, dev)
	if err != nil || !strings.Contains(text, "intent accuracy") {
		t.Errorf("readable report %q (error %v), want the intent accuracy line", text, err)
	}
}

func TestNLUErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("language: en\nintents:\n  greet:\n    examples: [\"hi\"]\n    slots: [foo]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("language: en\nintents:\n  greet:\n    examples: [\"hi\", \"hello there\"]\n  bye:\n    examples: [\"bye\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notJSON := filepath.Join(dir, "labels.jsonl")
	if err := os.WriteFile(notJSON, []byte("{\"text\": \"hi\"}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc  string
		stdin string
		args  []string
		want  string
	}{
		{"no intent files found", "hi\n", []string{"parse"}, "--intents"},
		{"bad intent file", "hi\n", []string{"parse", "--intents", bad}, "bad.yaml:5"},
		{"missing intent file", "hi\n", []string{"parse", "--intents", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"language without intents", "hi\n", []string{"parse", "--intents", small, "--lang", "fr"}, "fr"},
		{"threshold out of range", "hi\n", []string{"parse", "--intents", small, "--threshold", "2"}, "threshold"},
		{"unknown expected slot", "hi\n", []string{"parse", "--intents", small, "--expect", "shoe"}, "shoe"},
		{"eval file not JSON", "", []string{"eval", "--intents", small, notJSON}, "line 2"},
		{"eval file missing", "", []string{"eval", "--intents", small, filepath.Join(dir, "none.jsonl")}, "none.jsonl"},
		{"eval without a file", "", []string{"eval", "--intents", small}, "arg"},
		{"repeat below one", "", []string{"eval", "--intents", small, "--repeat", "0", notJSON}, "--repeat"},
	}
	for _, tc := range tests {
		_, err := runNLU(t, tc.stdin, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.desc, err, tc.want)
		}
	}
}
