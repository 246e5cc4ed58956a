package ws

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMessage feeds arbitrary bytes to the message decoder. It must never
// panic, must refuse everything encoding/json finds invalid, must call
// valid JSON malformed only when it nests deeper than it allows, and must
// agree with encoding/json on the members it extracts.
func FuzzMessage(f *testing.F) {
	for _, s := range []string{connectedJSON, startJSON, mediaJSON, dtmfJSON, markJSON, stopJSON,
		`{"event":"mark","mark":{"name":"caf\u00e9 \ud83d\ude00"}}`, `{"event":"media","media":{"payload":"ab\/cd","timestamp":20}}`,
		`{"event":"clear"}`, `[1,2]`, `{"event":"media",`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d decoder
		m, err := d.decode(data)
		valid := json.Valid(data)
		switch {
		case !valid && err == nil:
			t.Fatalf("accepted invalid JSON %q", data)
		case valid && errors.Is(err, ErrMalformedMessage) && !tooDeep(data):
			t.Fatalf("valid JSON %q called malformed: %v", data, err)
		case err != nil:
			if !errors.Is(err, ErrMalformedMessage) && !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			return
		}
		if !utf8.Valid(data) {
			return // encoding/json replaces invalid UTF-8; the decoder keeps bytes
		}
		var ref struct {
			Event string `json:"event"`
			Media struct {
				Payload string `json:"payload"`
			} `json:"media"`
			Mark struct {
				Name string `json:"name"`
			} `json:"mark"`
		}
		if json.Unmarshal(data, &ref) != nil || !exactKeys(data) {
			return // types or key spellings that encoding/json treats differently
		}
		if string(m.event) != ref.Event {
			t.Fatalf("event %q, encoding/json says %q", m.event, ref.Event)
		}
		if m.kind == evMedia && string(m.payload) != ref.Media.Payload {
			t.Fatalf("payload %q, encoding/json says %q", m.payload, ref.Media.Payload)
		}
		if m.kind == evMark && string(m.name) != ref.Mark.Name {
			t.Fatalf("mark name %q, encoding/json says %q", m.name, ref.Mark.Name)
		}
	})
}

// tooDeep reports whether data nests arrays or objects deeper than the
// decoder allows (brackets inside strings count too: this only excuses).
func tooDeep(data []byte) bool {
	depth, peak := 0, 0
	for _, c := range data {
		switch c {
		case '[', '{':
			depth++
			peak = max(peak, depth)
		case ']', '}':
			depth--
		}
	}
	return peak > maxJSONDepth
}

// exactKeys reports whether data's objects have no duplicate keys and no
// key that matches a member the comparison reads in case only: on those
// encoding/json differs by design (it merges duplicates into one struct
// and matches keys case-insensitively).
func exactKeys(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj    bool
		keys   map[string]bool
		expect bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return err == io.EOF
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.expect {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return false
			}
			for _, name := range []string{"event", "media", "payload", "mark", "name"} {
				if k != name && strings.EqualFold(k, name) {
					return false
				}
			}
			top.keys[k] = true
			top.expect = false
			continue
		}
		if top != nil && top.obj {
			top.expect = true
		}
		switch d, _ := tok.(json.Delim); d {
		case '{':
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, expect: true})
		case '[':
			stack = append(stack, &frame{})
		case ']', '}':
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].expect = true
			}
		}
	}
}
