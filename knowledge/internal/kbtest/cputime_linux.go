//go:build linux

package kbtest

import (
	"time"

	"golang.org/x/sys/unix"
)

// ThreadCPU returns the CPU time the calling OS thread has used; lock
// the goroutine to its thread (runtime.LockOSThread) to time work by
// CPU rather than by wall clock, which on a shared machine includes the
// time the thread waited for a core.
func ThreadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
