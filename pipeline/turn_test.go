package pipeline_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
)

const ms = time.Millisecond

// driver feeds a TurnDetector 20 ms frames on a clock starting at 0 and
// records its decisions.
type driver struct {
	td  *pipeline.TurnDetector
	now time.Duration
	out []pipeline.Decision
}

func (d *driver) frames(total time.Duration, prob float32) {
	for end := d.now + total; d.now < end; {
		d.now += 20 * ms
		d.out = d.td.Audio(d.out, d.now, 20*ms, prob)
	}
}

func (d *driver) speech(total time.Duration)  { d.frames(total, 0.9) }
func (d *driver) silence(total time.Duration) { d.frames(total, 0.05) }

func (d *driver) partial(text string) {
	d.out = d.td.Transcript(d.out, d.now, pipeline.Transcript{Text: text})
}

func (d *driver) final(text string) {
	d.out = d.td.Transcript(d.out, d.now, pipeline.Transcript{Text: text, Final: true})
}

func (d *driver) tick(after time.Duration) {
	d.now += after
	d.out = d.td.Tick(d.out, d.now)
}

// want is an expected decision; zero fields are not checked except Kind
// and At.
type want struct {
	kind   pipeline.DecisionKind
	at     time.Duration
	text   string
	reason string // EndReason or ResumeReason
	onset  time.Duration
}

func (w want) String() string {
	return fmt.Sprintf("%v@%v %q %s", w.kind, w.at, w.text, w.reason)
}

func got(d pipeline.Decision) want {
	r := string(d.EndReason)
	if d.Kind == pipeline.DecisionResume {
		r = string(d.ResumeReason)
	}
	return want{kind: d.Kind, at: d.At, text: d.Text, reason: r, onset: d.Onset}
}

var (
	started = pipeline.DecisionSpeechStarted
	stopped = pipeline.DecisionSpeechStopped
	eot     = pipeline.DecisionEndOfTurn
	barge   = pipeline.DecisionBargeIn
	intr    = pipeline.DecisionInterrupt
	resume  = pipeline.DecisionResume
)

func TestTurnDetector(t *testing.T) {
	tests := []struct {
		name  string
		cfg   func(*pipeline.TurnConfig)
		run   func(d *driver)
		want  []want
		onset bool // also compare onsets
	}{
		{
			name: "complete sentence ends after the short silence",
			run: func(d *driver) {
				d.speech(1000 * ms)
				d.silence(20 * ms)
				d.final("I want to return my jacket.")
				d.silence(time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 1360 * ms, text: "I want to return my jacket.", reason: "complete"}},
		},
		{
			name: "unpunctuated text waits the base silence",
			run: func(d *driver) {
				d.speech(1000 * ms)
				d.silence(20 * ms)
				d.final("I want to return my jacket")
				d.silence(2 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 1700 * ms, text: "I want to return my jacket", reason: "silence"}},
		},
		{
			name: "trailing conjunction extends the wait",
			run: func(d *driver) {
				d.speech(1000 * ms)
				d.silence(20 * ms)
				d.final("I want to return my jacket and")
				d.silence(3 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 2600 * ms, text: "I want to return my jacket and", reason: "extended"}},
		},
		{
			name: "digits being read out extend the wait despite the period",
			run: func(d *driver) {
				d.speech(1000 * ms)
				d.silence(20 * ms)
				d.final("My order number is four eight two.")
				d.silence(3 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 2600 * ms, text: "My order number is four eight two.", reason: "extended"}},
		},
		{
			name: "a pause after digits is bridged and the turn ends after the next group",
			run: func(d *driver) {
				d.speech(1000 * ms)
				d.silence(20 * ms)
				d.final("My order number is 482")
				d.silence(1000 * ms)
				d.speech(600 * ms)
				d.silence(20 * ms)
				d.final("913.")
				d.silence(2 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: started, at: 2120 * ms}, {kind: stopped, at: 2920 * ms},
				{kind: eot, at: 4220 * ms, text: "My order number is 482 913.", reason: "extended"}},
		},
		{
			name: "trailing filler extends the wait",
			run: func(d *driver) {
				d.speech(600 * ms)
				d.silence(20 * ms)
				d.final("I think, um.")
				d.silence(3 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 900 * ms},
				{kind: eot, at: 2200 * ms, text: "I think, um.", reason: "extended"}},
		},
		{
			name: "a short pause between words does not end the speech",
			run: func(d *driver) {
				d.speech(400 * ms)
				d.silence(200 * ms)
				d.speech(400 * ms)
				d.silence(20 * ms)
				d.final("Yes please.")
				d.silence(time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 1360 * ms, text: "Yes please.", reason: "complete"}},
		},
		{
			name: "no final: the partial is used after the final timeout",
			run: func(d *driver) {
				d.speech(500 * ms)
				d.partial("I want a refund")
				d.speech(500 * ms)
				d.silence(3 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 2200 * ms, text: "I want a refund", reason: "no_final"}},
		},
		{
			name: "negative final timeout decides on silence alone",
			cfg:  func(c *pipeline.TurnConfig) { c.EndOfTurn.FinalTimeout = -1 },
			run: func(d *driver) {
				d.speech(500 * ms)
				d.partial("I want a refund")
				d.speech(500 * ms)
				d.silence(3 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 1700 * ms, text: "I want a refund", reason: "no_final"}},
		},
		{
			name: "a final that arrives late ends the turn when it comes",
			run: func(d *driver) {
				d.speech(1000 * ms)
				d.silence(2400 * ms)
				d.final("Hello?")
				d.silence(100 * ms)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 3400 * ms, text: "Hello?", reason: "complete"}},
		},
		{
			name: "noise without words is no turn",
			run: func(d *driver) {
				d.speech(300 * ms)
				d.silence(3 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 600 * ms}},
		},
		{
			name: "ticks end a turn when frames stop coming",
			run: func(d *driver) {
				d.speech(1000 * ms)
				d.silence(20 * ms)
				d.final("Thanks.")
				d.silence(300 * ms)
				d.tick(500 * ms)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 1820 * ms, text: "Thanks.", reason: "complete"}},
		},
		{
			name: "max turn ends a long turn and that speech does not barge in",
			cfg:  func(c *pipeline.TurnConfig) { c.EndOfTurn.MaxTurn = 2 * time.Second },
			run: func(d *driver) {
				d.speech(500 * ms)
				d.partial("and another thing")
				d.speech(1500 * ms)
				d.td.BotStarted(d.now)
				d.speech(time.Second)
			},
			want: []want{{kind: started, at: 100 * ms},
				{kind: eot, at: 2000 * ms, text: "and another thing", reason: "max_turn"}},
		},
		{
			name:  "barge-in after the minimum speech, confirmed by words",
			onset: true,
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.td.BotAudible(0)
				d.silence(100 * ms)
				d.speech(300 * ms)
				d.partial("wait")
				d.speech(200 * ms)
			},
			want: []want{{kind: barge, at: 180 * ms, onset: 100 * ms}, {kind: started, at: 200 * ms, onset: 40 * ms},
				{kind: intr, at: 400 * ms, text: "wait", onset: 100 * ms}},
		},
		{
			name: "speech shorter than the minimum does not barge in",
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.silence(100 * ms)
				d.speech(60 * ms)
				d.silence(time.Second)
			},
			want: nil,
		},
		{
			name: "a backchannel resumes the bot when its final comes",
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.td.BotAudible(0)
				d.speech(200 * ms)
				d.partial("uh")
				d.speech(100 * ms)
				d.silence(40 * ms)
				d.final("Uh huh.")
				d.silence(time.Second)
			},
			want: []want{{kind: barge, at: 80 * ms}, {kind: started, at: 100 * ms}, {kind: stopped, at: 600 * ms},
				{kind: resume, at: 600 * ms, text: "Uh huh.", reason: "backchannel"}},
		},
		{
			name: "a backchannel with fillers resumes the bot",
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.speech(300 * ms)
				d.silence(40 * ms)
				d.final("um, okay")
				d.silence(time.Second)
			},
			want: []want{{kind: barge, at: 80 * ms}, {kind: started, at: 100 * ms}, {kind: stopped, at: 600 * ms},
				{kind: resume, at: 600 * ms, text: "um, okay", reason: "backchannel"}},
		},
		{
			name: "yes is an answer, not a backchannel",
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.speech(300 * ms)
				d.silence(40 * ms)
				d.final("Yes.")
				d.silence(time.Second)
			},
			want: []want{{kind: barge, at: 80 * ms}, {kind: started, at: 100 * ms},
				{kind: intr, at: 340 * ms, text: "Yes."}, {kind: stopped, at: 600 * ms},
				{kind: eot, at: 660 * ms, text: "Yes.", reason: "complete"}},
		},
		{
			name: "no words after a cough resume the bot after the false interruption timeout",
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.td.BotAudible(0)
				d.speech(200 * ms)
				d.silence(2 * time.Second)
			},
			want: []want{{kind: barge, at: 80 * ms}, {kind: started, at: 100 * ms}, {kind: stopped, at: 500 * ms},
				{kind: resume, at: 1200 * ms, reason: "false_interruption"}},
		},
		{
			name: "a real interruption during the agent's thinking",
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.silence(200 * ms)
				d.speech(400 * ms)
				d.silence(20 * ms)
				d.final("actually, make it an exchange.")
				d.silence(time.Second)
			},
			want: []want{{kind: barge, at: 280 * ms}, {kind: started, at: 300 * ms},
				{kind: intr, at: 620 * ms, text: "actually, make it an exchange."}, {kind: stopped, at: 900 * ms},
				{kind: eot, at: 960 * ms, text: "actually, make it an exchange.", reason: "complete"}},
		},
		{
			name: "caller speech right as the bot finishes is a new turn, not a barge-in",
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.td.BotAudible(0)
				d.speech(60 * ms)
				d.td.BotFinished(d.now)
				d.speech(440 * ms)
				d.silence(20 * ms)
				d.final("Okay, bye.")
				d.silence(time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 800 * ms},
				{kind: eot, at: 860 * ms, text: "Okay, bye.", reason: "complete"}},
		},
		{
			name: "caller still speaking when the bot starts barges in after the minimum",
			run: func(d *driver) {
				d.speech(400 * ms)
				d.td.BotStarted(d.now)
				d.speech(100 * ms)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: barge, at: 480 * ms}},
		},
		{
			name: "disabled barge-in ignores caller speech while the bot speaks",
			cfg:  func(c *pipeline.TurnConfig) { c.BargeIn.Disabled = true },
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.speech(500 * ms)
				d.final("hello")
				d.silence(2 * time.Second)
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 800 * ms}},
		},
		{
			name: "immediate barge-in interrupts without waiting for words",
			cfg:  func(c *pipeline.TurnConfig) { c.BargeIn.Immediate = true },
			run: func(d *driver) {
				d.td.BotStarted(0)
				d.speech(100 * ms)
			},
			want: []want{{kind: barge, at: 80 * ms}, {kind: intr, at: 80 * ms}, {kind: started, at: 100 * ms}},
		},
		{
			name: "a late final replaces the turn's text while the bot is thinking",
			run: func(d *driver) {
				d.speech(500 * ms)
				d.partial("I want a re")
				d.speech(500 * ms)
				d.silence(1200 * ms)
				d.td.BotStarted(d.now)
				d.final("I want a refund.")
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 2200 * ms, text: "I want a re", reason: "no_final"},
				{kind: eot, at: 2200 * ms, text: "I want a refund.", reason: "late_final"}},
		},
		{
			name: "a late final is ignored once the bot is audible",
			run: func(d *driver) {
				d.speech(500 * ms)
				d.partial("I want a re")
				d.speech(500 * ms)
				d.silence(1200 * ms)
				d.td.BotStarted(d.now)
				d.td.BotAudible(d.now)
				d.final("I want a refund.")
			},
			want: []want{{kind: started, at: 100 * ms}, {kind: stopped, at: 1300 * ms},
				{kind: eot, at: 2200 * ms, text: "I want a re", reason: "no_final"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := pipeline.DefaultTurnConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			td, err := pipeline.NewTurnDetector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			d := &driver{td: td}
			tc.run(d)
			gotW := make([]want, len(d.out))
			for i, x := range d.out {
				gotW[i] = got(x)
			}
			if !matches(gotW, tc.want, tc.onset) {
				t.Errorf("decisions:\n got %v\nwant %v", strings.Join(strs(gotW), "\n     "), strings.Join(strs(tc.want), "\n     "))
			}
		})
	}
}

// matches compares decisions: kind and time always, text and reason when
// the expectation sets them, onsets when asked.
func matches(got, want []want, onsets bool) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		g := got[i]
		switch {
		case g.kind != w.kind || g.at != w.at:
			return false
		case w.text != "" && g.text != w.text, w.reason != "" && g.reason != w.reason:
			return false
		case onsets && g.onset != w.onset:
			return false
		}
	}
	return true
}

func strs(ws []want) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = fmt.Sprintf("%v onset=%v", w, w.onset)
	}
	return out
}

func TestTurnConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*pipeline.TurnConfig)
		ok   bool
	}{
		{"zero config takes defaults", func(c *pipeline.TurnConfig) { *c = pipeline.TurnConfig{} }, true},
		{"defaults", func(*pipeline.TurnConfig) {}, true},
		{"release above onset threshold", func(c *pipeline.TurnConfig) { c.VAD.OffsetThreshold = 0.9 }, false},
		{"threshold above one", func(c *pipeline.TurnConfig) { c.VAD.OnsetThreshold = 1.5 }, false},
		{"complete silence above base", func(c *pipeline.TurnConfig) { c.EndOfTurn.CompleteSilence = time.Second }, false},
		{"extended silence below base", func(c *pipeline.TurnConfig) { c.EndOfTurn.ExtendedSilence = 500 * ms }, false},
		{"max turn too short", func(c *pipeline.TurnConfig) { c.EndOfTurn.MaxTurn = 100 * ms }, false},
		{"max turn disabled", func(c *pipeline.TurnConfig) { c.EndOfTurn.MaxTurn = -1 }, true},
		{"negative barge-in minimum", func(c *pipeline.TurnConfig) { c.BargeIn.MinSpeech = -ms }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := pipeline.DefaultTurnConfig()
			tc.mod(&c)
			err := c.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "turn.") {
				t.Errorf("error %q does not name the field", err)
			}
		})
	}
}
