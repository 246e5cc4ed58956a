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

// run executes the parley command line with args and returns stdout, stderr
// and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestVADCommandJSON(t *testing.T) {
	for _, det := range []string{"energy", "gated"} {
		t.Run(det, func(t *testing.T) {
			out, stderr, err := run(t, "vad", "--json", "--detector", det, "testdata/speech16k.wav")
			if err != nil {
				t.Fatalf("parley vad: %v (stderr %s)", err, stderr)
			}
			var got struct {
				Segments []struct {
					Start int `json:"start_ms"`
					End   int `json:"end_ms"`
				} `json:"segments"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output %q is not the documented JSON: %v", out, err)
			}
			// The file is 2.7 s of one synthesised sentence.
			if len(got.Segments) == 0 {
				t.Fatalf("no speech found in a file of speech: %s", out)
			}
			prev := -1
			for _, s := range got.Segments {
				if s.Start < prev || s.End <= s.Start || s.End > 2800 {
					t.Errorf("segment %+v out of order or out of the file (output %s)", s, out)
				}
				prev = s.End
			}
		})
	}
}

func TestVADCommandErrors(t *testing.T) {
	dir := t.TempDir()
	notWAV := filepath.Join(dir, "notes.wav")
	if err := os.WriteFile(notWAV, []byte("this is not audio"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		args []string
		want string
	}{
		{"missing file", []string{"vad", filepath.Join(dir, "nope.wav")}, "nope.wav"},
		{"not a WAV file", []string{"vad", notWAV}, "notes.wav"},
		{"unknown detector", []string{"vad", "--detector", "magic", "testdata/speech16k.wav"}, "magic"},
		{"missing explicit model", []string{"vad", "--detector", "silero", "--model", filepath.Join(dir, "m.onnx"), "testdata/speech16k.wav"}, "m.onnx"},
		{"no file named", []string{"vad"}, "arg"},
	}
	for _, tc := range tests {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.desc, err, tc.want)
		}
	}
}

func TestBenchPipelineRejectsBadDetector(t *testing.T) {
	_, _, err := run(t, "bench", "pipeline", "--sessions", "1", "--duration", "1s", "--detector", "magic")
	if err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("error %v, want one naming the unknown detector", err)
	}
}

func TestHelpListsCommands(t *testing.T) {
	out, _, err := run(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"vad", "bench"} {
		if !strings.Contains(out, c) {
			t.Errorf("help does not list %q:\n%s", c, out)
		}
	}
}
