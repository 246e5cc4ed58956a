package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var listening = regexp.MustCompile(`msg=listening http=(127\.0\.0\.1:\d+)`)

// TestServeEmbeddedExample starts `parley serve` with no configuration
// (the embedded retail example) in a temporary data folder on loopback
// ports, checks the health and calls endpoints, and stops it with a
// signal.
func TestServeEmbeddedExample(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	data := t.TempDir()
	var stderr syncBuffer
	signals := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	f := serveFlags{data: data, http: "127.0.0.1:0", sip: "127.0.0.1:0", demo: freeAddr(t)}
	done := make(chan error, 1)
	go func() { done <- runServe(context.Background(), &stderr, f, signals, func(c int) { exited <- c }) }()
	var base string
	pipelinetest.Eventually(t, func() bool {
		select {
		case err := <-done:
			t.Fatalf("parley serve stopped: %v\n%s", err, stderr.String())
		default:
		}
		m := listening.FindStringSubmatch(stderr.String())
		if m != nil {
			base = "http://" + m[1]
		}
		return m != nil
	}, "parley serve did not log its HTTP address:\n%s", stderr.String())

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != 200 || h["status"] != "ok" {
		t.Fatalf("healthz: %d %v", resp.StatusCode, h)
	}
	resp, err = http.Get(base + "/api/calls")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "{\"calls\":[]}\n" {
		t.Fatalf("/api/calls: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{"examples/retail/parley.yaml", "calls.db", "knowledge.db"} {
		if _, err := os.Stat(data + "/" + want); err != nil {
			t.Errorf("%s not under the data folder: %v", want, err)
		}
	}
	signals <- syscall.SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("parley serve: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("parley serve did not stop after SIGTERM")
	}
	if !regexp.MustCompile(`msg=listening sip="udp 127\.0\.0\.1:\d+`).MatchString(stderr.String()) {
		t.Errorf("the SIP address was not logged:\n%s", stderr.String())
	}
	select {
	case c := <-exited:
		t.Errorf("exit(%d) after one signal", c)
	default:
	}
}

func TestWatchSignals(t *testing.T) {
	signals := make(chan os.Signal, 2)
	finished := make(chan struct{})
	cancelled, exited := make(chan struct{}, 1), make(chan int, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchSignals(signals, finished, func() { cancelled <- struct{}{} }, func(c int) { exited <- c },
			slog.New(slog.DiscardHandler))
	}()
	signals <- syscall.SIGINT
	<-cancelled
	select {
	case c := <-exited:
		t.Fatalf("exit(%d) after the first signal", c)
	default:
	}
	signals <- syscall.SIGINT
	if c := <-exited; c != 2 {
		t.Fatalf("exit(%d) after the second signal, want 2", c)
	}
	<-done
	// Once the server finished, the watcher stops by itself.
	finished2 := make(chan struct{})
	done2 := make(chan struct{})
	go func() {
		defer close(done2)
		watchSignals(make(chan os.Signal), finished2, func() {}, func(int) {}, slog.New(slog.DiscardHandler))
	}()
	close(finished2)
	<-done2
	close(finished)
}

func TestServeConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/parley.yaml"
	os.WriteFile(bad, []byte("language: en\ncall:\n  max_calls: -3\n"), 0o644)
	_, _, err := run(t, "serve", "-c", bad, "--http", "127.0.0.1:0")
	if err == nil || !regexp.MustCompile(regexp.QuoteMeta(bad)+`:3: call.max_calls`).MatchString(err.Error()) {
		t.Errorf("bad max_calls: %v, want file:line: call.max_calls", err)
	}
	good := dir + "/good.yaml"
	os.WriteFile(good, []byte("language: en\n"), 0o644)
	_, _, err = run(t, "serve", "-c", good, "--sip", "nowhere")
	if err == nil || !regexp.MustCompile(`sip\.udp`).MatchString(err.Error()) {
		t.Errorf("bad --sip address: %v, want an error naming sip.udp", err)
	}
}
