package ws

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// TestCallProtocol plays a whole call: connected, start, a 440 Hz tone in,
// keypad digits, bot audio out with its mark, the mark's echo, stop.
func TestCallProtocol(t *testing.T) {
	s := newTestServer(t, Config{})
	f := mustDial(t, s.url)
	f.start(map[string]string{"From": "+15551230001", "To": "+15559870002", "Campaign": "Spring"})
	a := s.accepted(t)
	checkInfo(t, a.Call.Info())

	// Caller audio: one second of 440 Hz at 8 kHz arrives as 50 frames at
	// 16 kHz.
	f.stream(0, tone(440, 8000, 8000, 8000))
	ep := a.Endpoint
	pipelinetest.Eventually(t, func() bool { return ep.Frames() >= 50 }, "50 caller frames, got %d", ep.Frames())
	caller := ep.Caller()
	if len(caller) != 50*320 {
		t.Fatalf("caller audio: %d samples, want %d", len(caller), 50*320)
	}
	body := caller[1600 : len(caller)-1600]
	if p440, p1k := power(body, 440, 16000), power(body, 1000, 16000); p440 < 100*p1k {
		t.Errorf("caller audio: 440 Hz power %.0f not dominant over 1 kHz %.0f", p440, p1k)
	}
	if r := rms(body); r < 0.9*8000/1.4142 || r > 1.1*8000/1.4142 {
		t.Errorf("caller audio RMS %.0f, want about %.0f", r, 8000/1.4142)
	}

	f.dtmf("1")
	f.dtmf("#")
	pipelinetest.Eventually(t, func() bool { return ep.Digits() == "1#" }, "digits %q, want 1#", ep.Digits())

	// Bot audio: 300 ms of 880 Hz at 16 kHz comes back as media messages,
	// then one silent frame that carries the filter tail, then a mark.
	ep.Play(tone(880, 16000, 4800, 8000))
	bot, m := recvTalkspurt(t, f)
	if m.Event != "mark" || m.Mark.Name != "parley-1" || m.StreamSid != testSid {
		t.Fatalf("after the bot audio got %+v, want mark parley-1", m)
	}
	if len(bot) != 16*160 {
		t.Errorf("bot audio: %d samples at 8 kHz, want %d (15 frames and the tail)", len(bot), 16*160)
	}
	if p880, p440 := power(bot[160:2400], 880, 8000), power(bot[160:2400], 440, 8000); p880 < 100*p440 {
		t.Errorf("bot audio: 880 Hz power %.0f not dominant over 440 Hz %.0f", p880, p440)
	}

	call := a.Call.(*Call)
	f.markEcho("parley-1")
	pipelinetest.Eventually(t, func() bool { return call.Stats().MarksPlayed == 1 }, "mark echo counted")
	st := call.Stats()
	if st.PlayedAudio != 16*audio.FrameDuration || st.SentAudio != st.PlayedAudio || st.MarksSent != 1 || st.Digits != 2 {
		t.Errorf("stats after the echo: %+v", st)
	}

	f.stop()
	if err := waitDone(t, a.Call); err != nil {
		t.Errorf("Err after stop = %v, want nil", err)
	}
	if code, reason := f.closed(); code != websocket.CloseNormalClosure {
		t.Errorf("close after stop: %d %q, want 1000", code, reason)
	}
	pipelinetest.Eventually(t, func() bool { return s.tw.Stats().Active == 0 }, "stream released")
	if ts := s.tw.Stats(); ts.Accepted != 1 || ts.Calls.FramesIn != 50 || ts.Calls.MarksPlayed != 1 {
		t.Errorf("transport stats: %+v", ts)
	}
}

// checkInfo checks the Info of the call TestCallProtocol starts.
func checkInfo(t *testing.T, info bridge.Info) {
	t.Helper()
	want := map[string]string{
		"stream_sid": testSid, "call_sid": "CA0001", "account_sid": "AC0001",
		"param_from": "+15551230001", "param_to": "+15559870002", "param_campaign": "Spring",
	}
	for k, v := range want {
		if info.Params[k] != v {
			t.Errorf("Params[%q] = %q, want %q", k, info.Params[k], v)
		}
	}
	if info.Channel != bridge.ChannelTwilio || info.Codec != "PCMU/8000" || info.From != "+15551230001" ||
		info.To != "+15559870002" || info.Direction != bridge.Inbound || info.ID == "" || info.Started.IsZero() {
		t.Errorf("Info = %+v", info)
	}
}

// recvTalkspurt collects the media messages of one bot talkspurt as 8 kHz
// PCM and returns the message that followed them.
func recvTalkspurt(t *testing.T, f *fakeTwilio) ([]int16, inMsg) {
	t.Helper()
	var bot []int16
	m := f.recv()
	for ; m.Event == "media"; m = f.recv() {
		if m.StreamSid != testSid {
			t.Fatalf("media for stream %q, want %q", m.StreamSid, testSid)
		}
		bot = append(bot, m.pcm(t)...)
	}
	return bot, m
}

// TestFlushSendsClearFirst checks that after Flush no bot audio produced
// later reaches Twilio before the clear.
func TestFlushSendsClearFirst(t *testing.T) {
	s := newTestServer(t, Config{})
	f := mustDial(t, s.url)
	f.start(nil)
	a := s.accepted(t)
	ep := a.Endpoint
	ep.Play(tone(500, 16000, 16000*10, 8000))
	for range 5 {
		if m := f.recv(); m.Event != "media" {
			t.Fatalf("got %q before the first bot audio", m.Event)
		}
	}
	a.Call.Flush()
	ep.StopPlaying()
	ep.Play(tone(2000, 16000, 16000, 8000))
	for {
		m := f.recv()
		if m.Event == "clear" {
			break
		}
		if m.Event != "media" {
			t.Fatalf("got %q before the clear", m.Event)
		}
		if pcm := m.pcm(t); power(pcm, 2000, 8000) > power(pcm, 500, 8000) {
			t.Fatal("audio produced after Flush arrived before the clear")
		}
	}
	if m := f.recv(); m.Event != "media" {
		t.Fatalf("after the clear got %q, want media", m.Event)
	}
	call := a.Call.(*Call)
	pipelinetest.Eventually(t, func() bool { return call.Stats().Clears == 1 }, "one clear counted")
}

// TestCallEnds covers the ways a call ends and what Err says.
func TestCallEnds(t *testing.T) {
	cases := []struct {
		desc     string
		end      func(f *fakeTwilio, c bridge.Call)
		wantErr  error
		wantCode int // close code the client receives (-1: none)
	}{
		{"stop message", func(f *fakeTwilio, _ bridge.Call) { f.stop() }, nil, websocket.CloseNormalClosure},
		{"client closes normally", func(f *fakeTwilio, _ bridge.Call) {
			_ = f.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		}, nil, websocket.CloseNormalClosure},
		{"client closes with an error code", func(f *fakeTwilio, _ bridge.Call) {
			_ = f.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "app error"), time.Now().Add(time.Second))
		}, ErrPeerClosed, 4000},
		{"client drops the connection", func(f *fakeTwilio, _ bridge.Call) { _ = f.conn.NetConn().Close() }, ErrConnectionLost, -1},
		{"server hangs up", func(_ *fakeTwilio, c bridge.Call) {
			ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.DefaultWait)
			defer cancel()
			if err := c.Hangup(ctx, "goodbye"); err != nil {
				t.Errorf("Hangup: %v", err)
			}
		}, nil, websocket.CloseNormalClosure},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s := newTestServer(t, Config{})
			f := mustDial(t, s.url)
			f.start(nil)
			a := s.accepted(t)
			tc.end(f, a.Call)
			err := waitDone(t, a.Call)
			if (tc.wantErr == nil && err != nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Errorf("Err = %v, want %v", err, tc.wantErr)
			}
			if code, reason := f.closed(); tc.wantCode >= 0 && code != tc.wantCode {
				t.Errorf("close code %d (%q), want %d", code, reason, tc.wantCode)
			}
			pipelinetest.Eventually(t, func() bool { return s.tw.Stats().Active == 0 }, "stream released")
		})
	}
}

// TestHangupReason checks the close frame of Hangup and that controls
// after the end say so.
func TestHangupReason(t *testing.T) {
	s := newTestServer(t, Config{})
	f := mustDial(t, s.url)
	f.start(nil)
	a := s.accepted(t)
	if err := a.Call.Transfer(context.Background(), "+15550000000"); !errors.Is(err, bridge.ErrUnsupported) {
		t.Errorf("Transfer = %v, want ErrUnsupported", err)
	}
	if err := a.Call.SendDTMF("123"); !errors.Is(err, bridge.ErrUnsupported) {
		t.Errorf("SendDTMF = %v, want ErrUnsupported", err)
	}
	if err := a.Call.Hangup(context.Background(), "transferring you to an agent"); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	if err := a.Call.Hangup(context.Background(), "again"); err != nil {
		t.Errorf("second Hangup: %v", err)
	}
	if code, reason := f.closed(); code != websocket.CloseNormalClosure || reason != "transferring you to an agent" {
		t.Errorf("close %d %q", code, reason)
	}
	if err := a.Call.Transfer(context.Background(), "+15550000000"); !errors.Is(err, bridge.ErrCallEnded) {
		t.Errorf("Transfer after the end = %v, want ErrCallEnded", err)
	}
	if err := a.Call.SendDTMF("1"); !errors.Is(err, bridge.ErrCallEnded) {
		t.Errorf("SendDTMF after the end = %v, want ErrCallEnded", err)
	}
}

// TestStartTimeout closes a stream that never sends start.
func TestStartTimeout(t *testing.T) {
	s := newTestServer(t, Config{StartTimeout: 200 * time.Millisecond})
	f := mustDial(t, s.url)
	f.send(`{"event":"connected","protocol":"Call","version":"1.0.0"}`)
	code, reason := f.closed()
	if code != websocket.ClosePolicyViolation || !strings.Contains(reason, "start") {
		t.Errorf("close %d %q, want 1008 naming the start message", code, reason)
	}
	pipelinetest.Eventually(t, func() bool { return s.tw.Stats().Failed == 1 }, "failed stream counted")
}

// TestMediaTimeout ends calls that stop sending media, on the injected
// clock and on the real one.
func TestMediaTimeout(t *testing.T) {
	cases := []struct {
		desc string
		fake bool
	}{
		{"injected clock moves past the timeout", true},
		{"real clock with a short timeout", false},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := Config{MediaTimeout: 300 * time.Millisecond}
			var opts []Option
			clock := newFakeClock()
			if tc.fake {
				cfg.MediaTimeout = 10 * time.Second
				opts = append(opts, WithClock(clock.Now))
			}
			s := newTestServer(t, cfg, opts...)
			f := mustDial(t, s.url)
			f.start(nil)
			a := s.accepted(t)
			f.stream(0, make([]int16, 160))
			if tc.fake {
				clock.Advance(9 * time.Second)
				f.stream(20, make([]int16, 160))
				pipelinetest.Eventually(t, func() bool { return a.Endpoint.Frames() == 2 }, "second frame")
				clock.Advance(10*time.Second + time.Millisecond)
			}
			if err := waitDone(t, a.Call); !errors.Is(err, bridge.ErrMediaTimeout) {
				t.Errorf("Err = %v, want ErrMediaTimeout", err)
			}
			if code, reason := f.closed(); code != websocket.CloseNormalClosure || !strings.Contains(reason, "no media") {
				t.Errorf("close %d %q", code, reason)
			}
		})
	}
}

// TestRefused maps the Handler's refusals to close codes.
func TestRefused(t *testing.T) {
	cases := []struct {
		desc   string
		err    error
		code   int
		status string
	}{
		{"busy", bridge.ErrBusy, websocket.CloseTryAgainLater, "503"},
		{"rejected", bridge.ErrRejected, websocket.ClosePolicyViolation, "403"},
		{"other error", errors.New("session failed"), websocket.CloseInternalServerErr, "500"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s := newTestServer(t, Config{})
			s.handler.Refuse(tc.err)
			f := mustDial(t, s.url)
			f.start(nil)
			code, reason := f.closed()
			if code != tc.code || !strings.Contains(reason, tc.status) {
				t.Errorf("close %d %q, want %d naming %s", code, reason, tc.code, tc.status)
			}
			pipelinetest.Eventually(t, func() bool { st := s.tw.Stats(); return st.Refused == 1 && st.Active == 0 }, "refusal counted")
			if st := s.tw.Stats(); st.Calls.FramesOut != 0 || st.Accepted != 0 || st.Failed != 0 {
				t.Errorf("stats after a refusal: %+v", st)
			}
		})
	}
}

// TestGapFill checks re-framing of odd chunk sizes and silence for gaps in
// Twilio's timestamps.
func TestGapFill(t *testing.T) {
	s := newTestServer(t, Config{})
	f := mustDial(t, s.url)
	f.start(nil)
	a := s.accepted(t)
	loud := tone(1000, 8000, 800, 10000)
	// 800 samples as 10 chunks of 80 (10 ms each): 5 frames.
	for i := range 10 {
		f.media(i*10, i+1, loud[i*80:(i+1)*80])
	}
	pipelinetest.Eventually(t, func() bool { return a.Endpoint.Frames() == 5 }, "5 frames, got %d", a.Endpoint.Frames())
	// The next chunk is stamped 60 ms late: 3 frames of silence first.
	f.media(160, 11, loud[:160])
	pipelinetest.Eventually(t, func() bool { return a.Endpoint.Frames() == 9 }, "9 frames, got %d", a.Endpoint.Frames())
	caller := a.Endpoint.Caller()
	gap := caller[5*320+160 : 8*320] // past the resampler's tail
	if r := rms(gap); r > 50 {
		t.Errorf("gap RMS %.0f, want silence", r)
	}
	if r := rms(caller[8*320+160:]); r < 5000 {
		t.Errorf("audio after the gap RMS %.0f, want the tone", r)
	}
	if st := a.Call.(*Call).Stats(); st.GapFilled != 60*time.Millisecond {
		t.Errorf("GapFilled = %v, want 60ms", st.GapFilled)
	}
}

// TestClose ends running calls and refuses new streams.
func TestClose(t *testing.T) {
	s := newTestServer(t, Config{})
	f := mustDial(t, s.url)
	f.start(nil)
	a := s.accepted(t)
	if err := s.tw.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := waitDone(t, a.Call); !errors.Is(err, ErrClosed) {
		t.Errorf("Err = %v, want ErrClosed", err)
	}
	if code, _ := f.closed(); code != websocket.CloseGoingAway {
		t.Errorf("close code %d, want 1001", code)
	}
	_, resp, err := dial(t, s.url, nil)
	if err == nil || resp == nil || resp.StatusCode != 503 {
		t.Errorf("dial after Close: %v %v, want HTTP 503", err, resp)
	}
	if err := s.tw.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestMaxCalls refuses streams over the limit with HTTP 503.
func TestMaxCalls(t *testing.T) {
	s := newTestServer(t, Config{MaxCalls: 1})
	f := mustDial(t, s.url)
	f.start(nil)
	s.accepted(t)
	_, resp, err := dial(t, s.url, nil)
	if err == nil || resp == nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second stream: %v %v, want HTTP 503 with Retry-After", err, resp)
	}
	f.stop()
	f.closed()
	pipelinetest.Eventually(t, func() bool { return s.tw.Stats().Active == 0 }, "slot released")
	g := mustDial(t, s.url)
	g.start(nil)
	s.accepted(t)
	if st := s.tw.Stats(); st.OverCapacity != 1 {
		t.Errorf("OverCapacity = %d, want 1", st.OverCapacity)
	}
}
