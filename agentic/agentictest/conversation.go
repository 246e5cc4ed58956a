package agentictest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// Turn is one caller turn of a Conversation.
type Turn struct {
	// Text is what the caller said; empty with empty DTMF asks the agent
	// to speak first (the greeting).
	Text string
	// DTMF holds the keypad digits pressed.
	DTMF string
	// BargeIn makes the caller interrupt the bot's answer after hearing
	// Heard sentences and HeardWords words of the next: the History then
	// holds only that, marked Interrupted.
	BargeIn    bool
	Heard      int
	HeardWords int
	// Early makes the barge-in come while the agent is still answering:
	// the turn's context is cancelled when the agent writes a sentence
	// past the one being heard, as a session does, and the agent should
	// return context.Canceled.
	Early bool
}

// Conversation drives an agent through caller turns the way a call session
// does: it numbers the turns, keeps the History (caller messages, and bot
// messages holding only what the caller heard) and records each turn's
// answer. Methods are safe for concurrent use; turns run one at a time.
type Conversation struct {
	agent agentic.Agent
	call  agentic.Call

	mu      sync.Mutex
	history []pipeline.Message
	turn    int
	turns   []*Recorder
}

// NewConversation makes call's agent with f.
func NewConversation(f agentic.Factory, call agentic.Call) (*Conversation, error) {
	a, err := f.NewAgent(call)
	if err != nil {
		return nil, err
	}
	return &Conversation{agent: a, call: call}, nil
}

// Agent returns the conversation's agent.
func (c *Conversation) Agent() agentic.Agent { return c.agent }

// Greet asks the agent to speak first.
func (c *Conversation) Greet(ctx context.Context) (*Recorder, error) { return c.Send(ctx, Turn{}) }

// Say sends what the caller said.
func (c *Conversation) Say(ctx context.Context, text string) (*Recorder, error) {
	return c.Send(ctx, Turn{Text: text})
}

// Keys sends keypad digits.
func (c *Conversation) Keys(ctx context.Context, digits string) (*Recorder, error) {
	return c.Send(ctx, Turn{DTMF: digits})
}

// Send runs one turn and returns its recording with the agent's error: a
// turn the caller barged into may end with context.Canceled, which is
// returned too.
func (c *Conversation) Send(ctx context.Context, t Turn) (*Recorder, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := time.Duration(len(c.history)) * time.Second
	if t.Text != "" || t.DTMF != "" {
		text := t.Text
		if t.DTMF != "" {
			text = strings.TrimSpace(text + " [keypad " + t.DTMF + "]")
		}
		c.history = append(c.history, pipeline.Message{Role: pipeline.RoleCaller, Text: text, Start: at, End: at})
	}
	c.turn++
	req := agentic.Request{CallID: c.call.ID, Turn: c.turn, Language: c.call.Language, Text: t.Text, DTMF: t.DTMF,
		History: append([]pipeline.Message(nil), c.history...)}
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rec := NewRecorder()
	if t.BargeIn && t.Early {
		rec.Interrupt(t.Heard+1, cancel)
	}
	err := c.agent.Respond(tctx, req, rec)
	c.turns = append(c.turns, rec)
	if msg, ok := heard(rec.Sentences(), t); ok {
		msg.Start, msg.End = at, at+time.Second
		c.history = append(c.history, msg)
	}
	if err != nil {
		return rec, fmt.Errorf("turn %d: %w", c.turn, err)
	}
	return rec, nil
}

// heard returns the bot message of a turn as the caller heard it.
func heard(sentences []string, t Turn) (pipeline.Message, bool) {
	if len(sentences) == 0 {
		return pipeline.Message{}, false
	}
	msg := pipeline.Message{Role: pipeline.RoleBot, Text: strings.Join(sentences, " ")}
	if !t.BargeIn {
		return msg, true
	}
	n := min(t.Heard, len(sentences))
	parts := append([]string(nil), sentences[:n]...)
	if n < len(sentences) && t.HeardWords > 0 {
		w := strings.Fields(sentences[n])
		parts = append(parts, strings.Join(w[:min(t.HeardWords, len(w))], " "))
	}
	msg.Text, msg.Interrupted = strings.Join(parts, " "), true
	return msg, true
}

// History returns a copy of the conversation so far.
func (c *Conversation) History() []pipeline.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]pipeline.Message(nil), c.history...)
}

// Turns returns the recordings of the turns so far.
func (c *Conversation) Turns() []*Recorder {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Recorder(nil), c.turns...)
}

// Close closes the agent if it is an io.Closer.
func (c *Conversation) Close() error {
	if cl, ok := c.agent.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}
