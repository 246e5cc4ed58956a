package ws

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// TestBadInput sends broken streams: each must end with the right close
// code and error, or be ignored, and never take the server down.
func TestBadInput(t *testing.T) {
	mediaMsg := func(payload string) string {
		return fmt.Sprintf(`{"event":"media","streamSid":%q,"media":{"track":"inbound","chunk":"1","timestamp":"0","payload":%q}}`, testSid, payload)
	}
	cases := []struct {
		desc     string
		start    bool // send connected and start first
		play     func(f *fakeTwilio)
		wantCode int
		wantErr  error
		inReason string
	}{
		{"malformed JSON", false, func(f *fakeTwilio) {
			for range 3 {
				f.send(`{"event":"media",`)
			}
		}, websocket.CloseInvalidFramePayloadData, ErrTooManyErrors, "bad messages"},
		{"binary frames", true, func(f *fakeTwilio) {
			for range 3 {
				_ = f.conn.WriteMessage(websocket.BinaryMessage, []byte{0xff, 0x00})
			}
		}, websocket.CloseUnsupportedData, ErrTooManyErrors, "binary"},
		{"media before start", false, func(f *fakeTwilio) {
			for range 3 {
				f.send(mediaMsg("//8="))
			}
		}, websocket.ClosePolicyViolation, ErrTooManyErrors, "before the start"},
		{"base64 garbage", true, func(f *fakeTwilio) {
			for range 3 {
				f.send(mediaMsg("not base64!"))
			}
		}, websocket.ClosePolicyViolation, ErrTooManyErrors, "base64"},
		{"unknown keypad digit", true, func(f *fakeTwilio) {
			for range 3 {
				f.dtmf("x")
			}
		}, websocket.ClosePolicyViolation, ErrTooManyErrors, "digit"},
		{"A-law stream", false, func(f *fakeTwilio) {
			f.send(startMsg("1", nil, "audio/x-alaw", 8000))
		}, websocket.CloseUnsupportedData, ErrUnsupportedFormat, "audio/x-mulaw"},
		{"16 kHz stream", false, func(f *fakeTwilio) {
			f.send(startMsg("1", nil, "audio/x-mulaw", 16000))
		}, websocket.CloseUnsupportedData, ErrUnsupportedFormat, "sample rate"},
		{"start without streamSid", false, func(f *fakeTwilio) {
			f.send(`{"event":"start","start":{"callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`)
		}, websocket.ClosePolicyViolation, ErrBadMessage, "streamSid"},
		{"oversized message", true, func(f *fakeTwilio) {
			// The server stops reading mid-message: the write may fail.
			_ = f.conn.WriteMessage(websocket.TextMessage, []byte(mediaMsg(strings.Repeat("A", 4096))))
		}, websocket.CloseMessageTooBig, ErrMessageTooBig, ""},
		{"second start", true, func(f *fakeTwilio) {
			for range 3 {
				f.send(startMsg("2", nil, "audio/x-mulaw", 8000))
			}
		}, websocket.ClosePolicyViolation, ErrTooManyErrors, "second start"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s := newTestServer(t, Config{MaxBadMessages: 3, MaxMessageSize: 2048})
			f := mustDial(t, s.url)
			if tc.start {
				f.start(nil)
				s.accepted(t)
			}
			tc.play(f)
			code, reason := f.closed()
			if code != tc.wantCode || !strings.Contains(reason, tc.inReason) {
				t.Errorf("close %d %q, want %d containing %q", code, reason, tc.wantCode, tc.inReason)
			}
			if tc.start {
				c := s.handler.All()[0].Call
				if err := waitDone(t, c); !errors.Is(err, tc.wantErr) {
					t.Errorf("Err = %v, want %v", err, tc.wantErr)
				}
			}
			pipelinetest.Eventually(t, func() bool { return s.tw.Stats().Active == 0 }, "stream released")
			// The server still takes calls.
			g := mustDial(t, s.url)
			g.start(nil)
			s.accepted(t)
		})
	}
}

// TestIgnoredInput sends messages that must not end the call.
func TestIgnoredInput(t *testing.T) {
	s := newTestServer(t, Config{MaxBadMessages: 3})
	f := mustDial(t, s.url)
	f.start(nil)
	a := s.accepted(t)
	for i := range 50 {
		f.send(fmt.Sprintf(`{"event":"transcription","streamSid":%q,"sequenceNumber":"%d","transcription":{"text":"hi"}}`, testSid, i))
	}
	f.send(fmt.Sprintf(`{"event":"media","streamSid":%q,"media":{"track":"outbound","chunk":"1","timestamp":"0","payload":"//8="}}`, testSid))
	f.markEcho("someone-elses-mark")
	f.send(`{"event":"connected","protocol":"Call","version":"1.0.0"}`)
	f.stream(0, make([]int16, 320))
	pipelinetest.Eventually(t, func() bool { return a.Endpoint.Frames() == 2 }, "caller audio still flows")
	st := a.Call.(*Call).Stats()
	if st.UnknownEvents != 50 || st.OtherTracks != 1 || st.UnknownMarks != 1 || st.BadMessages != 0 {
		t.Errorf("stats: %+v", st)
	}
	f.stop()
	if err := waitDone(t, a.Call); err != nil {
		t.Errorf("Err = %v", err)
	}
}

// TestEndpointRefusesAudio ends the call when the endpoint is closed.
func TestEndpointRefusesAudio(t *testing.T) {
	s := newTestServer(t, Config{})
	f := mustDial(t, s.url)
	f.start(nil)
	a := s.accepted(t)
	closed := errors.New("session closed")
	a.Endpoint.FailWith(closed)
	f.stream(0, make([]int16, 160))
	if err := waitDone(t, a.Call); !errors.Is(err, closed) {
		t.Errorf("Err = %v, want the endpoint's error", err)
	}
	if code, _ := f.closed(); code != websocket.CloseInternalServerErr {
		t.Errorf("close code %d, want 1011", code)
	}
}
