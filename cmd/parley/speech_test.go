package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-voice/parley/pipeline/audio"
)

// TestSayThenTranscribe speaks a sentence with flite and recognises it with
// pocketsphinx, through the command line as a user runs them.
func TestSayThenTranscribe(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "order.wav")
	if _, stderr, err := run(t, "say", "-o", wav, "--rate", "24000", "I want to check my order status"); err != nil {
		t.Fatalf("parley say: %v (%s)", err, stderr)
	}
	w, err := audio.ReadWAVFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	if w.Rate != 24000 || w.Channels != 1 || w.Duration().Seconds() < 1 {
		t.Fatalf("say wrote %d Hz, %d channel(s), %v", w.Rate, w.Channels, w.Duration())
	}
	out, stderr, err := run(t, "transcribe", "--json", wav)
	if err != nil {
		t.Fatalf("parley transcribe: %v (%s)", err, stderr)
	}
	var got struct {
		Text  string `json:"text"`
		Words []struct {
			Word  string `json:"word"`
			Start int64  `json:"start_ms"`
			End   int64  `json:"end_ms"`
		} `json:"words"`
		RTF *float64 `json:"rtf"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output %q is not the documented JSON: %v", out, err)
	}
	if got.RTF == nil || *got.RTF <= 0 || len(got.Words) == 0 {
		t.Fatalf("transcript %s lacks words or rtf", out)
	}
	// Open-vocabulary recognition of a synthetic voice is not perfect:
	// bound the word error rate (measured: one substitution in seven).
	if e := wer("i want to check my order status", got.Text); e > 0.3 {
		t.Errorf("transcript %q: word error rate %.2f", got.Text, e)
	}
	prev := int64(-1)
	for _, wd := range got.Words {
		if wd.Start < prev || wd.End < wd.Start || wd.End > w.Duration().Milliseconds()+100 {
			t.Errorf("word %+v out of order or past the audio", wd)
		}
		prev = wd.Start
	}
}

func TestTranscribeGrammar(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "digits.wav")
	if _, stderr, err := run(t, "say", "-o", wav, "four eight two seven one six three"); err != nil {
		t.Fatalf("parley say: %v (%s)", err, stderr)
	}
	g := filepath.Join(dir, "digits.jsgf")
	src := "#JSGF V1.0;\ngrammar digits;\npublic <digits> = <digit>+;\n<digit> = zero | oh | one | two | three | four | five | six | seven | eight | nine;\n"
	if err := os.WriteFile(g, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := run(t, "transcribe", "--grammar", g, wav)
	if err != nil {
		t.Fatalf("parley transcribe: %v (%s)", err, stderr)
	}
	// The grammar keeps the answer to digit words. With this synthetic
	// voice a digit is sometimes dropped or inserted at the edges
	// (measured), so bound the word error rate instead of asking for the
	// exact string.
	got := strings.TrimSpace(out)
	digits := map[string]bool{"zero": true, "oh": true, "one": true, "two": true, "three": true, "four": true,
		"five": true, "six": true, "seven": true, "eight": true, "nine": true}
	for _, w := range strings.Fields(got) {
		if !digits[w] {
			t.Errorf("transcript %q has %q, outside the grammar", got, w)
		}
	}
	if e := wer("four eight two seven one six three", got); e > 0.3 {
		t.Errorf("transcript %q: word error rate %.2f", got, e)
	}
}

func TestSpeechCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("tts:\n  provider: festival\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badGrammar := filepath.Join(dir, "bad.jsgf")
	if err := os.WriteFile(badGrammar, []byte("public <a> = b;"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		args []string
		want string
	}{
		{"no text", []string{"say", "-o", filepath.Join(dir, "x.wav")}, "give the text"},
		{"bad rate", []string{"say", "--rate", "11025", "-o", filepath.Join(dir, "x.wav"), "hi"}, "use 8000, 16000, 24000 or 48000"},
		{"bad config", []string{"say", "-c", bad, "-o", filepath.Join(dir, "x.wav"), "hi"}, "bad.yaml:2: tts.provider"},
		{"unknown voice", []string{"say", "--voice", "nobody", "-o", filepath.Join(dir, "x.wav"), "hi"}, "nobody"},
		{"missing file", []string{"transcribe", filepath.Join(dir, "none.wav")}, "no such file"},
		{"bad grammar", []string{"transcribe", "--grammar", badGrammar, "testdata/speech16k.wav"}, "#JSGF"},
	}
	for _, tc := range tests {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.desc, err, tc.want)
		}
	}
}

// wer returns the word error rate of hyp against ref: the word-level edit
// distance divided by the reference's length.
func wer(ref, hyp string) float64 {
	r, h := strings.Fields(ref), strings.Fields(hyp)
	prev := make([]int, len(h)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(r); i++ {
		cur := make([]int, len(h)+1)
		cur[0] = i
		for j := 1; j <= len(h); j++ {
			sub := prev[j-1]
			if r[i-1] != h[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev = cur
	}
	return float64(prev[len(h)]) / float64(max(len(r), 1))
}
