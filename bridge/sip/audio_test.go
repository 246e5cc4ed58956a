package sip

import (
	"context"
	"math"
	"testing"

	"github.com/emiago/sipgo"

	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// tone returns d seconds of a 16 kHz sine at hz.
func tone(hz float64, seconds float64) []int16 {
	n := int(seconds * audio.PipelineRate)
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/audio.PipelineRate))
	}
	return out
}

// loud counts 20 ms frames of pcm whose RMS is above 1000.
func loud(pcm []int16) int {
	n := audio.SamplesFor(audio.PipelineRate, audio.FrameDuration)
	frames := 0
	for i := 0; i+n <= len(pcm); i += n {
		var sum float64
		for _, v := range pcm[i : i+n] {
			sum += float64(v) * float64(v)
		}
		if math.Sqrt(sum/float64(n)) > 1000 {
			frames++
		}
	}
	return frames
}

func TestCallAudioBothWays(t *testing.T) {
	for _, codec := range []string{"PCMU", "opus"} {
		t.Run(codec, func(t *testing.T) {
			hs := startServer(t, harnessOpts{realRTP: true})
			ph := newPhone(t, hs)
			ports, err := rtp.NewPorts(41000, 41100)
			if err != nil {
				t.Fatal(err)
			}
			caller, err := rtp.NewSession(rtp.Config{Bind: "127.0.0.1", Codecs: []string{codec}}, ports)
			if err != nil {
				t.Fatal(err)
			}
			defer caller.Close()
			offer, err := caller.Offer()
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			sess, res, err := ph.call(ctx, hs.uri("bot", "udp"), offer, sipgo.AnswerOptions{}, sdpHeaders()...)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("INVITE: %v %v", err, res)
			}
			if err := caller.SetAnswer(res.Body()); err != nil {
				t.Fatalf("the server's answer: %v", err)
			}
			callerEP := &bridgetest.Endpoint{}
			callerEP.Play(tone(440, 1))
			if err := caller.Start(callerEP); err != nil {
				t.Fatal(err)
			}
			a := hs.nextCall(t)
			if got := a.Call.Info().Codec; got == "" || got[:len(codec)] != codec {
				t.Errorf("codec %q, want %s", got, codec)
			}
			a.Endpoint.Play(tone(660, 1))
			pipelinetest.Eventually(t, func() bool { return loud(a.Endpoint.Caller()) >= 30 }, "the caller's tone reached the server's endpoint")
			pipelinetest.Eventually(t, func() bool { return loud(callerEP.Caller()) >= 30 }, "the bot's tone reached the caller")
			if err := sess.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			waitDone(t, a.Call)
			if a.Call.Err() != nil {
				t.Errorf("Err = %v", a.Call.Err())
			}
		})
	}
}
