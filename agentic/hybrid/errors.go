package hybrid

import "errors"

// Sentinel errors of the package, wrapped (test with errors.Is).
var (
	// ErrConfig means New was given something it cannot use; the message
	// says what.
	ErrConfig = errors.New("hybrid: invalid configuration")
	// ErrNotFlowAgent means the flows factory made an agent that cannot
	// route turns: build the flows factory with flow.New.
	ErrNotFlowAgent = errors.New("hybrid: the flows factory must make flow agents: build it with flow.New")
)
