package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/examples"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/server/records"
	"github.com/parley-voice/parley/tts"
)

// livePhone is the far end of a call on the real clock: every 20 ms it
// sends the next frame of queued caller audio (silence when none) and
// pulls one bot frame, as a transport on a pacer does.
type livePhone struct {
	ep   bridge.Endpoint
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	queue []int16
	bot   []int16
}

func startLivePhone(ep bridge.Endpoint) *livePhone {
	p := &livePhone{ep: ep, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *livePhone) run() {
	defer close(p.done)
	tick := time.NewTicker(audio.FrameDuration)
	defer tick.Stop()
	in, out := make([]int16, 320), make([]int16, 320)
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		p.mu.Lock()
		n := copy(in, p.queue)
		p.queue = p.queue[n:]
		p.mu.Unlock()
		clear(in[n:])
		if p.ep.PushAudio(audio.Frame{Rate: audio.PipelineRate, Samples: in}) != nil {
			return
		}
		p.ep.NextFrame(out)
		p.mu.Lock()
		p.bot = append(p.bot, out...)
		p.mu.Unlock()
	}
}

// botMS returns how many milliseconds of bot audio (not silence) arrived.
func (p *livePhone) botMS() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return loudMS(p.bot)
}

// say queues caller audio.
func (p *livePhone) say(samples []int16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, samples...)
}

func (p *livePhone) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

// speech synthesizes text as the caller's voice, at 16 kHz.
func speech(t *testing.T, synth tts.Synthesizer, text string) []int16 {
	t.Helper()
	var out []int16
	err := synth.Synthesize(context.Background(), tts.Request{Text: text, Rate: audio.PipelineRate, Language: "en"},
		tts.WriterFunc(func(c tts.Chunk) error { out = append(out, c.Audio.Samples...); return nil }))
	if err != nil {
		t.Fatalf("synthesizing the caller's %q: %v", text, err)
	}
	return out
}

// retailServerConfig is the embedded retail example, materialised in a
// temporary folder, with its demo order service on a free port and every
// data file in the folder.
func retailServerConfig(t *testing.T) Config {
	t.Helper()
	fsys, err := examples.Retail()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path, err := MaterializeExample(fsys, filepath.Join(dir, "examples", "retail"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	demo := ln.Addr().String()
	ln.Close()
	if err := cfg.MoveDemo(demo); err != nil {
		t.Fatal(err)
	}
	cfg.Knowledge.Disk.Path = filepath.Join(dir, "knowledge.db")
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Records.Path = filepath.Join(dir, "calls.db")
	cfg.Recordings.Dir = filepath.Join(dir, "recordings")
	cfg.Transports = TransportsConfig{}
	if m, err := filepath.Abs("../models/silero_vad_v5.onnx"); err == nil {
		if _, err := os.Stat(m); err == nil {
			cfg.VAD.ModelPath = m
		}
	}
	return cfg
}

// TestVoiceLoopRealEngines runs a call through the whole voice loop with
// the real engines: the caller's words, spoken by flite, are recognised by
// pocketsphinx, answered by the retail flow agent, and spoken back by
// flite, in real time. The caller barges in on the greeting.
func TestVoiceLoopRealEngines(t *testing.T) {
	cfg := retailServerConfig(t)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := New(cfg, WithLogger(log))
	if errors.Is(err, ErrProvider) {
		t.Skipf("speech engines not installed (run make deps): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	voice, closeVoice, err := NewSynthesizer(DefaultTTSConfig(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer closeVoice()
	stop := running(t, srv)
	base := "http://" + srv.Addr()
	sse := openSSE(t, base+"/api/events")
	pipelinetest.Eventually(t, func() bool { return srv.hub.clientCount() == 1 }, "event client not connected")

	call := newFakeCall(bridge.NewID(time.Now()))
	w := watchCall(t, srv, call.info.ID)
	ep, err := srv.Handler().Accept(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	ph := startLivePhone(ep)
	defer ph.close()
	waitBot := func(n int, what string) {
		t.Helper()
		if !pipelinetest.Poll(40*time.Second, func() bool { return w.count(EventBotSpeechStopped) >= n }) {
			t.Fatalf("%s: %d bot turns finished, want %d", what, w.count(EventBotSpeechStopped), n)
		}
	}
	// The caller does not wait for the end of the long greeting: they
	// barge in once it has played for a second and a half.
	if !pipelinetest.Poll(30*time.Second, func() bool { return ph.botMS() >= 1500 }) {
		t.Fatal("the greeting was not heard")
	}
	ph.say(speech(t, voice, "Where is my order?"))
	waitBot(2, "the answer to where is my order")
	ph.say(speech(t, voice, "four eight two seven one six three"))
	waitBot(3, "the answer to the order number")
	call.end(nil)
	ph.close()

	var rec records.Record
	pipelinetest.Eventually(t, func() bool {
		rec, err = srv.store.Get(context.Background(), call.info.ID)
		return err == nil && rec.Status == records.StatusEnded
	}, "no completed record")
	t.Logf("turns: %+v", rec.Turns)
	var callerTurns, botAfter int
	for i, turn := range rec.Turns {
		if turn.Speaker == records.SpeakerCaller && turn.Text != "" {
			callerTurns++
			if i+1 < len(rec.Turns) && rec.Turns[i+1].Speaker == records.SpeakerBot && rec.Turns[i+1].Text != "" {
				botAfter++
			}
		}
	}
	if callerTurns < 2 || botAfter < 2 {
		t.Fatalf("record has %d recognised caller turns and %d bot answers to them: %+v", callerTurns, botAfter, rec.Turns)
	}
	if !rec.Turns[0].Interrupted || w.count(EventBargeIn) == 0 {
		t.Errorf("the greeting was not interrupted: %+v", rec.Turns[0])
	}
	first := rec.Turns[1]
	if !strings.Contains(strings.ToLower(first.Text), "order") || first.Intent != "order_status" {
		t.Errorf("first caller turn %+v, want the order status question", first)
	}
	if !strings.Contains(strings.ToLower(rec.Turns[2].Text), "order number") {
		t.Errorf("the bot answered %q, want it to ask for the order number", rec.Turns[2].Text)
	}
	checkRecording(t, rec.RecordingFile, rec)
	pipelinetest.Eventually(t, func() bool { return sse.has(EventTranscript) && sse.has(EventCallEnded) },
		"the event stream did not carry the transcript")
	_, _, body := get(t, base+"/metrics")
	for _, h := range []string{"parley_voice_to_voice_seconds_count", "parley_stt_final_seconds_count",
		"parley_agent_first_sentence_seconds_count", "parley_tts_first_audio_seconds_count", "parley_vad_end_of_turn_seconds_count"} {
		if v := metricValue(string(body), h); v < 1 {
			t.Errorf("%s = %v, want at least 1", h, v)
		}
	}
	t.Logf("voice to voice: %s", histogramSummary(string(body), "parley_voice_to_voice_seconds"))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
