package webrtc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/webrtc"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestCallCarriesAudioBothWays(t *testing.T) {
	pacer, err := audio.NewPacer()
	if err != nil {
		t.Fatal(err)
	}
	defer pacer.Close()
	srv := newTestServer(t, testConfig(), webrtc.WithPacer(pacer))
	peer := newTestPeer(t, false)
	header := http.Header{"User-Agent": {"parley-test/1.0"}}
	loc := peer.dial(t, srv.http.URL+"/whip", header)
	a := srv.nextCall(t)

	info := a.Call.Info()
	if loc != "/whip/"+info.ID {
		t.Errorf("Location = %q, want /whip/%s", loc, info.ID)
	}
	if !regexp.MustCompile(`^\d{8}T\d{6}-[0-9a-f]{8}$`).MatchString(info.ID) {
		t.Errorf("ID = %q, want bridge.NewID's form", info.ID)
	}
	if info.Channel != bridge.ChannelWebRTC || info.Direction != bridge.Inbound || info.Codec != "opus/48000" {
		t.Errorf("Info = %+v, want channel webrtc, inbound, opus/48000", info)
	}
	if info.Params["user_agent"] != "parley-test/1.0" || !strings.HasPrefix(info.Remote, "127.0.0.1:") {
		t.Errorf("Info params %v, remote %q: want the user agent and the client's address", info.Params, info.Remote)
	}

	// Caller to endpoint: a 1 kHz tone.
	peer.sendTone(t, 1000, 8000)
	pipelinetest.Eventually(t, func() bool {
		return len(a.Endpoint.Caller()) >= audio.PipelineRate && rms(loudest(a.Endpoint.Caller(), audio.PipelineRate, 8000)) > 2000
	}, "the caller's tone did not reach the endpoint")
	in := loudest(a.Endpoint.Caller(), audio.PipelineRate, 8000)
	if r := toneRatio(in, audio.PipelineRate, 1000); r < 0.8 {
		t.Errorf("caller audio: %.2f of its energy at 1 kHz, want > 0.8 (rms %.0f)", r, rms(in))
	}

	// Endpoint to caller: a 440 Hz tone from the bot.
	a.Endpoint.Play(tone(audio.PipelineRate, 440, 10000, time.Second))
	pipelinetest.Eventually(t, func() bool { return !a.Endpoint.Playing() }, "the bot audio was not sent")
	pipelinetest.Eventually(t, func() bool {
		return rms(loudest(peer.heardAudio(), audio.PipelineRate, 8000)) > 3000
	}, "the peer did not hear the bot")
	out := loudest(peer.heardAudio(), audio.PipelineRate, 8000)
	if r := toneRatio(out, audio.PipelineRate, 440); r < 0.8 {
		t.Errorf("bot audio at the peer: %.2f of its energy at 440 Hz, want > 0.8 (rms %.0f)", r, rms(out))
	}

	// Frames keep flowing to the endpoint at the pacer's rate.
	before := a.Endpoint.Frames()
	pipelinetest.Eventually(t, func() bool { return a.Endpoint.Frames() >= before+10 }, "caller frames stopped")
	if st := srv.whip.Stats(); st.Active != 1 || st.Accepted != 1 {
		t.Errorf("Stats = %+v, want 1 active and 1 accepted", st)
	}
}

func TestCallEnds(t *testing.T) {
	tests := []struct {
		name    string
		hangup  func(t *testing.T, srv *testServer, peer *testPeer, c bridge.Call, loc string)
		wantErr error
	}{
		{"the caller sends DELETE", func(t *testing.T, srv *testServer, _ *testPeer, _ bridge.Call, loc string) {
			resp := do(t, http.MethodDelete, srv.http.URL+loc, nil)
			if body := readBody(t, resp); resp.StatusCode != http.StatusOK {
				t.Errorf("DELETE: %d %s, want 200", resp.StatusCode, body)
			}
		}, nil},
		{"the server hangs up", func(t *testing.T, _ *testServer, _ *testPeer, c bridge.Call, _ string) {
			ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.DefaultWait)
			defer cancel()
			if err := c.Hangup(ctx, "test"); err != nil {
				t.Errorf("Hangup: %v", err)
			}
			if err := c.Hangup(ctx, "again"); err != nil {
				t.Errorf("second Hangup: %v", err)
			}
		}, nil},
		{"the browser closes its peer connection", func(_ *testing.T, _ *testServer, peer *testPeer, _ bridge.Call, _ string) {
			peer.close()
		}, nil},
		{"the server closes", func(_ *testing.T, srv *testServer, _ *testPeer, _ bridge.Call, _ string) {
			_ = srv.whip.Close()
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, testConfig())
			peer := newTestPeer(t, false)
			loc := peer.dial(t, srv.http.URL+"/whip", nil)
			a := srv.nextCall(t)
			peer.sendTone(t, 500, 5000)
			pipelinetest.Eventually(t, func() bool { return a.Endpoint.Frames() > 5 }, "media did not start")
			tc.hangup(t, srv, peer, a.Call, loc)
			waitDone(t, a.Call, pipelinetest.DefaultWait)
			if err := a.Call.Err(); !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("Err = %v, want %v", err, tc.wantErr)
			}
			if st := srv.whip.Stats(); st.Active != 0 {
				t.Errorf("Stats.Active = %d after the call ended, want 0", st.Active)
			}
			resp := do(t, http.MethodDelete, srv.http.URL+loc, nil)
			if body := readBody(t, resp); resp.StatusCode != http.StatusNotFound {
				t.Errorf("DELETE after the end: %d %s, want 404", resp.StatusCode, body)
			}
		})
	}
}

func TestVanishedPeerTimesOut(t *testing.T) {
	cfg := testConfig()
	cfg.ICETimeout = time.Second
	srv := newTestServer(t, cfg)
	peer := newTestPeer(t, false)
	peer.dial(t, srv.http.URL+"/whip", nil)
	a := srv.nextCall(t)
	peer.sendTone(t, 500, 5000)
	pipelinetest.Eventually(t, func() bool { return a.Endpoint.Frames() > 5 }, "media did not start")

	peer.conn.cut.Store(true)
	cut := time.Now()
	waitDone(t, a.Call, pipelinetest.DefaultWait)
	if err := a.Call.Err(); !errors.Is(err, bridge.ErrMediaTimeout) {
		t.Errorf("Err = %v, want bridge.ErrMediaTimeout", err)
	}
	// Frames went on (concealment, then silence) until the end.
	t.Logf("the call ended %v after the peer vanished (ice_timeout %v)", time.Since(cut).Round(time.Millisecond), cfg.ICETimeout)
}

func TestConnectTimeout(t *testing.T) {
	clock := pipelinetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	fired := make(chan func(), 1)
	afterFunc := func(d time.Duration, f func()) func() bool {
		fired <- f
		return func() bool { return false }
	}
	srv := newTestServer(t, testConfig(), webrtc.WithNow(clock.Now), webrtc.WithAfterFunc(afterFunc))
	peer := newTestPeer(t, false)
	resp := post(t, srv.http.URL+"/whip", peer.offer(t), nil) // the answer is never applied
	if body := readBody(t, resp); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}
	a := srv.nextCall(t)
	if got := a.Call.Info().Started; !got.Equal(clock.Now()) {
		t.Errorf("Started = %v, want the injected clock's %v", got, clock.Now())
	}
	(<-fired)() // the connect timeout passes
	waitDone(t, a.Call, pipelinetest.DefaultWait)
	if err := a.Call.Err(); !errors.Is(err, bridge.ErrMediaTimeout) {
		t.Errorf("Err = %v, want bridge.ErrMediaTimeout", err)
	}
}

func TestDataChannelDigits(t *testing.T) {
	srv := newTestServer(t, testConfig())
	peer := newTestPeer(t, true)
	peer.dial(t, srv.http.URL+"/whip", nil)
	a := srv.nextCall(t)
	select {
	case <-peer.dcUp:
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("the dtmf data channel did not open")
	}
	for _, msg := range []string{"1", "23#", "x", "", "a", "*"} {
		if err := peer.dc.SendText(msg); err != nil {
			t.Fatalf("SendText(%q): %v", msg, err)
		}
	}
	pipelinetest.Eventually(t, func() bool { return a.Endpoint.Digits() == "123#A*" }, "digits = %q, want 123#A*", a.Endpoint.Digits())
}

func TestCallControls(t *testing.T) {
	srv := newTestServer(t, testConfig())
	peer := newTestPeer(t, false)
	peer.dial(t, srv.http.URL+"/whip", nil)
	a := srv.nextCall(t)
	if err := a.Call.Transfer(context.Background(), "sip:agent@example.com"); !errors.Is(err, bridge.ErrUnsupported) {
		t.Errorf("Transfer: %v, want bridge.ErrUnsupported", err)
	}
	if err := a.Call.SendDTMF("123"); !errors.Is(err, bridge.ErrUnsupported) {
		t.Errorf("SendDTMF: %v, want bridge.ErrUnsupported", err)
	}
	a.Call.Flush() // never blocks, with or without queued audio
}

func TestRFC4733Digits(t *testing.T) {
	srv := newTestServer(t, testConfig())
	peer, mic := newRawPeer(t)
	peer.dial(t, srv.http.URL+"/whip", nil)
	a := srv.nextCall(t)
	select {
	case <-mic.bound:
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("the microphone track was not negotiated")
	}
	pipelinetest.Eventually(t, func() bool { return peer.pc.ConnectionState() == pion.PeerConnectionStateConnected }, "the peer did not connect")
	enc, err := audio.NewOpusEncoder(audio.Rate48k)
	if err != nil {
		t.Fatal(err)
	}
	opus, err := enc.Encode(nil, make([]int16, 960))
	if err != nil {
		t.Fatal(err)
	}
	// Opus, then the key 7 (three packets, the last three marked end),
	// then #, interleaved in one sequence space as browsers send them.
	seq, ts := uint16(1000), uint32(480000)
	send := func(mime string, stamp uint32, marker bool, payload []byte) {
		seq++
		if err := mic.write(mime, seq, stamp, marker, payload); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		ts += 960
		send("audio/opus", ts, false, opus)
	}
	for _, key := range []struct {
		event byte
		ends  int
	}{{7, 3}, {11, 3}} {
		ts += 960
		send("audio/telephone-event", ts, true, []byte{key.event, 10, 0, 160})
		send("audio/telephone-event", ts, false, []byte{key.event, 10, 1, 64})
		for range key.ends {
			send("audio/telephone-event", ts, false, []byte{key.event, 0x80 | 10, 3, 192})
		}
	}
	pipelinetest.Eventually(t, func() bool { return a.Endpoint.Digits() == "7#" }, "digits = %q, want 7#", a.Endpoint.Digits())
}

func TestHangupInsideAccept(t *testing.T) {
	var got bridge.Call
	ep := &bridgetest.Endpoint{}
	h := bridge.HandlerFunc(func(ctx context.Context, c bridge.Call) (bridge.Endpoint, error) {
		got = c
		if err := c.Hangup(ctx, "not today"); err != nil {
			t.Errorf("Hangup inside Accept: %v", err)
		}
		return ep, nil
	})
	w, err := webrtc.New(testConfig(), h)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	srv := httptest.NewServer(w)
	defer srv.Close()
	resp := post(t, srv.URL+"/whip", newTestPeer(t, false).offer(t), nil)
	readBody(t, resp)
	if got == nil {
		t.Fatalf("Accept was not called (status %d)", resp.StatusCode)
	}
	waitDone(t, got, pipelinetest.DefaultWait)
	if err := got.Err(); err != nil {
		t.Errorf("Err = %v, want nil", err)
	}
}
