package flow

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors of the package, wrapped (test with errors.Is). Each
// message says what to do about it.
var (
	// ErrInvalid means a flow file that cannot be used; the wrapping
	// *Error says where and why.
	ErrInvalid = errors.New("flow: invalid flow file")
	// ErrConfig means a configuration value or option out of range; the
	// message names the YAML field or the option.
	ErrConfig = errors.New("flow: invalid configuration")
	// ErrBusy means Respond was called for a call while another Respond
	// of the same call was still running; the session must wait for a
	// turn to return before starting the next.
	ErrBusy = errors.New("flow: a turn of this call is still running: wait for Respond to return before the next turn")
	// ErrLoop means a flow ran more steps in one turn than
	// MaxStepsPerTurn without asking the caller anything: a goto cycle in
	// the flow file. The agent hands the call off when it happens.
	ErrLoop = errors.New("flow: too many steps in one turn: check the flow's goto and start steps for a cycle")
	// ErrClosed means the agent was used after Close.
	ErrClosed = errors.New("flow: agent closed")
)

// Error is a problem in a flow file, located by file, line and the path of
// the field ("flows.order_status.steps[2].collect").
type Error struct {
	// File is the flow file's name as given to Load or Parse.
	File string
	// Line is 1-based; 0 when unknown.
	Line int
	// Path is the field's path in the file.
	Path string
	// Err says what is wrong.
	Err error
}

// Error returns "file:line: path: problem".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns ErrInvalid and the underlying error, so that both
// errors.Is(err, ErrInvalid) and checks of the cause work.
func (e *Error) Unwrap() []error { return []error{ErrInvalid, e.Err} }
