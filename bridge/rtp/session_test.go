package rtp

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// waitHeard waits until ep received ref (found by its onset) in full and
// returns the received audio.
func waitHeard(t *testing.T, ep *bridgetest.Endpoint, n int) []int16 {
	t.Helper()
	var got []int16
	pipelinetest.Eventually(t, func() bool {
		got = ep.Caller()
		o := onset(got, 300)
		return o >= 0 && len(got) >= o+n+3200
	}, "the far end's audio to arrive in full")
	return got
}

// TestAudioRoundTrip sends a different sweep each way through every codec
// and checks that it arrives intact.
func TestAudioRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		codec  string
		minSNR float64 // dB, median over 100 ms segments of the sweep
	}{
		{CodecPCMU, 25},
		{CodecPCMA, 25},
		{CodecG722, 20},
		{CodecOpus, 15},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			t.Parallel()
			p := newPair(t, testConfig(tc.codec), testConfig(tc.codec), WithPacer(testPacer(t)))
			if got := p.caller.Codec(); got != codecByName(tc.codec).String() {
				t.Fatalf("negotiated %q, want %s", got, tc.codec)
			}
			up := chirp(16000, 200, 3000, 8000)
			down := chirp(16000, 3000, 300, 8000)
			p.callerEP.Play(up)
			p.calleeEP.Play(down)
			for _, dir := range []struct {
				name string
				ep   *bridgetest.Endpoint
				ref  []int16
			}{{"caller to callee", p.calleeEP, up}, {"callee to caller", p.callerEP, down}} {
				got := waitHeard(t, dir.ep, len(dir.ref))
				snr := segmentSNR(dir.ref, got)
				_, at := alignedSNR(dir.ref, got)
				t.Logf("%s: SNR %.1f dB, delay %d ms", dir.name, snr, at/16)
				if snr < tc.minSNR {
					t.Errorf("%s: SNR %.1f dB, want >= %.0f; caller %+v; callee %+v", dir.name, snr, tc.minSNR, p.caller.Stats(), p.callee.Stats())
				}
			}
			for _, s := range []*Session{p.caller, p.callee} {
				st := s.Stats()
				if st.Lost != 0 || st.WrongPayload != 0 || st.Malformed != 0 || st.Foreign != 0 {
					t.Errorf("unexpected stats on a clean loopback: %+v", st)
				}
			}
		})
	}
}

// TestCodecPreference checks that the answerer's codec order decides
// among the offered ones.
func TestCodecPreference(t *testing.T) {
	for _, tc := range []struct {
		name           string
		caller, callee []string
		want           string
	}{
		{"callee prefers PCMA", []string{CodecPCMU, CodecPCMA}, []string{CodecPCMA, CodecPCMU}, "PCMA/8000"},
		{"callee prefers opus", []string{CodecPCMU, CodecOpus}, []string{CodecOpus, CodecPCMU}, "opus/48000"},
		{"only common codec", []string{CodecG722, CodecPCMA}, []string{CodecPCMU, CodecPCMA}, "PCMA/8000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, testConfig(tc.caller...), testConfig(tc.callee...), WithPacer(testPacer(t)))
			if p.caller.Codec() != tc.want || p.callee.Codec() != tc.want {
				t.Errorf("codecs %q and %q, want %q", p.caller.Codec(), p.callee.Codec(), tc.want)
			}
		})
	}
}

// TestDTMF sends keypad digits both ways as RFC 4733 events, next to
// audio, with both telephone-event clock rates.
func TestDTMF(t *testing.T) {
	for _, tc := range []struct {
		name   string
		codec  string
		up     string
		down   string
		option Option
	}{
		{"PCMU with telephone-event/8000", CodecPCMU, "0123456789*#", "ABCD", nil},
		{"opus with telephone-event/48000", CodecOpus, "159#", "*0", nil},
		{"long tones", CodecPCMA, "42", "7", WithDTMFTiming(300*time.Millisecond, 100*time.Millisecond)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := []Option{WithPacer(testPacer(t))}
			if tc.option != nil {
				opts = append(opts, tc.option)
			}
			p := newPair(t, testConfig(tc.codec), testConfig(tc.codec), opts...)
			p.callerEP.Play(chirp(8000, 300, 1000, 4000))
			if err := p.caller.SendDTMF(tc.up); err != nil {
				t.Fatal(err)
			}
			if err := p.callee.SendDTMF(tc.down); err != nil {
				t.Fatal(err)
			}
			pipelinetest.Eventually(t, func() bool {
				return p.calleeEP.Digits() == tc.up && p.callerEP.Digits() == tc.down
			}, "digits %q and %q to arrive once each (got %q and %q)", tc.up, tc.down, p.calleeEP.Digits(), p.callerEP.Digits())
			// The digit arrives with the first of the three end
			// packets; the sender counts it after the last one.
			pipelinetest.Eventually(t, func() bool {
				st := p.caller.Stats()
				return st.DTMFOut == uint64(len(tc.up)) && st.DTMFIn == uint64(len(tc.down))
			}, "caller DTMF out/in = %d/%d, want %d/%d", p.caller.Stats().DTMFOut, p.caller.Stats().DTMFIn, len(tc.up), len(tc.down))
			pipelinetest.Eventually(t, func() bool { return !p.callerEP.Playing() }, "the audio queued behind the digits to play")
		})
	}
}

// TestSendDTMFErrors checks the refusals of SendDTMF.
func TestSendDTMFErrors(t *testing.T) {
	p := newPair(t, testConfig(CodecPCMU), testConfig(CodecPCMU), WithPacer(testPacer(t)))
	for _, tc := range []struct {
		name   string
		digits string
		want   error
	}{
		{"not a digit", "12x", ErrBadDigit},
		{"too many", string(bytes.Repeat([]byte("1"), MaxPendingDTMF+1)), ErrDTMFQueueFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.caller.SendDTMF(tc.digits); !errors.Is(err, tc.want) {
				t.Errorf("SendDTMF(%q) = %v, want %v", tc.digits, err, tc.want)
			}
		})
	}
	_ = p.caller.Close()
	if err := p.caller.SendDTMF("1"); !errors.Is(err, bridge.ErrCallEnded) {
		t.Errorf("SendDTMF after Close = %v, want bridge.ErrCallEnded", err)
	}
	// A far end that offers no telephone-event.
	s := newTestSession(t, testPorts(t), testConfig())
	if _, err := s.Answer([]byte(offerNoDTMF)); err != nil {
		t.Fatal(err)
	}
	if err := s.SendDTMF("1"); !errors.Is(err, bridge.ErrUnsupported) {
		t.Errorf("SendDTMF without telephone-event = %v, want bridge.ErrUnsupported", err)
	}
}

// offerNoDTMF is an offer without telephone-event.
const offerNoDTMF = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"

// TestHoldResume puts the call on hold (inactive) and resumes it with
// re-offers: nothing is sent and the media timeout does not run while on
// hold (on a fake clock); audio flows again after.
func TestHoldResume(t *testing.T) {
	clock := pipelinetest.NewClock(time.Time{})
	cfg := testConfig(CodecPCMU)
	cfg.MediaTimeout = 5 * time.Second
	p := newPair(t, cfg, cfg, WithPacer(testPacer(t)), WithNow(clock.Now))
	pipelinetest.Eventually(t, func() bool { return p.callee.Stats().PacketsIn > 5 }, "media to flow")

	offer, err := p.caller.Offer()
	if err != nil {
		t.Fatal(err)
	}
	hold := bytes.Replace(offer, []byte("a=sendrecv"), []byte("a=inactive"), 1)
	answer, err := p.callee.Update(hold)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(answer, []byte("a=inactive")) {
		t.Fatalf("answer to an inactive offer is not inactive:\n%s", answer)
	}
	if err := p.caller.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if !p.callee.Stats().OnHold || !p.caller.Stats().OnHold {
		t.Fatal("Stats().OnHold is false during hold")
	}
	// Let in-flight packets land, then check that nothing more is sent
	// over 20 ticks while the fake clock passes twice the media timeout.
	frames := p.calleeEP.Frames()
	pipelinetest.Eventually(t, func() bool { return p.calleeEP.Frames() >= frames+3 }, "three ticks")
	out, in := p.callee.Stats().PacketsOut, p.callee.Stats().PacketsIn
	for range 4 {
		clock.Advance(3 * time.Second) // 12 s of silence in all
		frames = p.calleeEP.Frames()
		pipelinetest.Eventually(t, func() bool { return p.calleeEP.Frames() >= frames+5 }, "five ticks on hold")
	}
	if st := p.callee.Stats(); st.PacketsOut != out || st.PacketsIn != in {
		t.Errorf("packets out %d -> %d, in %d -> %d during hold, want none", out, st.PacketsOut, in, st.PacketsIn)
	}
	select {
	case <-p.callee.Done():
		t.Fatalf("the media timeout ran during hold: %v", p.callee.Err())
	default:
	}

	resume, err := p.caller.Offer()
	if err != nil {
		t.Fatal(err)
	}
	answer, err = p.callee.Update(resume)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(answer, []byte("a=sendrecv")) {
		t.Fatalf("answer to a resume is not sendrecv:\n%s", answer)
	}
	if err := p.caller.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	pipelinetest.Eventually(t, func() bool { return p.callee.Stats().PacketsIn > in+10 }, "media to flow again")
	if p.callee.Stats().OnHold {
		t.Error("Stats().OnHold is still true after resume")
	}
	p.callerEP.Play(chirp(8000, 300, 3000, 8000))
	got := waitHeard(t, p.calleeEP, 8000)
	if snr := segmentSNR(chirp(8000, 300, 3000, 8000), got); snr < 25 {
		t.Errorf("SNR after resume %.1f dB, want >= 25", snr)
	}
}

// TestHoldSendOnly checks that a sendonly offer (the far end holds the
// call and plays music) is answered recvonly: its audio still reaches the
// endpoint, ours is not sent.
func TestHoldSendOnly(t *testing.T) {
	p := newPair(t, testConfig(CodecPCMU), testConfig(CodecPCMU), WithPacer(testPacer(t)))
	offer, err := p.caller.Offer()
	if err != nil {
		t.Fatal(err)
	}
	answer, err := p.callee.Update(bytes.Replace(offer, []byte("a=sendrecv"), []byte("a=sendonly"), 1))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(answer, []byte("a=recvonly")) {
		t.Fatalf("answer to a sendonly offer is not recvonly:\n%s", answer)
	}
	if err := p.caller.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	frames := p.calleeEP.Frames()
	pipelinetest.Eventually(t, func() bool { return p.calleeEP.Frames() >= frames+3 }, "three ticks")
	out := p.callee.Stats().PacketsOut
	music := chirp(8000, 400, 2000, 8000)
	p.callerEP.Play(music)
	got := waitHeard(t, p.calleeEP, len(music))
	if snr := segmentSNR(music, got); snr < 25 {
		t.Errorf("held party's audio SNR %.1f dB, want >= 25", snr)
	}
	if st := p.callee.Stats(); st.PacketsOut != out || !st.OnHold {
		t.Errorf("held side sent %d packets (on hold %v), want none", st.PacketsOut-out, st.OnHold)
	}
}

// TestMediaTimeout ends a call whose far end went silent, on a fake
// clock.
func TestMediaTimeout(t *testing.T) {
	clock := pipelinetest.NewClock(time.Time{})
	cfg := testConfig(CodecPCMU)
	cfg.MediaTimeout = 5 * time.Second
	ports := testPorts(t)
	pacer := testPacer(t)
	caller := newTestSession(t, ports, cfg, WithPacer(pacer))
	callee := newTestSession(t, ports, cfg, WithPacer(pacer), WithNow(clock.Now))
	offer, _ := caller.Offer()
	answer, err := callee.Answer(offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := caller.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	ep := &bridgetest.Endpoint{}
	if err := caller.Start(&bridgetest.Endpoint{}); err != nil {
		t.Fatal(err)
	}
	if err := callee.Start(ep); err != nil {
		t.Fatal(err)
	}
	pipelinetest.Eventually(t, func() bool { return callee.Stats().PacketsIn > 3 }, "media to flow")
	clock.Advance(4 * time.Second)
	frames := ep.Frames()
	pipelinetest.Eventually(t, func() bool { return ep.Frames() >= frames+5 }, "ticks after 4 s of fake time")
	select {
	case <-callee.Done():
		t.Fatalf("timed out while media flows: %v", callee.Err())
	default:
	}
	_ = caller.Close()
	pipelinetest.Eventually(t, func() bool {
		clock.Advance(time.Second)
		select {
		case <-callee.Done():
			return true
		default:
			return false
		}
	}, "the media timeout")
	if err := callee.Err(); !errors.Is(err, bridge.ErrMediaTimeout) {
		t.Errorf("Err() = %v, want bridge.ErrMediaTimeout", err)
	}
	if err := callee.Close(); err != nil || !errors.Is(callee.Err(), bridge.ErrMediaTimeout) {
		t.Errorf("after Close: Close() = %v, Err() = %v; want nil and the timeout", err, callee.Err())
	}
}

// TestLifecycle checks the state errors and that Close is idempotent,
// closes Done with a nil Err, and releases the ports.
func TestLifecycle(t *testing.T) {
	ports, err := NewPorts(testPortMin, testPortMax)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(testConfig(), ports)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(&bridgetest.Endpoint{}); !errors.Is(err, ErrState) {
		t.Errorf("Start before negotiation = %v, want ErrState", err)
	}
	if err := s.SetAnswer([]byte(offerNoDTMF)); !errors.Is(err, ErrState) {
		t.Errorf("SetAnswer without Offer = %v, want ErrState", err)
	}
	if s.Codec() != "" || s.Remote() != "" {
		t.Errorf("Codec %q Remote %q before negotiation, want empty", s.Codec(), s.Remote())
	}
	if _, err := s.Answer([]byte(offerNoDTMF)); err != nil {
		t.Fatal(err)
	}
	if s.Codec() != "PCMU/8000" || s.Remote() != "127.0.0.1:9" {
		t.Errorf("Codec %q Remote %q, want PCMU/8000 and 127.0.0.1:9", s.Codec(), s.Remote())
	}
	if err := s.Start(&bridgetest.Endpoint{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(&bridgetest.Endpoint{}); !errors.Is(err, ErrState) {
		t.Errorf("second Start = %v, want ErrState", err)
	}
	if ports.InUse() != 1 {
		t.Errorf("InUse = %d with one session, want 1", ports.InUse())
	}
	for range 2 {
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
	if s.Err() != nil {
		t.Errorf("Err after Close = %v, want nil", s.Err())
	}
	if ports.InUse() != 0 {
		t.Errorf("InUse = %d after Close, want 0", ports.InUse())
	}
	if _, err := s.Answer([]byte(offerNoDTMF)); !errors.Is(err, ErrClosed) {
		t.Errorf("Answer after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Offer(); !errors.Is(err, ErrClosed) {
		t.Errorf("Offer after Close = %v, want ErrClosed", err)
	}
}
