package pipeline

// Action kinds of the actions defined in this package.
const (
	// KindEndCall is the ActionKind of EndCall.
	KindEndCall = "end_call"
	// KindHandoff is the ActionKind of Handoff.
	KindHandoff = "handoff"
	// KindIntent is the ActionKind of Intent.
	KindIntent = "intent"
	// KindToolCall is the ActionKind of ToolCall.
	KindToolCall = "tool_call"
)

// EndCall asks for the call to be ended, normally with AfterSpeech set so the
// caller hears the goodbye first.
type EndCall struct {
	// Reason says why, for the call record (for example "resolved").
	Reason string
}

// ActionKind returns KindEndCall.
func (EndCall) ActionKind() string { return KindEndCall }

// Handoff asks for the call to be handed to a human agent.
type Handoff struct {
	// Queue names the queue to route to; empty means the default queue.
	Queue string
	// Skills are the skills the human agent needs.
	Skills []string
	// Priority orders calls in the queue; higher is served first.
	Priority int
	// Reason explains the handoff to the human agent.
	Reason string
	// Summary is the context shown to the human agent.
	Summary string
}

// ActionKind returns KindHandoff.
func (Handoff) ActionKind() string { return KindHandoff }

// Intent records what the agent understood the caller wants.
type Intent struct {
	// Name is the intent name, for example "return_item".
	Name string
	// Confidence is in [0, 1].
	Confidence float64
	// Slots holds extracted values by slot name.
	Slots map[string]string
}

// ActionKind returns KindIntent.
func (Intent) ActionKind() string { return KindIntent }

// ToolCall records a tool the agent called and its result.
type ToolCall struct {
	// Name is the tool's name.
	Name string
	// Arguments is the call's arguments as JSON.
	Arguments string
	// Result is the tool's result as the agent saw it.
	Result string
	// Err is the tool's error message, empty on success.
	Err string
}

// ActionKind returns KindToolCall.
func (ToolCall) ActionKind() string { return KindToolCall }
