package sphinx

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// EnvEval enables the evaluations below (they synthesize speech with the
// flite command and take a few minutes): PARLEY_SPHINX_EVAL=1 go test
// -run Eval -v ./stt/sphinx/
const envEval = "PARLEY_SPHINX_EVAL"

// evalVoices and evalPhrases make the rejection evaluation set: every
// phrase in every voice, each decoded under the yes/no and the digits
// grammars.
var (
	evalVoices  = []string{"slt", "rms", "awb", "kal16"}
	evalPhrases = []string{"yes", "no", "yeah", "nope", "yes please", "no thanks", "i want to return my jacket",
		"where is my order", "what are your opening hours", "can i talk to a person", "maybe later",
		"i am not sure", "four eight two seven one six three", "one two three four", "nine zero five five",
		"my account number is four four two", "i do not know it"}
)

// inGrammar reports whether text is a sentence of the named test grammar.
func inGrammar(grammar, text string) bool {
	if grammar == "yesno" {
		return slices.Contains([]string{"yes", "no", "yeah", "nope"}, text)
	}
	for _, w := range strings.Fields(text) {
		if !slices.Contains(strings.Fields("zero oh one two three four five six seven eight nine"), w) {
			return false
		}
	}
	return true
}

// TestEvalGrammarRejection measures the score margins (Config.GrammarRejection)
// of speech inside and outside a grammar, decoded whole and streamed, with
// and without the flat pass, and checks that the default threshold
// separates them.
func TestEvalGrammarRejection(t *testing.T) {
	if os.Getenv(envEval) == "" {
		t.Skipf("set %s=1 to run (a few minutes; needs flite)", envEval)
	}
	if _, err := exec.LookPath("flite"); err != nil {
		t.Skip("flite is not installed (make deps installs it)")
	}
	for _, flat := range []bool{false, true} {
		t.Run(fmt.Sprintf("flat_pass=%v", flat), func(t *testing.T) {
			evalRejection(t, newRecognizer(t, WithMaxDecoders(1), WithFlatPass(flat)))
		})
	}
}

func evalRejection(t *testing.T, r *Recognizer) {
	grammars := map[string]string{"yesno": yesNoGrammar, "digits": digitsGrammar}
	type row struct {
		margin float64
		in     bool
		what   string
	}
	var rows []row
	dir := t.TempDir()
	for _, v := range evalVoices {
		for _, p := range evalPhrases {
			pcm := synthesize(t, dir, v, p)
			for name, g := range grammars {
				h, err := r.compileHints(pipeline.Hints{Grammar: g})
				if err != nil {
					t.Fatal(err)
				}
				for _, whole := range []bool{true, false} {
					m := grammarMargin(t, r, h, pcm, whole)
					rows = append(rows, row{m, inGrammar(name, p), fmt.Sprintf("%s/%s whole=%v %q", v, name, whole, p)})
				}
			}
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return int((a.margin - b.margin) * 1000) })
	maxIn, minOut, wrong := -1e9, 1e9, 0
	for _, rw := range rows {
		t.Logf("%7.1f in=%v %s", rw.margin, rw.in, rw.what)
		if rw.in {
			maxIn = max(maxIn, rw.margin)
		} else {
			minOut = min(minOut, rw.margin)
		}
		if rw.in != (rw.margin <= DefaultGrammarRejection) {
			wrong++
		}
	}
	t.Logf("in-grammar margins up to %.1f, out-of-grammar from %.1f; %d of %d misclassified at %.1f",
		maxIn, minOut, wrong, len(rows), DefaultGrammarRejection)
	if wrong > len(rows)/50 {
		t.Errorf("%d of %d misclassified", wrong, len(rows))
	}
}

// synthesize speaks text with a flite voice and returns 16 kHz audio.
func synthesize(t *testing.T, dir, voice, text string) []int16 {
	t.Helper()
	path := filepath.Join(dir, voice+"_"+strings.ReplaceAll(text, " ", "_")+".wav")
	if out, err := exec.Command("flite", "-voice", voice, "-t", text, "-o", path).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v: %s", err, out)
	}
	w, err := audio.ReadWAVFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pcm := w.Mono(nil)
	if w.Rate != 16000 {
		if pcm, err = audio.Resample(nil, pcm, w.Rate, 16000); err != nil {
			t.Fatal(err)
		}
	}
	return concat(silence(300*time.Millisecond), pcm, silence(300*time.Millisecond))
}

// grammarMargin decodes pcm with h's grammar, whole or as a stream does,
// and returns the margin of the grammar pass.
func grammarMargin(t *testing.T, r *Recognizer, h *compiledHints, pcm []int16, whole bool) float64 {
	t.Helper()
	d, err := r.pool.acquire(context.Background(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.pool.release(d, true)
	ch := channel{band: bandWide}
	u, err := r.beginUtterance(d, h, 0, &ch)
	if err != nil {
		t.Fatal(err)
	}
	if whole {
		err = u.feedAll(pcm)
	} else {
		_, _, err = u.feed(pcm)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.finish(); err != nil {
		t.Fatal(err)
	}
	return u.margin
}
