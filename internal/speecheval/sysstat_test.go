package speecheval

import (
	"testing"
	"time"
)

func TestParseStatm(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		want int64
		ok   bool
	}{
		{"typical", "12345 678 90 1 0 300 0\n", 678 * 4096, true},
		{"too short", "12345", 0, false},
		{"not a number", "1 x 2", 0, false},
		{"negative", "1 -5 2", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := parseStatm(tc.in, 4096)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("parseStatm(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestProcessMeasures(t *testing.T) {
	rss, err := ResidentBytes()
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if rss < 1<<20 {
		t.Errorf("resident memory %d bytes, want at least a megabyte for a Go test binary", rss)
	}
	before := ProcessCPU()
	x := 0
	for deadline := time.Now().Add(20 * time.Millisecond); time.Now().Before(deadline); x++ {
	}
	if after := ProcessCPU(); after <= before {
		t.Errorf("CPU time did not advance (%v then %v) over %d iterations of busy work", before, after, x)
	}
}
