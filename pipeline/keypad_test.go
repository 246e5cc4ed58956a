package pipeline_test

import (
	"errors"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// silentSetup is a caller who never speaks, with an agent whose first turn
// (the greeting) sets hints.
func silentSetup(agent *pipelinetest.Agent) setup {
	return setup{script: []pipelinetest.Segment{pipelinetest.Pause(30 * time.Second)}, agent: agent}
}

// greet makes the bot speak its first reply and waits until it was heard.
func (c *call) greet() {
	c.t.Helper()
	if err := c.s.Reply(); err != nil {
		c.t.Fatal(err)
	}
	c.stepUntil(3*time.Second, "greeting played", c.has("bot_speech_stopped", 1))
}

// press pushes digits, one per 20 ms step.
func (c *call) press(keys string) {
	c.t.Helper()
	for i := range len(keys) {
		if err := c.s.PushDTMF(keys[i]); err != nil {
			c.t.Fatalf("PushDTMF(%q): %v", keys[i], err)
		}
		c.step()
	}
}

func TestSessionKeypad(t *testing.T) {
	cases := []struct {
		desc   string
		digits int // Hints.KeypadDigits set by the greeting
		keys   string
		wait   time.Duration // quiet time after the keys before the turn ends
		want   string
	}{
		{desc: "a hash ends the entry and is not part of it", keys: "123#", want: "123"},
		{desc: "the agent's digit count ends the entry at once", digits: 3, keys: "482", want: "482"},
		{desc: "a menu key answers at once", digits: 1, keys: "2", want: "2"},
		{desc: "the keypad timeout ends the entry", keys: "45", wait: 3 * time.Second, want: "45"},
		{desc: "a lone hash is an entry of its own", keys: "#", want: "#"},
		{desc: "letters are taken as upper case", keys: "a*#", want: "A*"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			agent := &pipelinetest.Agent{Replies: [][]pipeline.Response{
				{{Text: "Enter it now.", Hints: &pipeline.Hints{KeypadDigits: tc.digits}}},
				{{Text: "Thanks."}},
			}}
			c := newCall(t, silentSetup(agent))
			c.greet()
			c.press(tc.keys)
			if tc.wait > 0 {
				c.steps(tc.wait - 200*ms)
				if n := c.rec.Count("end_of_turn"); n != 0 {
					t.Fatalf("the entry ended before the keypad timeout")
				}
			}
			c.stepUntil(time.Second, "end of the keypad entry", c.has("end_of_turn", 1))
			pipelinetest.Eventually(t, func() bool { return len(agent.Requests()) == 2 }, "agent asked about the entry")
			req := agent.Requests()[1]
			if req.DTMF != tc.want || req.Text != "" {
				t.Errorf("agent got DTMF %q text %q, want DTMF %q and no text", req.DTMF, req.Text, tc.want)
			}
			last := req.History[len(req.History)-1]
			if last.Role != pipeline.RoleCaller || last.DTMF != tc.want {
				t.Errorf("history ends with %+v, want the caller's entry %q", last, tc.want)
			}
			if n := c.rec.Count("dtmf"); n != len(tc.keys) {
				t.Errorf("%d dtmf events, want one per key (%d)", n, len(tc.keys))
			}
			for _, e := range c.rec.Events() {
				if eot, ok := e.(pipeline.EndOfTurnEvent); ok && (eot.Reason != pipeline.EndKeypad || eot.DTMF != tc.want) {
					t.Errorf("end of turn %+v, want reason keypad with %q", eot, tc.want)
				}
			}
		})
	}
}

func TestSessionKeyCutsOffBot(t *testing.T) {
	agent := &pipelinetest.Agent{Replies: [][]pipeline.Response{
		{{Text: "Welcome to Northwind Outfitters, where every order ships free over fifty dollars and returns are easy."}},
		{{Text: "Orders."}},
	}}
	c := newCall(t, silentSetup(agent))
	if err := c.s.Reply(); err != nil {
		t.Fatal(err)
	}
	c.stepUntil(3*time.Second, "bot speaking", c.has("bot_speech_started", 1))
	c.steps(200 * ms)
	c.press("1")
	if c.rec.Count("interruption") != 1 {
		t.Fatalf("a key press did not cut the bot off: events %v", c.rec.Kinds())
	}
	if c.lb.Stats().Flushes == 0 {
		t.Error("the transport was not told to flush its bot audio")
	}
	c.stepUntil(4*time.Second, "keypad timeout", c.has("end_of_turn", 1))
	h := c.s.History()
	if len(h) < 2 || !h[0].Interrupted || h[0].Role != pipeline.RoleBot || h[1].DTMF != "1" {
		t.Errorf("history %+v, want the interrupted greeting then the key", h)
	}
}

func TestSessionPushDTMFErrors(t *testing.T) {
	c := newCall(t, silentSetup(&pipelinetest.Agent{}))
	for _, bad := range []byte{'x', 'E', ' ', 0} {
		if err := c.s.PushDTMF(bad); !errors.Is(err, pipeline.ErrBadDigit) {
			t.Errorf("PushDTMF(%q) = %v, want ErrBadDigit", bad, err)
		}
	}
	if err := c.s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.s.PushDTMF('1'); !errors.Is(err, pipeline.ErrClosed) {
		t.Errorf("PushDTMF after Close = %v, want ErrClosed", err)
	}
}
