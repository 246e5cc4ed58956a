package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/bridge/sip"
	"github.com/parley-voice/parley/pipeline/audio"
)

// callTone is d of a 16 kHz sine at 500 Hz.
func callTone(d time.Duration) []int16 {
	out := make([]int16, audio.SamplesFor(audio.PipelineRate, d))
	for i := range out {
		out[i] = int16(6000 * math.Sin(2*math.Pi*500*float64(i)/audio.PipelineRate))
	}
	return out
}

// frameLoud reports whether the 20 ms frame ending at the end of pcm is
// above -40 dBFS.
func frameLoud(pcm []int16) bool {
	n := audio.SamplesFor(audio.PipelineRate, audio.FrameDuration)
	if len(pcm) < n {
		return false
	}
	var sum float64
	for _, v := range pcm[len(pcm)-n:] {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum/float64(n)) > botRMS
}

// bot plays a tone after each caller turn (interrupt false), or a long
// tone at once that it stops when the caller starts speaking (interrupt
// true), until the call ends.
func bot(a bridgetest.Accepted, interrupt bool) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	if interrupt {
		a.Endpoint.Play(callTone(20 * time.Second))
	}
	speaking, quiet, frames := false, 0, 0
	for {
		select {
		case <-a.Call.Done():
			return
		case <-tick.C:
		}
		pcm := a.Endpoint.Caller()
		if len(pcm)/320 == frames {
			continue
		}
		frames = len(pcm) / 320
		switch loud := frameLoud(pcm); {
		case loud && !speaking:
			speaking, quiet = true, 0
			if interrupt {
				a.Endpoint.StopPlaying()
			}
		case !loud && speaking:
			if quiet++; quiet >= 20 && !interrupt {
				speaking = false
				a.Endpoint.Play(callTone(time.Second))
			}
		case loud:
			quiet = 0
		}
	}
}

func TestCallCommandAgainstServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tests := []struct {
		desc      string
		interrupt bool
	}{
		{"the bot answers each turn", false},
		{"the caller barges in", true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := sip.DefaultConfig()
			cfg.UDP, cfg.TCP = "127.0.0.1:0", ""
			h := bridgetest.NewHandler(4)
			srv, err := sip.NewServer(cfg, rtp.Config{Bind: "127.0.0.1", PortMin: 42000, PortMax: 42200}, h)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx) }()
			defer func() {
				cancel()
				if err := <-served; err != nil {
					t.Errorf("Serve: %v", err)
				}
			}()
			go func() {
				select {
				case a := <-h.Calls():
					bot(a, tc.interrupt)
				case <-ctx.Done():
				}
			}()
			rec := filepath.Join(t.TempDir(), "heard.wav")
			var out, errOut bytes.Buffer
			target := "sip:bot@" + srv.Addr("udp").String()
			f := callFlags{play: "testdata/speech16k.wav", record: rec, json: true, timeout: time.Minute, hangupAfter: 1500 * time.Millisecond}
			if err := runCall(context.Background(), &out, &errOut, target, f); err != nil {
				t.Fatalf("parley call: %v (stderr %s)", err, errOut.String())
			}
			t.Logf("parley call --json: %s", out.String())
			var rep callReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("output %q is not the documented JSON: %v", out.String(), err)
			}
			if rep.CallID == "" || rep.Codec != "PCMU/8000" || rep.DurationMS < 2700 {
				t.Errorf("report %+v", rep)
			}
			if len(rep.CallerSpeech) == 0 || len(rep.BotAudio) == 0 {
				t.Fatalf("no caller speech or bot audio: %s", out.String())
			}
			if tc.interrupt {
				if len(rep.BargeInStopMS) == 0 || rep.BargeInStopMS[0] < 0 || rep.BargeInStopMS[0] > 1000 {
					t.Errorf("bargein_stop_ms %v, want the bot stopping within a second: %s", rep.BargeInStopMS, out.String())
				}
			} else if len(rep.V2VMS) == 0 || rep.V2VMS[0] <= 0 || rep.V2VMS[0] > 2000 {
				// The bot waits for 400 ms of silence; the caller's
				// segments end after their padding and hangover, so the
				// measured gap is shorter than that.
				t.Errorf("v2v_ms %v, want the bot's answer within 2 s: %s", rep.V2VMS, out.String())
			}
			w, err := audio.ReadWAVFile(rec)
			if err != nil {
				t.Fatal(err)
			}
			if w.Rate != audio.PipelineRate || w.Channels != 1 || w.Duration() < 2*time.Second {
				t.Errorf("recording %d Hz, %d channel(s), %v", w.Rate, w.Channels, w.Duration())
			}
		})
	}
}

func TestCallLatencies(t *testing.T) {
	ms := func(pairs ...int64) []callSegment {
		var out []callSegment
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, callSegment{StartMS: pairs[i], EndMS: pairs[i+1]})
		}
		return out
	}
	tests := []struct {
		desc        string
		caller, bot []callSegment
		v2v, barge  []int64
	}{
		{"answer after each turn", ms(0, 1000, 3000, 4000), ms(1500, 2500, 4600, 5000), []int64{500, 600}, []int64{}},
		{"no answer before the caller speaks again", ms(0, 1000, 1200, 2000), ms(2400, 3000), []int64{400}, []int64{}},
		{"barge-in", ms(0, 1000, 2000, 2500), ms(1300, 2300), []int64{300}, []int64{300}},
		{"nothing heard", ms(0, 1000), ms(), []int64{}, []int64{}},
	}
	for _, tc := range tests {
		v2v, barge := callLatencies(tc.caller, tc.bot)
		if !equalInts(v2v, tc.v2v) || !equalInts(barge, tc.barge) {
			t.Errorf("%s: v2v %v barge %v, want %v %v", tc.desc, v2v, barge, tc.v2v, tc.barge)
		}
	}
}

func TestBotSegments(t *testing.T) {
	var frames []heardFrame
	add := func(from, to time.Duration, rms float64) {
		for at := from; at < to; at += audio.FrameDuration {
			frames = append(frames, heardFrame{at: at, rms: rms})
		}
	}
	add(0, time.Second, 0)
	add(time.Second, 2*time.Second, 3000)                   // a segment
	add(2*time.Second, 2200*time.Millisecond, 0)            // a pause shorter than botHang
	add(2200*time.Millisecond, 2500*time.Millisecond, 3000) // joins it
	add(2500*time.Millisecond, 3500*time.Millisecond, 10)   // silence
	add(3500*time.Millisecond, 3540*time.Millisecond, 3000) // a click: dropped
	got := botSegments(frames)
	if len(got) != 1 || got[0].StartMS != 1000 || got[0].EndMS != 2500 {
		t.Errorf("segments %+v, want one from 1000 to 2500 ms", got)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
