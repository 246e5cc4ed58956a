package bridge_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge"
)

func TestNewID(t *testing.T) {
	at := time.Date(2026, 11, 23, 14, 8, 12, 0, time.FixedZone("CET", 3600))
	shape := regexp.MustCompile(`^20261123T130812-[0-9a-f]{8}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := bridge.NewID(at)
		if !shape.MatchString(id) {
			t.Fatalf("NewID = %q, want UTC time and 8 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
	if a, b := bridge.NewID(at), bridge.NewID(at.Add(time.Second)); a >= b {
		t.Errorf("IDs do not sort by time: %q >= %q", a, b)
	}
}
