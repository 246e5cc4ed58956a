package server

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/server/records"
	"github.com/parley-voice/parley/stt/stttest"
	"github.com/parley-voice/parley/tts/ttstest"
)

// retailReply is a scripted agent in the shape of the retail flows.
func retailReply(req pipeline.AgentRequest) []pipeline.Response {
	switch {
	case req.Text == "" && req.DTMF == "":
		return pipelinetest.Say("Hello, thanks for calling.", "How can I help?")
	case strings.Contains(req.Text, "order"):
		return []pipeline.Response{
			{Action: agentic.Understood{Result: nlu.Result{Intent: "order_status", Confidence: 0.93,
				Slots: map[string]string{"order_number": "4827163"}}}},
			{Action: agentic.ToolCall{ID: "t1", Name: "order_lookup", Arguments: []byte(`{"order_number":"4827163"}`),
				Result: []byte(`{"status":"shipped"}`), Duration: 12 * time.Millisecond}},
			{Text: "Your order shipped yesterday."},
			{Text: "Anything else?"},
		}
	case req.DTMF == "1":
		return []pipeline.Response{{Text: "Goodbye."}, {Action: agentic.EndCall{Reason: "resolved"}, AfterSpeech: true}}
	case strings.Contains(req.Text, "agent"):
		return []pipeline.Response{{Text: "Let me transfer you."},
			{Action: agentic.Handoff{Queue: req.Text[strings.LastIndex(req.Text, " ")+1:], Reason: "caller asked"}, AfterSpeech: true}}
	}
	return pipelinetest.Say("Sorry?")
}

// callRig is a server with fake engines on a fake clock, and one call.
type callRig struct {
	t     *testing.T
	srv   *Server
	clock *pipelinetest.Clock
	recog *stttest.Recognizer
	call  *fakeCall
	ph    *phone
	w     *watch
}

func newRig(t *testing.T, cfg Config, script []stttest.Result, opts ...Option) *callRig {
	t.Helper()
	clock := pipelinetest.NewClock(time.Time{})
	recog := &stttest.Recognizer{Script: script}
	synth := &ttstest.Synthesizer{WordAudio: 100 * time.Millisecond}
	opts = append(append(fakeEngines(recog, synth, agents(retailReply)), WithClock(clock)), opts...)
	return &callRig{t: t, srv: newServer(t, cfg, opts...), clock: clock, recog: recog}
}

// answer places a call and watches its events.
func (r *callRig) answer(id string) {
	r.t.Helper()
	r.call = newFakeCall(id)
	r.w = watchCall(r.t, r.srv, id)
	ep, err := r.srv.Handler().Accept(context.Background(), r.call)
	if err != nil {
		r.t.Fatalf("Accept: %v", err)
	}
	r.ph = newPhone(r.t, r.clock, ep)
}

// botDone waits (sending silence) until n bot turns have stopped speaking.
func (r *callRig) botDone(n int) {
	r.t.Helper()
	r.ph.until(20*time.Second, "bot turns did not finish", func() bool { return r.w.count(EventBotSpeechStopped) >= n })
}

// stored waits for the call's completed record.
func (r *callRig) stored() records.Record {
	r.t.Helper()
	var rec records.Record
	pipelinetest.Eventually(r.t, func() bool {
		var err error
		rec, err = r.srv.store.Get(context.Background(), r.call.info.ID)
		return err == nil && rec.Status == records.StatusEnded
	}, "the call's record was not completed")
	return rec
}

func speakers(rec records.Record) []string {
	var out []string
	for _, t := range rec.Turns {
		out = append(out, t.Speaker)
	}
	return out
}

func eventTypes(rec records.Record) []string {
	var out []string
	for _, e := range rec.Events {
		out = append(out, e.Type)
	}
	return out
}

func TestCallRecordAndEndCall(t *testing.T) {
	cfg := testConfig(t)
	r := newRig(t, cfg, []stttest.Result{{Text: "where is my order"}})
	r.answer("20260302T140812-00000001")
	r.botDone(1) // the greeting
	r.ph.speak(600 * time.Millisecond)
	r.botDone(2) // the answer
	if err := r.ph.sess.PushDTMF('1'); err != nil {
		t.Fatal(err)
	}
	r.ph.until(20*time.Second, "the agent's end_call did not hang up", r.call.ended)
	rec := r.stored()

	if got := speakers(rec); !slices.Equal(got, []string{"bot", "caller", "bot", "caller", "bot"}) {
		t.Fatalf("turns by %v, want bot caller bot caller bot: %+v", got, rec.Turns)
	}
	caller := rec.Turns[1]
	if caller.Text != "where is my order" || caller.Intent != "order_status" || caller.Slots["order_number"] != "4827163" ||
		caller.EndMS <= caller.StartMS {
		t.Errorf("caller turn %+v", caller)
	}
	if bot := rec.Turns[2]; bot.Text != "Your order shipped yesterday. Anything else?" || bot.StartMS < caller.EndMS || bot.Interrupted {
		t.Errorf("bot answer %+v (caller turn ended at %d)", bot, caller.EndMS)
	}
	if rec.Turns[3].DTMF != "1" {
		t.Errorf("keypad turn %+v", rec.Turns[3])
	}
	for _, want := range []string{"tool_call", "dtmf", "end_call"} {
		if !slices.Contains(eventTypes(rec), want) {
			t.Errorf("no %s event in %v", want, eventTypes(rec))
		}
	}
	if rec.EndReason != EndBotHangup || rec.DurationMS <= 0 || rec.Channel != "sip" || rec.Params["sip_call_id"] == "" {
		t.Errorf("record header %+v", rec)
	}
	if hangups, _, _, _ := r.call.state(); !slices.Equal(hangups, []string{EndBotHangup}) {
		t.Errorf("hang-ups %v", hangups)
	}
	if rec.Recording != "/api/calls/"+rec.ID+"/recording.wav" || rec.RecordingFile == "" {
		t.Errorf("recording %q at %q", rec.Recording, rec.RecordingFile)
	}
	checkRecording(t, rec.RecordingFile, rec)
	for _, kind := range []string{EventCallStarted, EventTranscript, EventBotText, EventEndOfTurn, EventAction, EventCallEnded} {
		if r.w.count(kind) == 0 {
			t.Errorf("no live %s event", kind)
		}
	}
}

// checkRecording checks that the caller's speech is on the left channel
// and the bot's on the right, where the record places them: over each
// turn (but its edges, and turns the caller cut off, which overlap
// their speech) the speaker's channel is loud and the other one ten
// times quieter.
func checkRecording(t *testing.T, path string, rec records.Record) {
	t.Helper()
	w, err := audio.ReadWAVFile(path)
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	if w.Channels != 2 || w.Rate != 16000 {
		t.Fatalf("recording is %d channels at %d Hz", w.Channels, w.Rate)
	}
	left, _ := w.Channel(nil, 0)
	right, _ := w.Channel(nil, 1)
	checked := 0
	for _, turn := range rec.Turns {
		if turn.DTMF != "" || turn.Interrupted || turn.EndMS-turn.StartMS < 300 {
			continue
		}
		// Leave out the edges: a turn's onset includes the detector's
		// padding, which may overlap the other side's last words.
		from, to := int((turn.StartMS+100)*16), int((turn.EndMS-100)*16)
		if to > len(left)+200*16 { // the two clocks agree within the recording's 100 ms tolerance
			t.Fatalf("recording (%d ms) shorter than the turn %+v", len(left)/16, turn)
		}
		to = min(to, len(left))
		l, r := rms(left[from:to]), rms(right[from:to])
		mine, other := l, r
		if turn.Speaker == "bot" {
			mine, other = r, l
		}
		if mine < 300 || other > mine/10 {
			t.Errorf("%s turn %d-%d ms: left rms %.0f, right rms %.0f", turn.Speaker, turn.StartMS, turn.EndMS, l, r)
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("only %d turns long enough to check in %+v", checked, rec.Turns)
	}
}

func TestBargeInRecorded(t *testing.T) {
	cfg := testConfig(t)
	r := newRig(t, cfg, []stttest.Result{{Text: "stop please"}})
	r.answer("20260302T140812-00000002")
	r.ph.until(10*time.Second, "the greeting did not start", func() bool { return r.w.count(EventBotSpeechStarted) > 0 })
	r.ph.until(5*time.Second, "the greeting is not heard", func() bool { return loudMS(r.ph.bot) >= 300 })
	r.ph.speak(600 * time.Millisecond)
	r.ph.until(10*time.Second, "no barge-in", func() bool { return r.w.count(EventBargeIn) > 0 })
	r.botDone(2)
	r.call.end(nil)
	rec := r.stored()
	if !slices.Contains(eventTypes(rec), "barge_in") || !slices.Contains(eventTypes(rec), "interruption") {
		t.Errorf("events %v, want barge_in and interruption", eventTypes(rec))
	}
	if !rec.Turns[0].Interrupted || rec.Turns[0].Speaker != "bot" {
		t.Errorf("first turn %+v, want the greeting interrupted", rec.Turns[0])
	}
	if _, _, _, flushes := r.call.state(); flushes == 0 {
		t.Error("the transport was not flushed on barge-in")
	}
	if rec.EndReason != EndCallerHangup {
		t.Errorf("end reason %q", rec.EndReason)
	}
}

func rms(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(max(len(s), 1)))
}

// loudMS returns how many milliseconds of s (16 kHz) carry sound.
func loudMS(s []int16) int {
	n := 0
	for i := 0; i+16 <= len(s); i += 16 {
		if rms(s[i:i+16]) > 500 {
			n++
		}
	}
	return n
}

func TestMaxCallsBusy(t *testing.T) {
	cfg := testConfig(t)
	cfg.Call.MaxCalls = 1
	r := newRig(t, cfg, nil)
	r.answer("20260302T140812-00000003")
	second := newFakeCall("20260302T140812-00000004")
	if _, err := r.srv.Handler().Accept(context.Background(), second); !errors.Is(err, bridge.ErrBusy) {
		t.Fatalf("second call: %v, want bridge.ErrBusy", err)
	}
	dup := newFakeCall("bad/id")
	if _, err := r.srv.Handler().Accept(context.Background(), dup); err == nil || errors.Is(err, bridge.ErrBusy) {
		t.Fatalf("unsafe id accepted: %v", err)
	}
	r.call.end(nil)
	r.stored()
	pipelinetest.Eventually(t, func() bool { return r.srv.calls.active() == 0 }, "the call slot was not released")
	third := newFakeCall("20260302T140812-00000005")
	if _, err := r.srv.Handler().Accept(context.Background(), third); err != nil {
		t.Fatalf("a call after the first ended: %v", err)
	}
	third.end(nil)
}

func TestMaxDurationHangsUp(t *testing.T) {
	cfg := testConfig(t)
	cfg.Call.MaxDuration = 3 * time.Second
	cfg.Call.Greeting = false
	r := newRig(t, cfg, nil)
	r.answer("20260302T140812-00000006")
	r.ph.until(10*time.Second, "max_duration did not hang up", r.call.ended)
	rec := r.stored()
	if rec.EndReason != EndMaxDuration || rec.DurationMS < 3000 || rec.DurationMS > 4000 {
		t.Fatalf("end %q after %d ms", rec.EndReason, rec.DurationMS)
	}
}

func TestHandoff(t *testing.T) {
	cases := []struct {
		name       string
		queue      string
		transferTo string
		fail       error
		wantTarget string
		wantReason string
	}{
		{"configured queue", "billing", "sip:billing@pbx.example.com", nil, "sip:billing@pbx.example.com", EndTransferred},
		{"direct SIP target", "sip:desk@pbx.example.com", "", nil, "sip:desk@pbx.example.com", EndTransferred},
		{"no target", "returns", "", nil, "", EndHandoffUnavailable},
		{"transfer fails", "billing", "sip:billing@pbx.example.com", bridge.ErrUnsupported, "sip:billing@pbx.example.com", EndHandoffUnavailable},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Call.Greeting = false
			if c.transferTo != "" {
				cfg.Handoff.Queues = map[string]QueueConfig{c.queue: {TransferTo: c.transferTo}}
			}
			r := newRig(t, cfg, []stttest.Result{{Text: "agent please " + c.queue}})
			r.call = nil
			id := "20260302T140900-0000000" + string(rune('a'+i))
			r.call = newFakeCall(id)
			r.call.transferErr = c.fail
			r.w = watchCall(t, r.srv, id)
			ep, err := r.srv.Handler().Accept(context.Background(), r.call)
			if err != nil {
				t.Fatal(err)
			}
			r.ph = newPhone(t, r.clock, ep)
			r.ph.speak(600 * time.Millisecond)
			r.ph.until(20*time.Second, "the handoff did not end the call", r.call.ended)
			rec := r.stored()
			_, transfers, _, _ := r.call.state()
			if c.wantTarget != "" && !slices.Equal(transfers, []string{c.wantTarget}) {
				t.Errorf("transfers %v, want %s", transfers, c.wantTarget)
			}
			if rec.EndReason != c.wantReason || !slices.Contains(eventTypes(rec), "handoff_result") ||
				!slices.Contains(eventTypes(rec), "handoff") {
				t.Errorf("end %q, events %v", rec.EndReason, eventTypes(rec))
			}
			if c.wantReason == EndHandoffUnavailable {
				last := rec.Turns[len(rec.Turns)-1]
				if last.Speaker != "bot" || !strings.Contains(last.Text, "nobody is available") {
					t.Errorf("no apology before hanging up: %+v", rec.Turns)
				}
			}
		})
	}
}

// panicAgent panics on the caller's first turn.
type panicAgent struct{}

func (panicAgent) Respond(ctx context.Context, req pipeline.AgentRequest, w pipeline.ResponseWriter) error {
	if req.Text != "" {
		panic("agent bug")
	}
	return nil
}

func TestPanickingAgentEndsOnlyItsCall(t *testing.T) {
	cfg := testConfig(t)
	clock := pipelinetest.NewClock(time.Time{})
	recog := &stttest.Recognizer{Script: []stttest.Result{{Text: "hello"}}}
	f := agentic.FactoryFunc(func(agentic.Call) (agentic.Agent, error) { return panicAgent{}, nil })
	srv := newServer(t, cfg, append(fakeEngines(recog, &ttstest.Synthesizer{}, f), WithClock(clock))...)
	call := newFakeCall("20260302T141000-00000001")
	ep, err := srv.Handler().Accept(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	ph := newPhone(t, clock, ep)
	ph.speak(600 * time.Millisecond)
	ph.until(20*time.Second, "the call with a panicking agent did not end", call.ended)
	var rec records.Record
	pipelinetest.Eventually(t, func() bool {
		rec, err = srv.store.Get(context.Background(), call.info.ID)
		return err == nil && rec.Status == records.StatusEnded
	}, "no record")
	if rec.EndReason != EndError || !slices.Contains(eventTypes(rec), "error") {
		t.Errorf("end %q, events %v", rec.EndReason, eventTypes(rec))
	}
	// The server takes the next call.
	next := newFakeCall("20260302T141000-00000002")
	if _, err := srv.Handler().Accept(context.Background(), next); err != nil {
		t.Fatalf("next call refused: %v", err)
	}
	next.end(nil)
}
