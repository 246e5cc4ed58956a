package webrtc

import "testing"

// FuzzDTMFMessage feeds arbitrary data channel messages to the keypad
// parser: it never panics, and what it accepts is keypad characters only.
func FuzzDTMFMessage(f *testing.F) {
	for _, s := range []string{"1", "123#", "*", "abcd", " 9 ", "", "x", "\xff\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		got, err := parseDTMFMessage(nil, msg)
		if err != nil && len(got) != 0 {
			t.Fatalf("rejected %q but returned %q", msg, got)
		}
		if err == nil && (len(got) == 0 || len(got) > maxDTMFMessage) {
			t.Fatalf("accepted %q as %q", msg, got)
		}
		for _, d := range got {
			if !isDigit(d) {
				t.Fatalf("%q gave the non-key %q", msg, d)
			}
		}
	})
}

// FuzzTelephoneEvent feeds arbitrary RFC 4733 payloads and timestamps:
// the reader never panics, reports at most two keys per packet, and only
// keypad characters.
func FuzzTelephoneEvent(f *testing.F) {
	f.Add(uint32(100), []byte{5, 0x0a, 0x03, 0x20}, uint32(100), []byte{5, 0x8a, 0x03, 0x20})
	f.Add(uint32(0xfffffff0), []byte{11, 0x80, 0, 0}, uint32(0x10), []byte{12, 0x80, 0, 0})
	f.Add(uint32(1), []byte{}, uint32(2), []byte{255, 255, 255, 255, 1})
	f.Fuzz(func(t *testing.T, ts1 uint32, p1 []byte, ts2 uint32, p2 []byte) {
		var r eventReader
		for _, p := range []struct {
			ts uint32
			b  []byte
		}{{ts1, p1}, {ts2, p2}, {ts2, p2}} {
			keys, n := r.packet(p.ts, p.b)
			if n < 0 || n > 2 {
				t.Fatalf("%d keys", n)
			}
			for _, k := range keys[:n] {
				if !isDigit(k) {
					t.Fatalf("non-key %q from %x", k, p.b)
				}
			}
		}
	})
}
