package nlu

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"time"
)

// Labelled evaluation data is JSON Lines, one utterance per line:
//
//	{"text": "cancel order six two nine four four one zero", "intent": "cancel_order", "slots": {"order_number": "6294410"}}
//
// with optional fields "lang" (the utterance's language tag), "expect"
// (ParseOptions.Expect) and "intents" (ParseOptions.Intents). A line
// without "intent" scores slots only (a bare answer to a question); an
// intent of "none" expects NoIntent. Blank lines and lines starting with
// "#" are skipped.

// EvalOptions controls Evaluate.
type EvalOptions struct {
	// Language is the language of lines without "lang"; empty lets the
	// parser choose.
	Language string
	// Now anchors relative dates; zero means the parser's clock.
	Now time.Time
	// Repeat parses each utterance this many times, for steadier latency
	// figures; the first parse is the one scored. 0 means 1.
	Repeat int
}

// Report is the outcome of an evaluation. Its JSON form is the output of
// `parley nlu eval --json`.
type Report struct {
	// Utterances is the number of labelled lines.
	Utterances int `json:"utterances"`
	// IntentScored counts the lines with an intent label; IntentCorrect
	// those understood with that intent.
	IntentScored  int `json:"intent_scored"`
	IntentCorrect int `json:"intent_correct"`
	// IntentAccuracy is IntentCorrect / IntentScored.
	IntentAccuracy float64 `json:"intent_accuracy"`
	// SlotExact counts the utterances whose slots are exactly the
	// labelled ones: every labelled slot with its value, no other slot.
	SlotExact int `json:"slot_exact"`
	// SlotExactMatch is SlotExact / Utterances.
	SlotExactMatch float64 `json:"slot_exact_match"`
	// WithSlots counts the utterances labelled with at least one slot,
	// and WithSlotsExact those of them whose slots are exactly right.
	WithSlots      int `json:"with_slots"`
	WithSlotsExact int `json:"with_slots_exact"`
	// WithSlotsExactMatch is WithSlotsExact / WithSlots.
	WithSlotsExactMatch float64 `json:"with_slots_exact_match"`
	// Slots scores each slot name.
	Slots map[string]SlotScore `json:"slots"`
	// Confusions counts the wrong intents, most frequent first.
	Confusions []Confusion `json:"confusions,omitempty"`
	// Errors lists the utterances with a wrong intent or wrong slots.
	Errors []EvalError `json:"errors,omitempty"`
	// Latency is the distribution of Parse times.
	Latency Latency `json:"latency"`
}

// SlotScore counts one slot's outcomes over an evaluation.
type SlotScore struct {
	// Expected counts the utterances labelled with the slot, Predicted
	// those the parser gave it to, Correct those where both agree on the
	// value.
	Expected  int `json:"expected"`
	Predicted int `json:"predicted"`
	Correct   int `json:"correct"`
	// Precision is Correct / Predicted and Recall Correct / Expected (1
	// when the divisor is 0).
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// Confusion counts the utterances of intent Want understood as Got.
type Confusion struct {
	Want  string `json:"want"`
	Got   string `json:"got"`
	Count int    `json:"count"`
}

// EvalError is one utterance the parser got wrong.
type EvalError struct {
	// Line is the 1-based line of the utterance in the input.
	Line int    `json:"line"`
	Text string `json:"text"`
	// WantIntent is empty for lines without an intent label.
	WantIntent string            `json:"want_intent,omitempty"`
	GotIntent  string            `json:"got_intent"`
	Confidence float64           `json:"confidence"`
	WantSlots  map[string]string `json:"want_slots"`
	GotSlots   map[string]string `json:"got_slots"`
}

// Latency summarizes Parse times, in milliseconds.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// labelled is one line of evaluation data.
type labelled struct {
	Text    string            `json:"text"`
	Intent  *string           `json:"intent"`
	Slots   map[string]string `json:"slots"`
	Lang    string            `json:"lang"`
	Expect  []string          `json:"expect"`
	Intents []string          `json:"intents"`
}

// Evaluate parses every labelled utterance of r with p and scores the
// results. It returns ctx.Err() when ctx ends, an error wrapping
// ErrEvalData for a line that is not a labelled utterance, and the first
// Parse error.
func Evaluate(ctx context.Context, p Parser, r io.Reader, opts EvalOptions) (Report, error) {
	rep := Report{Slots: map[string]SlotScore{}}
	confusions := map[[2]string]int{}
	var times []time.Duration
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 || raw[0] == '#' {
			continue
		}
		var l labelled
		if err := json.Unmarshal(raw, &l); err != nil {
			return rep, fmt.Errorf("%w: line %d: %v: each line must be a JSON object like {\"text\": \"...\", \"intent\": \"...\", \"slots\": {}}", ErrEvalData, line, err)
		}
		if l.Text == "" {
			return rep, fmt.Errorf("%w: line %d: the \"text\" field is missing or empty", ErrEvalData, line)
		}
		res, took, err := timedParse(ctx, p, l, opts)
		if err != nil {
			return rep, fmt.Errorf("line %d: %w", line, err)
		}
		times = append(times, took...)
		rep.score(line, l, res, confusions)
	}
	if err := sc.Err(); err != nil {
		return rep, fmt.Errorf("%w: line %d: %v", ErrEvalData, line+1, err)
	}
	rep.finish(confusions, times)
	return rep, nil
}

// timedParse parses one labelled utterance opts.Repeat times and returns
// the first result and every duration.
func timedParse(ctx context.Context, p Parser, l labelled, opts EvalOptions) (Result, []time.Duration, error) {
	po := ParseOptions{Language: l.Lang, Expect: l.Expect, Intents: l.Intents, Now: opts.Now}
	if po.Language == "" {
		po.Language = opts.Language
	}
	var first Result
	took := make([]time.Duration, 0, max(1, opts.Repeat))
	for i := 0; i < max(1, opts.Repeat); i++ {
		start := time.Now()
		res, err := p.Parse(ctx, l.Text, po)
		took = append(took, time.Since(start))
		if err != nil {
			return Result{}, nil, err
		}
		if i == 0 {
			first = res
		}
	}
	return first, took, nil
}

// score adds one utterance's outcome to the report.
func (rep *Report) score(line int, l labelled, res Result, confusions map[[2]string]int) {
	rep.Utterances++
	intentOK := true
	if l.Intent != nil && *l.Intent != "" {
		rep.IntentScored++
		if res.Intent == *l.Intent {
			rep.IntentCorrect++
		} else {
			intentOK = false
			confusions[[2]string{*l.Intent, res.Intent}]++
		}
	}
	want := l.Slots
	if want == nil {
		want = map[string]string{}
	}
	exact := maps.Equal(want, res.Slots)
	if exact {
		rep.SlotExact++
	}
	if len(want) > 0 {
		rep.WithSlots++
		if exact {
			rep.WithSlotsExact++
		}
	}
	for name := range unionKeys(want, res.Slots) {
		s := rep.Slots[name]
		w, inWant := want[name]
		g, inGot := res.Slots[name]
		if inWant {
			s.Expected++
		}
		if inGot {
			s.Predicted++
		}
		if inWant && inGot && w == g {
			s.Correct++
		}
		rep.Slots[name] = s
	}
	if !intentOK || !exact {
		e := EvalError{Line: line, Text: l.Text, GotIntent: res.Intent, Confidence: res.Confidence, WantSlots: want, GotSlots: res.Slots}
		if l.Intent != nil {
			e.WantIntent = *l.Intent
		}
		rep.Errors = append(rep.Errors, e)
	}
}

// unionKeys returns the keys of a and b.
func unionKeys(a, b map[string]string) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// finish computes the ratios, sorts the confusions and the latencies.
func (rep *Report) finish(confusions map[[2]string]int, times []time.Duration) {
	rep.IntentAccuracy = ratio(rep.IntentCorrect, rep.IntentScored)
	rep.SlotExactMatch = ratio(rep.SlotExact, rep.Utterances)
	rep.WithSlotsExactMatch = ratio(rep.WithSlotsExact, rep.WithSlots)
	for name, s := range rep.Slots {
		s.Precision = ratio(s.Correct, s.Predicted)
		s.Recall = ratio(s.Correct, s.Expected)
		rep.Slots[name] = s
	}
	for k, n := range confusions {
		rep.Confusions = append(rep.Confusions, Confusion{Want: k[0], Got: k[1], Count: n})
	}
	sort.Slice(rep.Confusions, func(i, j int) bool {
		a, b := rep.Confusions[i], rep.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Want+a.Got < b.Want+b.Got
	})
	slices.Sort(times)
	if n := len(times); n > 0 {
		rep.Latency = Latency{P50: ms(times[n/2]), P99: ms(times[min(n-1, n*99/100)]), Max: ms(times[n-1])}
	}
}

// ratio is a/b, 1 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// ms converts a duration to milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// WriteText writes the report for people: the figures, the confusions and
// the errors.
func (rep Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "utterances           %d\n", rep.Utterances)
	fmt.Fprintf(bw, "intent accuracy      %.3f (%d/%d)\n", rep.IntentAccuracy, rep.IntentCorrect, rep.IntentScored)
	fmt.Fprintf(bw, "slots exact          %.3f (%d/%d)\n", rep.SlotExactMatch, rep.SlotExact, rep.Utterances)
	fmt.Fprintf(bw, "slots exact, slotted %.3f (%d/%d)\n", rep.WithSlotsExactMatch, rep.WithSlotsExact, rep.WithSlots)
	fmt.Fprintf(bw, "latency ms           p50 %.3f  p99 %.3f  max %.3f\n", rep.Latency.P50, rep.Latency.P99, rep.Latency.Max)
	names := slices.Sorted(maps.Keys(rep.Slots))
	if len(names) > 0 {
		fmt.Fprintf(bw, "\n%-18s %8s %9s %7s %9s %6s\n", "slot", "expected", "predicted", "correct", "precision", "recall")
	}
	for _, n := range names {
		s := rep.Slots[n]
		fmt.Fprintf(bw, "%-18s %8d %9d %7d %9.3f %6.3f\n", n, s.Expected, s.Predicted, s.Correct, s.Precision, s.Recall)
	}
	if len(rep.Confusions) > 0 {
		fmt.Fprintf(bw, "\nconfusions (want -> got)\n")
		for _, c := range rep.Confusions {
			fmt.Fprintf(bw, "  %3d  %s -> %s\n", c.Count, c.Want, c.Got)
		}
	}
	if len(rep.Errors) > 0 {
		fmt.Fprintf(bw, "\nerrors\n")
		for _, e := range rep.Errors {
			fmt.Fprintf(bw, "  line %d: %q\n    intent %s -> %s (%.2f)  slots %v -> %v\n", e.Line, e.Text, orDash(e.WantIntent), e.GotIntent, e.Confidence, e.WantSlots, e.GotSlots)
		}
	}
	return bw.Flush()
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
