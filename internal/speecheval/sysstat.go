package speecheval

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ProcessCPU returns the CPU time (user and system) the process has used
// so far; 0 when the system does not say.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ResidentBytes returns the process's resident memory (Linux
// /proc/self/statm), in bytes.
func ResidentBytes() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, fmt.Errorf("speecheval: resident memory: %w (needs Linux /proc)", err)
	}
	return parseStatm(string(b), os.Getpagesize())
}

// parseStatm reads the resident page count, the second field of
// /proc/self/statm, as bytes.
func parseStatm(s string, page int) (int64, error) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0, fmt.Errorf("speecheval: resident memory: unexpected /proc/self/statm %q", s)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || pages < 0 {
		return 0, fmt.Errorf("speecheval: resident memory: unexpected /proc/self/statm %q", s)
	}
	return pages * int64(page), nil
}
