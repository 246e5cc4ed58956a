package pipelinetest

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// DefaultWait is how long Eventually polls before failing the test.
const DefaultWait = 10 * time.Second

// Eventually polls cond every millisecond until it returns true, and fails
// the test with msg (formatted with args) if it does not within DefaultWait.
// It is the way to wait for another goroutine's state in a test, instead of
// sleeping.
func Eventually(t testing.TB, cond func() bool, msg string, args ...any) {
	t.Helper()
	if !Poll(DefaultWait, cond) {
		t.Fatalf("condition not met within %v: %s", DefaultWait, fmt.Sprintf(msg, args...))
	}
}

// Poll polls cond every millisecond until it returns true (Poll returns
// true) or wait has passed on the real clock (Poll returns false).
func Poll(wait time.Duration, cond func() bool) bool {
	for range 200 { // most waits are for another goroutine's next step
		if cond() {
			return true
		}
		runtime.Gosched()
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-deadline.C:
			return cond()
		case <-tick.C:
			if cond() {
				return true
			}
		}
	}
}
