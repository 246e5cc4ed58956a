package webrtc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/webrtc"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
	"github.com/parley-voice/parley/web"
)

// chromiumPath is where Debian's chromium package (make deps) installs
// the browser.
const chromiumPath = "/usr/bin/chromium"

// testEventPrefix starts the softphone's console lines for tests.
const testEventPrefix = "PARLEY_TEST "

// pageEvent is one PARLEY_TEST line of the softphone.
type pageEvent struct {
	Event   string  `json:"event"`
	CallID  string  `json:"call_id"`
	Speaker string  `json:"speaker"`
	Text    string  `json:"text"`
	Final   bool    `json:"final"`
	RMS     float64 `json:"rms"`
	Reason  string  `json:"reason"`
	Message string  `json:"message"`
}

// TestChromiumSoftphone calls the WHIP endpoint from the softphone page
// in headless Chromium with a fake microphone: the endpoint must hear the
// microphone, the page must hear the bot and receive the transcript, and
// the page's timed hang-up must end the call.
func TestChromiumSoftphone(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("skipping the browser test: %s is not installed (make deps installs Debian's chromium)", chromiumPath)
	}
	dir := t.TempDir()
	mic := filepath.Join(dir, "mic.wav")
	writeSpeechLike(t, mic, 12*time.Second)

	srv := newTestServer(t, testConfig())
	quit := make(chan struct{})
	page := httptest.NewServer(softphoneMux(srv.whip, quit))
	defer page.Close()
	defer close(quit)

	// The bot answers with a tone once the caller's audio arrives.
	botDone := make(chan bridgetest.Accepted, 1)
	go func() {
		a := <-srv.h.Calls()
		if pipelinetest.Poll(30*time.Second, func() bool { return rms(loudest(a.Endpoint.Caller(), audio.PipelineRate, 4000)) > 300 }) {
			a.Endpoint.Play(tone(audio.PipelineRate, 440, 12000, 3*time.Second))
		}
		botDone <- a
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	events := runChromium(ctx, t, dir, mic, page.URL+"/?autocall=1&hangup_after=8")

	seen := map[string]pageEvent{}
	for ev := range events {
		t.Logf("%v page: %+v", time.Since(start).Round(time.Millisecond), ev)
		if _, dup := seen[ev.Event]; !dup || ev.Event == "transcript" {
			seen[ev.Event] = ev
		}
		if ev.Event == "call_ended" || ev.Event == "error" {
			break
		}
	}
	cancel() // stop the browser; events drains
	for range events {
	}

	var a bridgetest.Accepted
	select {
	case a = <-botDone:
	case <-time.After(pipelinetest.DefaultWait):
		t.Fatal("no call reached the endpoint")
	}
	waitDone(t, a.Call, pipelinetest.DefaultWait)
	checkSoftphoneCall(t, a, seen)
}

// checkSoftphoneCall checks a finished softphone call against what the
// page logged (the last event of each kind).
func checkSoftphoneCall(t *testing.T, a bridgetest.Accepted, seen map[string]pageEvent) {
	t.Helper()
	if err := a.Call.Err(); err != nil {
		t.Errorf("the call ended with %v, want a normal hang-up", err)
	}
	id := a.Call.Info().ID
	if ev, ok := seen["call_started"]; !ok || ev.CallID != id {
		t.Errorf("call_started = %+v, want call %s", ev, id)
	}
	if got := rms(loudest(a.Endpoint.Caller(), audio.PipelineRate, 4000)); got < 300 {
		t.Errorf("the endpoint heard the microphone at rms %.0f, want > 300", got)
	}
	if _, ok := seen["remote_audio"]; !ok {
		t.Error("the page never heard the bot's audio")
	}
	if ev := seen["transcript"]; ev.Text != "hello from the test" || !ev.Final || ev.CallID != id {
		t.Errorf("last transcript event %+v, want the final stub line for call %s", ev, id)
	}
	if ev, ok := seen["call_ended"]; !ok || ev.Reason != "hangup_after" {
		t.Errorf("call_ended = %+v, want the page's timed hang-up", ev)
	}
	if ev, ok := seen["error"]; ok {
		t.Errorf("the page reported an error: %+v", ev)
	}
	if ua := a.Call.Info().Params["user_agent"]; !strings.Contains(ua, "Chrome") {
		t.Errorf("user_agent = %q, want Chromium's", ua)
	}
}

// softphoneMux serves the softphone, the WHIP endpoint, and a stand-in
// for the server's /api/events that sends one partial and one final
// transcript line, then holds the stream open until quit.
func softphoneMux(w *webrtc.WHIP, quit <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler())
	mux.Handle("/whip", w)
	mux.Handle("/whip/", w)
	mux.HandleFunc("/api/events", func(rw http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("call_id")
		rw.Header().Set("Content-Type", "text/event-stream")
		rw.Header().Set("Cache-Control", "no-cache")
		for _, ev := range []map[string]any{
			{"type": "transcript", "call_id": id, "at_ms": 900, "speaker": "caller", "text": "hello from", "final": false},
			{"type": "transcript", "call_id": id, "at_ms": 1500, "speaker": "caller", "text": "hello from the test", "final": true},
		} {
			data, _ := json.Marshal(ev)
			fmt.Fprintf(rw, "event: transcript\ndata: %s\n\n", data)
		}
		rw.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	})
	return mux
}

// runChromium starts headless Chromium on url with a fake microphone
// playing wav, and returns the page's PARLEY_TEST events; the channel is
// closed once the browser has exited (it is killed when ctx ends).
func runChromium(ctx context.Context, t *testing.T, dir, wav, url string) <-chan pageEvent {
	t.Helper()
	cmd := exec.Command(chromiumPath,
		"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
		"--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
		"--use-file-for-fake-audio-capture="+wav+"%noloop",
		"--autoplay-policy=no-user-gesture-required", "--allow-loopback-in-peer-connection",
		"--enable-logging=stderr", "--v=0", "--user-data-dir="+filepath.Join(dir, "profile"), url)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers die with it
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	events := make(chan pageEvent, 64)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		scanPageEvents(stderr, events)
	}()
	go func() {
		<-ctx.Done()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		wg.Wait()
		_ = cmd.Wait()
		close(events)
	}()
	return events
}

// scanPageEvents parses the PARLEY_TEST console lines Chromium logs to
// stderr, for example
//
//	[..:INFO:CONSOLE(12)] "PARLEY_TEST {"event":"call_started"}", source: http://...
func scanPageEvents(r io.Reader, out chan<- pageEvent) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		_, rest, ok := strings.Cut(sc.Text(), testEventPrefix)
		if !ok {
			continue
		}
		var ev pageEvent
		if err := json.NewDecoder(strings.NewReader(rest)).Decode(&ev); err == nil {
			select {
			case out <- ev:
			default: // the test stopped reading
			}
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// writeSpeechLike writes a mono 48 kHz WAV of d of a voice-like signal:
// harmonics of a gliding 120-220 Hz fundamental, in 4 Hz syllables.
func writeSpeechLike(t *testing.T, path string, d time.Duration) {
	t.Helper()
	const rate = audio.Rate48k
	x := make([]int16, audio.SamplesFor(rate, d))
	phase := 0.0
	for i := range x {
		s := float64(i) / rate
		f0 := 170 + 50*math.Sin(2*math.Pi*0.7*s)
		phase += 2 * math.Pi * f0 / rate
		env := math.Max(0, math.Sin(2*math.Pi*4*s)) // syllables
		v := 0.0
		for h := 1; h <= 8; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		x[i] = int16(7000 * env * v)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := audio.WriteWAV(f, rate, 1, x); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
