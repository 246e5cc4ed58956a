package nlu

import (
	"fmt"
	"time"
)

// DefaultThreshold is the confidence below which Parse answers NoIntent.
// It was chosen on 5-fold cross-validation over the reference domain's
// examples and on the development sets (testdata/dev.*.jsonl, which hold
// out-of-domain utterances), never on the held-out sets: on unseen
// paraphrases it rejects about 7% of right answers and 45% of wrong ones
// (TestCrossValidation), and half of the dev set's out-of-domain
// utterances. A flow that would rather re-ask than act on a guess sets a
// higher threshold.
const DefaultThreshold = 0.20

// options are the runtime parameters of a Parser.
type options struct {
	threshold float64
	now       func() time.Time
	domains   []*Domain
	params    modelParams
}

// Option configures New. Options that get a bad value make New fail.
type Option func(*options) error

// WithThreshold sets the confidence in [0, 1] below which an utterance is
// understood as NoIntent. Higher rejects more: fewer wrong intents, more
// "sorry, could you rephrase". Default DefaultThreshold.
func WithThreshold(t float64) Option {
	return func(o *options) error {
		if !(t >= 0 && t <= 1) {
			return fmt.Errorf("%w: WithThreshold: must be in [0, 1], got %v", ErrConfig, t)
		}
		o.threshold = t
		return nil
	}
}

// WithNow sets the clock that anchors relative dates ("tomorrow") when
// ParseOptions.Now is zero. Default time.Now.
func WithNow(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: WithNow: the clock is nil", ErrConfig)
		}
		o.now = now
		return nil
	}
}

// defaultOptions returns the defaults documented on the options.
func defaultOptions() options {
	return options{threshold: DefaultThreshold, now: time.Now, params: defaultModelParams()}
}
