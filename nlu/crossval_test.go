package nlu

import (
	"context"
	"testing"
)

// crossValidate trains on all but one fold of each intent's examples and
// parses the held-back fold, for every fold. It returns the share of
// examples understood with their intent at threshold 0, and the shares of
// right and wrong answers that DefaultThreshold rejects.
func crossValidate(t *testing.T, path string, folds int) (acc, rightRejected, wrongRejected float64) {
	t.Helper()
	d, err := LoadDomain(path)
	if err != nil {
		t.Fatal(err)
	}
	var right, wrong, rightLow, wrongLow int
	for k := 0; k < folds; k++ {
		train := *d
		train.Intents = nil
		type heldBack struct{ text, intent string }
		var tests []heldBack
		for _, in := range d.Intents {
			kept := in
			kept.Examples = nil
			for i, ex := range in.Examples {
				if i%folds == k {
					tests = append(tests, heldBack{ex, in.Name})
				} else {
					kept.Examples = append(kept.Examples, ex)
				}
			}
			train.Intents = append(train.Intents, kept)
		}
		p, err := New(&train, WithThreshold(0))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range tests {
			res, err := p.Parse(context.Background(), tc.text, ParseOptions{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			low := res.Confidence < DefaultThreshold
			if res.Intent == tc.intent {
				right++
				rightLow += boolInt(low)
			} else {
				wrong++
				wrongLow += boolInt(low)
			}
		}
	}
	return ratio(right, right+wrong), ratio(rightLow, right), ratio(wrongLow, wrong)
}

// TestCrossValidation reports 5-fold cross-validation over the reference
// domain's examples, the figures the training settings and DefaultThreshold
// were chosen on (with testdata/dev.*.jsonl). Each fold trains on 80% of
// the examples, so the accuracy is below that of the full model.
func TestCrossValidation(t *testing.T) {
	tests := []struct {
		file   string
		minAcc float64
	}{
		{examplesEN, 0.80},
		{examplesZH, 0.65},
	}
	for _, tc := range tests {
		acc, rightRej, wrongRej := crossValidate(t, tc.file, 5)
		t.Logf("%s: 5-fold accuracy %.3f; threshold %.2f rejects %.3f of right answers and %.3f of wrong ones", tc.file, acc, DefaultThreshold, rightRej, wrongRej)
		if acc < tc.minAcc || rightRej > 0.10 || wrongRej < 0.3 {
			t.Errorf("%s: accuracy %.3f (want >= %.2f), right rejected %.3f (want <= 0.10), wrong rejected %.3f (want >= 0.30)", tc.file, acc, tc.minAcc, rightRej, wrongRej)
		}
	}
}
