package ws

import (
	"testing"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// spurt is an endpoint that talks for a set number of frames.
type spurt struct{ left int }

func (e *spurt) PushAudio(audio.Frame) error { return nil }
func (e *spurt) PushDTMF(byte) error         { return nil }
func (e *spurt) NextFrame(dst []int16) bool {
	clear(dst)
	if e.left == 0 {
		return false
	}
	e.left--
	dst[0] = 1000
	return true
}

// queued drains a call's send queue and counts media and mark messages.
func queued(c *Call) (media, marks int) {
	for {
		msg, _, ok := c.q.pop(nil)
		if !ok {
			return media, marks
		}
		switch {
		case len(msg) > 16 && string(msg[:16]) == `{"event":"media"`:
			media++
		case len(msg) > 15 && string(msg[:15]) == `{"event":"mark"`:
			marks++
		}
	}
}

func TestTickTalkspurts(t *testing.T) {
	cases := []struct {
		desc      string
		frames    int // bot frames available
		markEvery bool
		ticks     []int // Missed of each tick
		media     int
		marks     int
	}{
		{"silence sends nothing", 0, true, []int{0, 0, 0}, 0, 0},
		{"a talkspurt ends with its tail frame and a mark", 2, true, []int{0, 0, 0, 0}, 3, 1},
		{"no mark when marks are off", 2, false, []int{0, 0, 0, 0}, 3, 0},
		{"missed ticks are caught up during a talkspurt", 10, true, []int{0, 3, 0}, 6, 0},
		{"catch-up is bounded", 20, true, []int{0, 50}, 7, 0},
		{"no catch-up in silence", 1, true, []int{0, 0, 4}, 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			c := newOfflineCall(&spurt{left: tc.frames})
			c.out.markEvery = tc.markEvery
			for _, missed := range tc.ticks {
				c.tick(audio.Tick{Missed: missed})
			}
			if media, marks := queued(c); media != tc.media || marks != tc.marks {
				t.Errorf("queued %d media and %d marks, want %d and %d", media, marks, tc.media, tc.marks)
			}
		})
	}
}

// TestFlushEndsTalkspurt checks that after Flush the next talkspurt starts
// without a mark for the cleared one.
func TestFlushEndsTalkspurt(t *testing.T) {
	ep := &spurt{left: 3}
	c := newOfflineCall(ep)
	c.tick(audio.Tick{})
	c.Flush()
	if _, isClear, ok := c.q.pop(nil); !ok || !isClear {
		t.Fatal("no clear after Flush")
	}
	ep.left = 0
	c.tick(audio.Tick{})
	if media, marks := queued(c); media != 0 || marks != 0 {
		t.Errorf("after Flush queued %d media and %d marks, want none", media, marks)
	}
	if st := c.Stats(); st.Flushed != 1 {
		t.Errorf("Flushed = %d, want 1", st.Flushed)
	}
}

func TestFillInfo(t *testing.T) {
	cases := []struct {
		desc           string
		params         map[string]string
		from, to, dir  string
		wantParamKey   string
		wantParamValue string
	}{
		{"no parameters", nil, "", "", bridge.Inbound, "stream_sid", testSid},
		{"from and to in any case", map[string]string{"FROM": "+1555", "To": "sip:x@y"}, "+1555", "sip:x@y", bridge.Inbound, "param_from", "+1555"},
		{"outbound direction", map[string]string{"Direction": "outbound-api"}, "", "", bridge.Outbound, "param_direction", "outbound-api"},
		{"inbound direction", map[string]string{"direction": "inbound"}, "", "", bridge.Inbound, "param_direction", "inbound"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			c := newOfflineCall(&spurt{})
			c.info.Direction = bridge.Inbound
			c.fillInfo(&startInfo{StreamSid: testSid, CustomParameters: tc.params})
			i := c.info
			if i.From != tc.from || i.To != tc.to || i.Direction != tc.dir || i.Params[tc.wantParamKey] != tc.wantParamValue {
				t.Errorf("Info = %+v", i)
			}
		})
	}
}

// TestMarkOff checks that with mark_every off a talkspurt is followed by
// nothing: once it has been sent, a Flush's clear is the next message.
func TestMarkOff(t *testing.T) {
	off := false
	s := newTestServer(t, Config{MarkEvery: &off})
	f := mustDial(t, s.url)
	f.start(nil)
	a := s.accepted(t)
	c := a.Call.(*Call)
	a.Endpoint.Play(tone(440, 16000, 1600, 8000)) // 5 frames
	pipelinetest.Eventually(t, func() bool { return c.Stats().FramesOut == 6 && c.q.len() == 0 },
		"5 frames, the tail and no mark sent")
	c.AudioReady()
	c.Flush()
	bot, m := recvTalkspurt(t, f)
	if len(bot) != 6*160 || m.Event != "clear" {
		t.Fatalf("got %d samples then %q, want 960 then clear", len(bot), m.Event)
	}
}
