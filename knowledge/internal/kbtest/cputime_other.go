//go:build !linux

package kbtest

import "time"

// ThreadCPU returns 0 where the thread's CPU clock is not read.
func ThreadCPU() time.Duration { return 0 }
