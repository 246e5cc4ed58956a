package flow_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines running (tool
// calls, HTTP connections), after every test's cleanups ran.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
