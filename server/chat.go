package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// ChatTurn is one bot turn of a text conversation: everything the agent
// wrote in answer to one caller message. Its JSON form is what
// `parley chat --json` prints per turn.
type ChatTurn struct {
	// Turn numbers the bot's turns, from 1.
	Turn int `json:"turn"`
	// Caller is the caller's message answered; empty for the greeting.
	Caller string `json:"caller,omitempty"`
	// DTMF holds the keypad digits sent with the message.
	DTMF string `json:"dtmf,omitempty"`
	// Text is the bot's answer, its sentences joined by spaces.
	Text string `json:"text"`
	// Sentences are the answer as the agent streamed it.
	Sentences []string `json:"sentences"`
	// Intent, Confidence and Slots are what the agent understood of the
	// message (from its agentic.Understood action), when it said.
	Intent     string            `json:"intent,omitempty"`
	Confidence float64           `json:"confidence,omitempty"`
	Slots      map[string]string `json:"slots,omitempty"`
	// ToolCalls are the tools the agent called this turn.
	ToolCalls []agentic.ToolCall `json:"tool_calls,omitempty"`
	// Actions are the control actions (handoff, end_call, send_dtmf).
	Actions []ChatAction `json:"actions,omitempty"`
	// Hints are the recognition hints set for the caller's next turn, in
	// a voice call.
	Hints *pipeline.Hints `json:"hints,omitempty"`
	// Ended reports that the conversation is over (the agent ended the
	// call or handed it off).
	Ended bool `json:"ended,omitempty"`
	// Error is the agent's failure, if it failed; the conversation goes
	// on.
	Error string `json:"error,omitempty"`
	// LatencyMs is how long the agent took to answer, in milliseconds.
	LatencyMs float64 `json:"latency_ms"`
}

// ChatAction is a control action in a ChatTurn.
type ChatAction struct {
	// Kind is the action's kind ("handoff", "end_call", "send_dtmf").
	Kind string `json:"kind"`
	// AfterSpeech reports the action waits for the preceding speech.
	AfterSpeech bool `json:"after_speech,omitempty"`
	// Action is the action itself.
	Action pipeline.Action `json:"action"`
}

// ChatSession is a text conversation with an agent: the same agent a voice
// call runs, fed typed messages instead of transcripts. It keeps the
// history the agent sees. Methods are safe for concurrent use; turns run
// one at a time.
type ChatSession struct {
	mu      sync.Mutex
	agent   agentic.Agent
	call    agentic.Call
	history []pipeline.Message
	turn    int
	ended   bool
	start   time.Time
	timeout time.Duration
}

// ErrChatEnded is returned by Send after the agent ended the conversation.
var ErrChatEnded = errors.New("server: the conversation has ended")

// NewChatSession starts a conversation with an agent from f. timeout bounds
// each turn (0 means 30 s).
func NewChatSession(f agentic.Factory, call agentic.Call, timeout time.Duration) (*ChatSession, error) {
	if call.Channel == "" {
		call.Channel = "chat"
	}
	a, err := f.NewAgent(call)
	if err != nil {
		return nil, fmt.Errorf("server: start the agent: %w", err)
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &ChatSession{agent: a, call: call, start: time.Now(), timeout: timeout}, nil
}

// Greet asks the agent to speak first, as at the start of a call.
func (c *ChatSession) Greet(ctx context.Context) (ChatTurn, error) {
	return c.Send(ctx, "", "")
}

// Send gives the agent the caller's message text and keypad digits and
// returns its answer. An agent failure is reported in ChatTurn.Error, not
// as an error; Send returns an error only for a cancelled ctx or a
// conversation that has ended.
func (c *ChatSession) Send(ctx context.Context, text, dtmf string) (ChatTurn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return ChatTurn{}, ErrChatEnded
	}
	text = strings.TrimSpace(text)
	now := time.Since(c.start)
	if text != "" || dtmf != "" {
		c.history = append(c.history, pipeline.Message{Role: pipeline.RoleCaller, Text: callerText(text, dtmf), Start: now, End: now})
	}
	c.turn++
	t := ChatTurn{Turn: c.turn, Caller: text, DTMF: dtmf, Sentences: []string{}}
	req := pipeline.AgentRequest{CallID: c.call.ID, Turn: c.turn, Language: c.call.Language,
		Text: text, DTMF: dtmf, History: append([]pipeline.Message(nil), c.history...)}
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	began := time.Now()
	err := c.agent.Respond(tctx, req, pipeline.ResponseWriterFunc(func(r pipeline.Response) error {
		if err := tctx.Err(); err != nil {
			return err
		}
		t.add(r)
		return nil
	}))
	t.LatencyMs = float64(time.Since(began).Microseconds()) / 1000
	if err != nil {
		if ctx.Err() != nil {
			return t, ctx.Err()
		}
		t.Error = err.Error()
	}
	t.Text = joinSentences(t.Sentences)
	if t.Text != "" {
		end := time.Since(c.start)
		c.history = append(c.history, pipeline.Message{Role: pipeline.RoleBot, Text: t.Text, Start: now, End: end})
	}
	c.ended = t.Ended
	return t, nil
}

// joinSentences joins sentences with a space, or with nothing after a
// sentence that ends in full-width punctuation (Chinese).
func joinSentences(ss []string) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 && !strings.HasSuffix(ss[i-1], "。") && !strings.HasSuffix(ss[i-1], "？") &&
			!strings.HasSuffix(ss[i-1], "！") && !strings.HasSuffix(ss[i-1], "，") {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// callerText is the caller's message as the history records it.
func callerText(text, dtmf string) string {
	switch {
	case dtmf == "":
		return text
	case text == "":
		return "[keypad " + dtmf + "]"
	}
	return text + " [keypad " + dtmf + "]"
}

// History returns a copy of the conversation so far.
func (c *ChatSession) History() []pipeline.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]pipeline.Message(nil), c.history...)
}

// Ended reports whether the agent ended the conversation.
func (c *ChatSession) Ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// Close releases the agent if it holds resources.
func (c *ChatSession) Close() error {
	if cl, ok := c.agent.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}

// add records one part of the agent's answer.
func (t *ChatTurn) add(r pipeline.Response) {
	if s := strings.TrimSpace(r.Text); s != "" {
		t.Sentences = append(t.Sentences, s)
	}
	if r.Hints != nil {
		h := *r.Hints
		t.Hints = &h
	}
	switch a := r.Action.(type) {
	case nil:
	case agentic.Understood:
		t.Intent, t.Confidence, t.Slots = a.Intent, a.Confidence, a.Slots
	case *agentic.Understood:
		t.Intent, t.Confidence, t.Slots = a.Intent, a.Confidence, a.Slots
	case agentic.ToolCall:
		t.ToolCalls = append(t.ToolCalls, a)
	case *agentic.ToolCall:
		t.ToolCalls = append(t.ToolCalls, *a)
	default:
		t.Actions = append(t.Actions, ChatAction{Kind: a.ActionKind(), AfterSpeech: r.AfterSpeech, Action: a})
		switch a.ActionKind() {
		case agentic.KindEndCall, agentic.KindHandoff:
			t.Ended = true
		}
	}
}
