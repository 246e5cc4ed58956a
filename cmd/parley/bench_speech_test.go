package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchSpeechJSON runs bench speech on two utterances and checks the
// documented keys and their ranges.
func TestBenchSpeechJSON(t *testing.T) {
	if _, err := os.Stat("/usr/share/pocketsphinx/model/en-us"); err != nil {
		t.Skip("pocketsphinx model not installed (make deps)")
	}
	intents := filepath.Join(t.TempDir(), "intents.yaml")
	yaml := "language: en\nintents:\n  order_status:\n    examples:\n      - \"where is my order\"\n      - \"i want to return my jacket\"\n"
	if err := os.WriteFile(intents, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := run(t, "bench", "speech", "--json", "--utterances", intents, "--latency-utterances", "1",
		"--synthesis-texts", "1", "--streams", "1", "--espeak=false")
	if err != nil {
		t.Fatalf("parley bench speech: %v (stderr %s)", err, stderr)
	}
	var r struct {
		Utterances int `json:"utterances"`
		STT        []map[string]any
		TTS        []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output %q is not JSON: %v", out, err)
	}
	if r.Utterances != 2 || len(r.STT) != 2 || len(r.TTS) != 4 {
		t.Fatalf("%d utterances, %d recognition and %d synthesis results: %s", r.Utterances, len(r.STT), len(r.TTS), out)
	}
	for i, cond := range []string{"16k", "8k-ulaw"} {
		s := r.STT[i]
		if s["engine"] != "sphinx" || s["condition"] != cond {
			t.Errorf("result %d: %v, want sphinx in %s", i, s, cond)
		}
		for _, k := range []string{"wer", "rtf", "final_latency_ms_p50", "final_latency_ms_p95", "cpu_per_stream", "decoder_mb"} {
			v, ok := s[k].(float64)
			if !ok || v < 0 {
				t.Errorf("%s: %s = %v, want a number not below 0", cond, k, s[k])
			}
		}
		if s["rtf"].(float64) <= 0 || s["decoder_mb"].(float64) < 10 || s["wer"].(float64) > 1 {
			t.Errorf("%s: implausible %v", cond, s)
		}
	}
	for _, s := range r.TTS {
		if s["engine"] != "flite" || s["first_chunk_ms_p50"].(float64) <= 0 || s["rtf"].(float64) <= 0 {
			t.Errorf("synthesis result %v, want flite with a first chunk time and a real-time factor", s)
		}
	}
}

func TestBenchSpeechErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		desc string
		args []string
		want string
	}{
		{"no utterance file here", []string{"bench", "speech"}, "--utterances"},
		{"a missing file", []string{"bench", "speech", "--utterances", filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{"no streams", []string{"bench", "speech", "--streams", "0", "--utterances", filepath.Join(dir, "none.yaml")}, "--streams"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, _, err := run(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
