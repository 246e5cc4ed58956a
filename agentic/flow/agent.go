package flow

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
)

// Agent is the flow agent of one call: it holds the dialogue state (the
// current flow and step, the slots filled, failed attempts, what it said
// last) and answers each caller turn by running the flows.
//
// Respond is not safe for concurrent use: one call's turns run one at a
// time, as pipeline.Agent requires (a concurrent call fails with ErrBusy).
// Respond returns ctx.Err() promptly once ctx is done; the state then
// stays where the turn stopped (a tool call that was cut short runs again
// at the next turn), and the next turn's History tells the agent what the
// caller heard.
type Agent struct {
	f      *Factory
	call   agentic.Call
	log    *slog.Logger
	busy   atomic.Bool
	closed atomic.Bool
	st     state
	seq    int
}

var _ agentic.Agent = (*Agent)(nil)

// state is one call's dialogue state.
type state struct {
	greeted   bool
	flow      *flowDef
	pc        int
	wait      *waiting
	intent    string
	slots     map[string]string
	confirmed map[string]bool
	vars      map[string]any
	attempts  map[string]int
	noMatch   int
	last      []string
	lastHints pipeline.Hints
	lastError string
	terminal  pipeline.Action
	delegated bool
	notes     []string
}

func (s *state) reset() {
	*s = state{slots: map[string]string{}, confirmed: map[string]bool{}, vars: map[string]any{}, attempts: map[string]int{}}
}

// waitKind is the kind of answer the agent waits for.
type waitKind int

const (
	waitCollect waitKind = iota + 1
	waitConfirm
	waitAsk
	waitAnythingElse
	waitOfferTransfer
)

// waiting is the question the caller is expected to answer.
type waiting struct {
	kind     waitKind
	step     *step
	slot     string
	speech   []string // the sentences that asked
	question string   // the last of them, the question itself
	resume   int      // waitOfferTransfer: where the flow goes on a no
}

// maxNotes bounds the call summary kept for handoffs.
const maxNotes = 16

// Plan is what the agent understood of a turn and decided to do, before
// saying anything. Plan leaves the agent's state unchanged; Execute carries
// the plan out. A hybrid agent uses the split to send turns the flows have
// nothing for to another agent.
type Plan struct {
	// Result is what the parser understood of the caller's words, or what
	// their keypad digits meant (Source "dtmf"). Zero when Understood is
	// false.
	Result nlu.Result
	// Understood reports that the turn had caller input to understand
	// (text or keypad digits); false for a greeting or an empty turn.
	Understood bool
	// Delegate reports that no flow handles the turn (the caller was not
	// understood, or answers what another agent asked): another agent
	// may answer it instead. Executing the plan runs the file's no-match
	// handling.
	Delegate bool

	d decision
}

// Respond answers one caller turn: it writes agentic.Understood (when
// there was caller input), then what the flows do: tool calls, one
// Response per sentence, and the recognition Hints for the next turn, or a
// Handoff or EndCall after the last sentence.
func (a *Agent) Respond(ctx context.Context, req agentic.Request, w agentic.ResponseWriter) error {
	p, err := a.Plan(ctx, req)
	if err != nil {
		return err
	}
	if p.Understood {
		if err := w.WriteResponse(pipeline.Response{Action: agentic.Understood{Result: p.Result}}); err != nil {
			return writeErr(ctx, err)
		}
	}
	return a.Execute(ctx, req, p, w)
}

// Plan understands the turn (parsing its text with what the dialogue
// expects) and decides what to do, without changing the agent's state.
func (a *Agent) Plan(ctx context.Context, req agentic.Request) (*Plan, error) {
	if a.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return a.plan(ctx, req)
}

// Execute carries out a plan made by Plan for the same request: it runs
// the flows and writes their answer to w (not the Understood action, which
// Respond writes). It returns ctx.Err() once ctx is done.
func (a *Agent) Execute(ctx context.Context, req agentic.Request, p *Plan, w agentic.ResponseWriter) error {
	if a.closed.Load() {
		return ErrClosed
	}
	if !a.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer a.busy.Store(false)
	t := &turn{a: a, ctx: ctx, w: w, req: req, lang: a.language(req), res: p.Result}
	err := t.execute(p.d)
	if err == nil {
		err = t.finish()
	} else if ctx.Err() == nil {
		a.log.Warn("flow turn failed", "err", err)
	}
	if len(t.spoken) > 0 {
		a.st.last = t.spoken
	}
	return writeErr(ctx, err)
}

// Spoken tells the agent that another agent answered the turn a plan with
// Delegate set was made for, saying sentences and setting hints: the
// agent leaves any flow (the caller changed the subject), remembers the
// sentences for the repeat intent, and lets the other agent have the
// caller's next yes or no.
func (a *Agent) Spoken(sentences []string, hints *pipeline.Hints) {
	st := &a.st
	st.greeted = true
	st.flow, st.wait, st.terminal = nil, nil, nil
	st.noMatch = 0
	st.delegated = true
	if len(sentences) > 0 {
		st.last = append([]string(nil), sentences...)
		a.note("answered by the LLM agent")
	}
	if hints != nil {
		st.lastHints = *hints
	}
}

// Close releases the agent; Respond fails with ErrClosed afterwards. It is
// idempotent.
func (a *Agent) Close() error {
	a.closed.Store(true)
	return nil
}

// language returns the turn's language: the request's, the call's, else
// the file's default.
func (a *Agent) language(req agentic.Request) string {
	for _, l := range []string{req.Language, a.call.Language} {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return a.f.flows.language
}

// note adds a line to the call summary.
func (a *Agent) note(s string) {
	if len(a.st.notes) < maxNotes {
		a.st.notes = append(a.st.notes, s)
	}
}

// writeErr returns ctx.Err() when the context is done, else err.
func writeErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// lastBot returns the last bot message of history before the caller's turn
// being answered.
func lastBot(history []pipeline.Message) (pipeline.Message, bool) {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Role == pipeline.RoleBot {
			return history[i], true
		}
	}
	return pipeline.Message{}, false
}
