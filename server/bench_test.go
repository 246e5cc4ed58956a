package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/stt/stttest"
	"github.com/parley-voice/parley/tts/ttstest"
)

// BenchmarkAccept measures call setup: what Accept costs a transport
// (detector, agent, recording, session, subscription, the call's
// goroutine). Tearing each call down is not timed.
func BenchmarkAccept(b *testing.B) {
	cfg := DefaultConfig()
	dir := b.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Records.Path = dir + "/calls.db"
	cfg.Recordings.Dir = dir + "/recordings"
	cfg.Transports = TransportsConfig{}
	cfg.Call.Greeting = false
	srv, err := New(cfg, append(fakeEngines(&stttest.Recognizer{}, &ttstest.Synthesizer{}, agents(retailReply)), WithLogger(slog.New(slog.DiscardHandler)))...)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		call := newFakeCall(fmt.Sprintf("20260302T140812-%08x", i))
		if _, err := srv.Handler().Accept(context.Background(), call); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		call.end(nil)
		for srv.calls.active() > 0 {
			time.Sleep(time.Millisecond) // a benchmark's teardown, not a test's wait
		}
		b.StartTimer()
	}
}

// BenchmarkSessionFrameWithRecording measures one 20 ms frame each way
// through a call's session with its recording interceptor: the per-frame
// media path of a call the server runs.
func BenchmarkSessionFrameWithRecording(b *testing.B) {
	cfg := DefaultConfig()
	dir := b.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Records.Path = dir + "/calls.db"
	cfg.Recordings.Dir = dir + "/recordings"
	cfg.Transports = TransportsConfig{}
	cfg.Call.Greeting = false
	srv, err := New(cfg, append(fakeEngines(&stttest.Recognizer{}, &ttstest.Synthesizer{}, agents(retailReply)), WithLogger(slog.New(slog.DiscardHandler)))...)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	call := newFakeCall("20260302T140812-bench001")
	ep, err := srv.Handler().Accept(context.Background(), call)
	if err != nil {
		b.Fatal(err)
	}
	in := audio.Frame{Rate: audio.PipelineRate, Samples: make([]int16, 320)}
	out := make([]int16, 320)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ep.PushAudio(in)
		ep.NextFrame(out)
	}
	b.StopTimer()
	call.end(nil)
}

// FuzzListQuery feeds GET /api/calls query strings and /api/events call
// ids, as they arrive from the network.
func FuzzListQuery(f *testing.F) {
	f.Add("limit=10&channel=sip&since=2026-03-02T14:00:00Z&q=order", "20260302T140812-4f3a9c2b")
	f.Add("limit=-1&cursor=%ZZ", "../etc/passwd")
	f.Add("until=yesterday&q=%25_", "")
	f.Fuzz(func(t *testing.T, rawQuery, id string) {
		r := httptest.NewRequest("GET", "/api/calls", nil)
		r.URL.RawQuery = rawQuery
		q, err := listQuery(r)
		if err == nil && (q.Limit < 0 || len(q.Text) > 256) {
			t.Fatalf("accepted %q as %+v", rawQuery, q)
		}
		if validCallID(id) {
			if u := url.PathEscape(id); u != id {
				t.Fatalf("call id %q needs escaping in a URL", id)
			}
		}
	})
}
