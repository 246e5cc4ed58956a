package records

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeCursor feeds cursors as they arrive in GET /api/calls?cursor=.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(t0, "20260302T140812-4f3a9c2b"))
	f.Add("")
	f.Add("MTIzfA")
	f.Fuzz(func(t *testing.T, c string) {
		at, id, err := decodeCursor(c)
		if err != nil {
			return
		}
		if id == "" {
			t.Fatalf("cursor %q decoded to an empty id", c)
		}
		if again := encodeCursor(timeMS(at), id); again != c {
			if _, id2, err := decodeCursor(again); err != nil || id2 != id {
				t.Fatalf("cursor %q does not round-trip: %q", c, again)
			}
		}
	})
}

// FuzzRecordJSON feeds call records as `parley qa score` reads them from
// files: they must decode or fail, never panic, and re-encode stably.
func FuzzRecordJSON(f *testing.F) {
	b, _ := json.Marshal(finished(sample("call-001", t0), 2300e6))
	f.Add(b)
	f.Add([]byte(`{"id":"x","events":[{"type":"barge_in","at_ms":5120}]}`))
	f.Add([]byte(`{"events":[{"at_ms":1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Record
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			return // a QA value that is not valid JSON, or the like
		}
		var back Record
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%s", err, out)
		}
	})
}
