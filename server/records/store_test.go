package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 3, 2, 14, 8, 12, 0, time.UTC)

// open opens a store in a temporary folder with fast retries.
func open(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Path = path
	opts = append([]Option{WithRetry(time.Millisecond, 5*time.Millisecond, 2)}, opts...)
	s, err := Open(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sample(id string, start time.Time) Record {
	return Record{ID: id, Language: "en", Channel: "sip", Direction: "inbound", From: "sip:alice@example.com",
		To: "sip:parley@example.com", Codec: "PCMU/8000", StartedAt: start, Params: map[string]string{"sip_call_id": "abc"}}
}

func finished(r Record, d time.Duration) Record {
	r.EndedAt = r.StartedAt.Add(d)
	r.DurationMS = d.Milliseconds()
	r.EndReason = "caller_hangup"
	r.Recording = "/api/calls/" + r.ID + "/recording.wav"
	r.RecordingFile = "/var/rec/" + r.ID + ".wav"
	r.Turns = []Turn{
		{Speaker: SpeakerBot, Text: "Hello, how can I help?", StartMS: 100, EndMS: 1900},
		{Speaker: SpeakerCaller, Text: "where is my order", StartMS: 2500, EndMS: 3600, Intent: "order_status",
			Confidence: 0.93, Slots: map[string]string{"order_number": "4827163"}},
		{Speaker: SpeakerBot, Text: "Your order shipped yesterday.", StartMS: 4000, EndMS: 5200, Interrupted: true, Heard: "Your order"},
	}
	r.Events = []Event{
		{Type: "barge_in", AtMS: 4800, Data: map[string]any{"turn": 2.0, "heard": "Your order"}},
		{Type: "dtmf", AtMS: 6000, Data: map[string]any{"digits": "1"}},
	}
	r.QA = json.RawMessage(`{"score":0.9}`)
	return r
}

func flush(t *testing.T, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func TestStartCompleteGet(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "calls.db"))
	ctx := context.Background()
	live := sample("c1", t0)
	if err := s.Start(ctx, live); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	got, err := s.Get(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusLive || !got.EndedAt.IsZero() || len(got.Turns) != 0 || string(got.QA) != "{}" {
		t.Fatalf("live record = %+v", got)
	}
	done := finished(live, 90*time.Second)
	if err := s.Complete(ctx, done); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	got, err = s.Get(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	done.Status = StatusEnded
	want, _ := json.Marshal(done)
	have, _ := json.Marshal(got)
	if string(want) != string(have) {
		t.Fatalf("record after complete:\n got %s\nwant %s", have, want)
	}
	if got.RecordingFile != done.RecordingFile {
		t.Errorf("recording file %q, want %q", got.RecordingFile, done.RecordingFile)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown: %v, want ErrNotFound", err)
	}
}

func TestRecordJSONShape(t *testing.T) {
	r := finished(sample("call-001", t0), 2300*time.Millisecond)
	r.Status = StatusEnded
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "language", "channel", "direction", "from", "to", "codec", "started_at",
		"ended_at", "duration_ms", "end_reason", "turns", "events", "recording", "qa"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing from %s", k, b)
		}
	}
	if _, ok := m["RecordingFile"]; ok {
		t.Errorf("the recording's disk path leaked into the JSON: %s", b)
	}
	ev := m["events"].([]any)[0].(map[string]any)
	if ev["type"] != "barge_in" || ev["at_ms"] != 4800.0 || ev["heard"] != "Your order" {
		t.Errorf("event not flat: %v", ev)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(b) {
		t.Errorf("round trip changed the record:\n%s\n%s", b, again)
	}
}

func TestEventJSON(t *testing.T) {
	cases := []struct {
		name string
		ev   Event
		want string
	}{
		{"no data", Event{Type: "hangup", AtMS: 5}, `{"type":"hangup","at_ms":5}`},
		{"data sorted", Event{Type: "tool_call", AtMS: 7, Data: map[string]any{"name": "order_lookup", "error": ""}},
			`{"type":"tool_call","at_ms":7,"error":"","name":"order_lookup"}`},
		{"reserved keys ignored", Event{Type: "x", AtMS: 1, Data: map[string]any{"type": "y", "at_ms": 9}},
			`{"type":"x","at_ms":1}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(c.ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != c.want {
				t.Fatalf("got %s, want %s", b, c.want)
			}
		})
	}
	var e Event
	if err := json.Unmarshal([]byte(`{"at_ms":3}`), &e); !errors.Is(err, ErrInvalid) {
		t.Errorf("event without type: %v, want ErrInvalid", err)
	}
}

func TestInvalidRecords(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "calls.db"))
	ctx := context.Background()
	cases := []struct {
		name string
		rec  Record
	}{
		{"no id", Record{StartedAt: t0}},
		{"no start", Record{ID: "x"}},
		{"bad qa", Record{ID: "x", StartedAt: t0, QA: json.RawMessage(`{nope`)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := s.Complete(ctx, c.rec); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Complete: %v, want ErrInvalid", err)
			}
		})
	}
}

func TestListFiltersAndPages(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "calls.db"))
	ctx := context.Background()
	for i := range 7 {
		r := finished(sample(fmt.Sprintf("c%d", i), t0.Add(time.Duration(i)*time.Minute)), time.Minute)
		if i%2 == 1 {
			r.Channel = "webrtc"
			r.Turns[1].Text = "I want to return my 100% wool_jacket"
		}
		if err := s.Complete(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(ctx, sample("live", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"all newest first", Query{}, []string{"live", "c6", "c5", "c4", "c3", "c2", "c1", "c0"}},
		{"channel", Query{Channel: "webrtc"}, []string{"c5", "c3", "c1"}},
		{"status", Query{Status: StatusLive}, []string{"live"}},
		{"since until", Query{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, []string{"c3", "c2"}},
		{"text any case", Query{Text: "RETURN my"}, []string{"c5", "c3", "c1"}},
		{"text wildcards literal", Query{Text: "100% wool_j"}, []string{"c5", "c3", "c1"}},
		{"text wildcard not a wildcard", Query{Text: "1_0"}, nil},
		{"text no match", Query{Text: "refund"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := s.List(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.Calls); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	// Pages of 3 cover everything once, in order.
	var all []string
	q := Query{Limit: 3}
	for range 10 {
		p, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ids(p.Calls)...)
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if fmt.Sprint(all) != "[live c6 c5 c4 c3 c2 c1 c0]" {
		t.Fatalf("paged listing %v", all)
	}
	p, _ := s.List(ctx, Query{Channel: "sip", Limit: 1})
	if p.Calls[0].TurnCount != 0 || p.Calls[0].Status != StatusLive {
		t.Errorf("live summary %+v", p.Calls[0])
	}
	for _, bad := range []Query{{Limit: -1}, {Limit: MaxLimit + 1}, {Cursor: "!!"}, {Cursor: "bm8tcGlwZQ"}} {
		if _, err := s.List(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("List(%+v): %v, want ErrInvalid", bad, err)
		}
	}
}

func ids(cs []Summary) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestReopenKeepsRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.db")
	s := open(t, path)
	ctx := context.Background()
	if err := s.Complete(ctx, finished(sample("kept", t0), time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Close commits the queue: no Flush needed.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, sample("late", t0)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close: %v, want ErrClosed", err)
	}
	s2 := open(t, path)
	r, err := s2.Get(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusEnded || len(r.Turns) != 3 || len(r.Events) != 2 {
		t.Fatalf("after reopen: %+v", r)
	}
}

func TestCrashRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.db")
	now := t0
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := open(t, path, WithNow(clock))
	ctx := context.Background()
	if err := s.Start(ctx, sample("crashed", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, finished(sample("done", t0), time.Minute)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = t0.Add(3 * time.Minute)
	mu.Unlock()
	if err := s.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	// A crash: the process dies with the call live. Closing the store
	// without completing the call leaves the same file behind.
	s.Close()
	s2 := open(t, path)
	r, err := s2.Get(ctx, "crashed")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusEnded || r.EndReason != EndServerRestart || !r.EndedAt.Equal(t0.Add(3*time.Minute)) ||
		r.DurationMS != 180000 {
		t.Fatalf("recovered record: status %s reason %s ended %v duration %d", r.Status, r.EndReason, r.EndedAt, r.DurationMS)
	}
	d, _ := s2.Get(ctx, "done")
	if d.EndReason != "caller_hangup" {
		t.Errorf("a finished call was touched by recovery: %+v", d)
	}
}

func TestConcurrentCalls(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "calls.db"), WithBatch(8))
	ctx := context.Background()
	const calls = 40
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := sample(fmt.Sprintf("call-%02d", i), t0.Add(time.Duration(i)*time.Second))
			if err := s.Start(ctx, r); err != nil {
				t.Error(err)
				return
			}
			if _, err := s.List(ctx, Query{Limit: 5}); err != nil {
				t.Error(err)
			}
			if err := s.Complete(ctx, finished(r, time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	flush(t, s)
	p, err := s.List(ctx, Query{Limit: MaxLimit, Status: StatusEnded})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Calls) != calls {
		t.Fatalf("%d ended calls, want %d", len(p.Calls), calls)
	}
	for _, c := range p.Calls {
		if c.TurnCount != 3 {
			t.Fatalf("call %s has %d turns", c.ID, c.TurnCount)
		}
	}
	if st := s.Stats(); st.Written < 2*calls || st.Unsaved != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestWriteFailureRetried(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "calls.db"))
	var fails atomic.Int32
	fails.Store(3)
	s.fault = func(opKind) error {
		if fails.Add(-1) >= 0 {
			return errors.New("disk I/O error")
		}
		return nil
	}
	ctx := context.Background()
	if err := s.Complete(ctx, finished(sample("retried", t0), time.Minute)); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	if _, err := s.Get(ctx, "retried"); err != nil {
		t.Fatalf("record lost after transient failures: %v", err)
	}
	if st := s.Stats(); st.Retries < 3 || st.Unsaved != 0 {
		t.Errorf("stats %+v, want >= 3 retries and nothing unsaved", st)
	}
}

func TestPersistentFailureSavedAndReplayed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.db")
	s := open(t, path)
	s.fault = func(k opKind) error {
		if k == opComplete {
			return errors.New("database is locked")
		}
		return nil
	}
	ctx := context.Background()
	if err := s.Start(ctx, sample("stuck", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, finished(sample("stuck", t0), time.Minute)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if st := s.Stats(); st.Unsaved != 1 {
		t.Fatalf("stats %+v, want the failing write saved", st)
	}
	if _, err := os.Stat(path + ".unsaved.jsonl"); err != nil {
		t.Fatalf("no unsaved file: %v", err)
	}
	s2 := open(t, path)
	r, err := s2.Get(ctx, "stuck")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusEnded || r.EndReason != "caller_hangup" || len(r.Turns) != 3 ||
		r.RecordingFile != "/var/rec/stuck.wav" {
		t.Fatalf("replayed record %+v", r)
	}
	if _, err := os.Stat(path + ".unsaved.jsonl"); !os.IsNotExist(err) {
		t.Errorf("unsaved file not removed after replay: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "other.db")
	s := open(t, foreign)
	s.Close()
	if _, err := s.db.Exec(`SELECT 1`); err == nil {
		t.Fatal("db still open after Close")
	}
	// A file with somebody else's tables.
	notOurs := filepath.Join(dir, "kb.db")
	{
		st := open(t, notOurs)
		st.Close()
		cfg := DefaultConfig()
		cfg.Path = notOurs
		db, _ := Open(context.Background(), cfg)
		db.db.Exec(`UPDATE schema_version SET version = 99`)
		db.Close()
	}
	cases := []struct {
		name string
		cfg  Config
		want error
	}{
		{"newer schema", Config{Path: notOurs, BusyTimeout: time.Second, Queue: 1}, ErrSchema},
		{"not a database", Config{Path: writeFile(t, dir, "junk.db", "this is not sqlite"), BusyTimeout: time.Second, Queue: 1}, ErrOpen},
		{"empty path", Config{Queue: 1}, ErrConfig},
		{"bad queue", Config{Path: "x.db"}, ErrConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := Open(context.Background(), c.cfg)
			if err == nil {
				st.Close()
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Open: %v, want %v", err, c.want)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func BenchmarkComplete(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Path = filepath.Join(b.TempDir(), "calls.db")
	s, err := Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := finished(sample(fmt.Sprintf("bench-%d", i), t0), time.Minute)
		if err := s.Start(ctx, r); err != nil {
			b.Fatal(err)
		}
		if err := s.Complete(ctx, r); err != nil {
			b.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func timeMS(ms int64) time.Time { return time.UnixMilli(ms) }
