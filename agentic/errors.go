package agentic

import "fmt"

// ToolError is a tool failure whose message can be shown to the model or
// spoken about ("no order 4827163"), as opposed to a transport failure.
type ToolError struct {
	// Tool is the tool's name.
	Tool string
	// Message says what went wrong, for the model.
	Message string
	// Err is the underlying error, if any.
	Err error
}

func (e *ToolError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("tool %s: %s: %v", e.Tool, e.Message, e.Err)
	}
	return fmt.Sprintf("tool %s: %s", e.Tool, e.Message)
}

// Unwrap returns the underlying error.
func (e *ToolError) Unwrap() error { return e.Err }
