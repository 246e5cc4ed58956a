package ws

import (
	"errors"
	"strings"
	"testing"
)

// Real messages, as Twilio's documentation shows them.
const (
	connectedJSON = `{"event":"connected","protocol":"Call","version":"1.0.0"}`
	startJSON     = `{"event":"start","sequenceNumber":"1","start":{"accountSid":"ACXX","streamSid":"MZXX","callSid":"CAXX",` +
		`"tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},` +
		`"customParameters":{"FirstName":"Jane","LastName":"Doe","RemoteParty":"Bob"}},"streamSid":"MZXX"}`
	mediaJSON = `{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5",` +
		`"payload":"no+JhoaJjpzS"},"streamSid":"MZXX"}`
	dtmfJSON = `{"event":"dtmf","streamSid":"MZXX","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}`
	markJSON = `{"event":"mark","sequenceNumber":"4","streamSid":"MZXX","mark":{"name":"my label"}}`
	stopJSON = `{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"ACXX","callSid":"CAXX"},"streamSid":"MZXX"}`
)

func TestDecodeMessages(t *testing.T) {
	var d decoder
	m, err := d.decode([]byte(startJSON))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	st := m.start
	if m.kind != evStart || st.StreamSid != "MZXX" || st.AccountSid != "ACXX" || st.CallSid != "CAXX" ||
		len(st.Tracks) != 1 || st.Tracks[0] != "inbound" || st.CustomParameters["RemoteParty"] != "Bob" ||
		len(st.CustomParameters) != 3 || st.formatProblem() != "" {
		t.Errorf("start = %+v", st)
	}
	cases := []struct {
		desc, in string
		check    func(m *message) bool
	}{
		{"connected", connectedJSON, func(m *message) bool { return m.kind == evConnected }},
		{"media", mediaJSON, func(m *message) bool {
			return m.kind == evMedia && string(m.track) == "inbound" && string(m.chunk) == "2" &&
				string(m.timestamp) == "5" && string(m.payload) == "no+JhoaJjpzS" && string(m.streamSid) == "MZXX"
		}},
		{"media, numbers as numbers", `{"event":"media","media":{"chunk":2,"timestamp":5,"payload":"AA=="}}`, func(m *message) bool {
			return string(m.chunk) == "2" && string(m.timestamp) == "5"
		}},
		{"media, escaped slash", `{"media":{"payload":"ab\/cd"},"event":"media"}`, func(m *message) bool {
			return m.kind == evMedia && string(m.payload) == "ab/cd"
		}},
		{"dtmf", dtmfJSON, func(m *message) bool { return m.kind == evDTMF && string(m.digit) == "1" }},
		{"mark", markJSON, func(m *message) bool { return m.kind == evMark && string(m.name) == "my label" }},
		{"mark, unicode escapes", `{"event":"mark","mark":{"name":"caf\u00e9 \ud83d\ude00 \ud800"}}`, func(m *message) bool {
			return string(m.name) == "café 😀 \uFFFD"
		}},
		{"stop", stopJSON, func(m *message) bool { return m.kind == evStop }},
		{"stop without metadata", `{"event":"stop"}`, func(m *message) bool { return m.kind == evStop }},
		{"unknown event", `{"event":"transcription","transcription":{"a":[1,2,{"b":null}]}}`, func(m *message) bool {
			return m.kind == evUnknown && string(m.event) == "transcription"
		}},
		{"whitespace everywhere", " {\n\t\"event\" : \"dtmf\" , \"dtmf\" : { \"digit\" : \"#\" } }\r\n", func(m *message) bool {
			return m.kind == evDTMF && string(m.digit) == "#"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			m, err := d.decode([]byte(tc.in))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !tc.check(m) {
				t.Errorf("decoded %+v", m)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		desc, in string
		want     error
	}{
		{"empty", ``, ErrMalformedMessage},
		{"truncated", `{"event":"media",`, ErrMalformedMessage},
		{"trailing data", `{"event":"stop"} x`, ErrMalformedMessage},
		{"bad literal", `{"event":"stop","x":tru}`, ErrMalformedMessage},
		{"bad number", `{"event":"stop","x":01}`, ErrMalformedMessage},
		{"bad escape", `{"event":"st\op"}`, ErrMalformedMessage},
		{"control character", "{\"event\":\"st\nop\"}", ErrMalformedMessage},
		{"unterminated string", `{"event":"stop`, ErrMalformedMessage},
		{"missing colon", `{"event" "stop"}`, ErrMalformedMessage},
		{"too deep", `{"event":"x","a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, ErrMalformedMessage},
		{"not an object", `["event","media"]`, ErrBadMessage},
		{"no event", `{"media":{"payload":"AA=="}}`, ErrBadMessage},
		{"event not a string", `{"event":7}`, ErrBadMessage},
		{"media without media", `{"event":"media"}`, ErrBadMessage},
		{"media not an object", `{"event":"media","media":"AA=="}`, ErrBadMessage},
		{"payload not a string", `{"event":"media","media":{"payload":12}}`, ErrBadMessage},
		{"timestamp an object", `{"event":"media","media":{"timestamp":{}}}`, ErrBadMessage},
		{"custom parameter an object", `{"event":"start","start":{"customParameters":{"a":{}}}}`, ErrBadMessage},
		{"tracks not strings", `{"event":"start","start":{"tracks":[1]}}`, ErrBadMessage},
	}
	var d decoder
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := d.decode([]byte(tc.in)); !errors.Is(err, tc.want) {
				t.Errorf("decode = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFormatProblem(t *testing.T) {
	cases := []struct {
		desc string
		st   startInfo
		want string // substring; "" for none
	}{
		{"Twilio's format", startInfo{Encoding: "audio/x-mulaw", SampleRate: "8000", Channels: "1"}, ""},
		{"case and no channels", startInfo{Encoding: "Audio/X-Mulaw", SampleRate: "8000"}, ""},
		{"A-law", startInfo{Encoding: "audio/x-alaw", SampleRate: "8000", Channels: "1"}, "encoding"},
		{"missing encoding", startInfo{SampleRate: "8000"}, "encoding"},
		{"16 kHz", startInfo{Encoding: "audio/x-mulaw", SampleRate: "16000"}, "sample rate"},
		{"stereo", startInfo{Encoding: "audio/x-mulaw", SampleRate: "8000", Channels: "2"}, "channels"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			got := tc.st.formatProblem()
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("formatProblem = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseMarkName(t *testing.T) {
	cases := []struct {
		desc, in string
		want     uint64
		ok       bool
	}{
		{"ours", "parley-12", 12, true},
		{"zero", "parley-0", 0, false},
		{"no number", "parley-", 0, false},
		{"signed", "parley--1", 0, false},
		{"someone else's", "greeting-1", 0, false},
		{"too long", "parley-1234567890123456789", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			got, ok := parseMarkName([]byte(tc.in))
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseMarkName(%q) = %d, %v", tc.in, got, ok)
			}
		})
	}
}

func TestMarkTracker(t *testing.T) {
	var m markTracker
	for i := range 3 {
		m.add(int64(10*(i+1)), int64(i)*1e9)
	}
	m.echo([]byte("parley-2"), 5e9) // parley-1 lost
	m.clearOutstanding()
	m.echo([]byte("parley-3"), 6e9) // cleared
	m.echo([]byte("parley-9"), 7e9) // unknown
	var st CallStats
	m.fill(&st)
	if st.MarksSent != 3 || st.MarksPlayed != 1 || st.MarksLost != 1 || st.MarksCleared != 1 || st.UnknownMarks != 1 ||
		st.PlayedAudio != 20*20e6 || st.PlaybackLag != 4e9 {
		t.Errorf("stats %+v", st)
	}
}

func TestSendQueue(t *testing.T) {
	var q sendQueue
	q.init(2)
	if q.push([]byte("a")) || q.push([]byte("b")) {
		t.Fatal("dropped below capacity")
	}
	if !q.push([]byte("c")) {
		t.Fatal("no drop at capacity")
	}
	msg, isClear, ok := q.pop(nil)
	if !ok || isClear || string(msg) != "b" {
		t.Fatalf("pop = %q %v %v, want b (a was dropped)", msg, isClear, ok)
	}
	if n := q.flush(); n != 1 {
		t.Errorf("flush dropped %d, want 1", n)
	}
	q.push([]byte("d"))
	if _, isClear, ok := q.pop(msg); !ok || !isClear {
		t.Fatal("clear not first after flush")
	}
	if msg, _, ok := q.pop(nil); !ok || string(msg) != "d" {
		t.Fatalf("pop = %q, want d", msg)
	}
	if _, _, ok := q.pop(nil); ok {
		t.Fatal("pop from an empty queue")
	}
}
