package server_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/parley-voice/parley/examples"
	"github.com/parley-voice/parley/server"
)

func TestServeConfigDefaults(t *testing.T) {
	cfg := server.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if cfg.HTTP.Listen != ":8080" || cfg.Call.MaxCalls != 100 || cfg.Call.MaxDuration != time.Hour || !cfg.Call.Greeting ||
		cfg.Records.Path != "data/calls.db" || !cfg.Recordings.Enabled || cfg.Recordings.Dir != "data/recordings" ||
		cfg.Shutdown.Grace != 30*time.Second || !cfg.Transports.SIP || !cfg.Transports.WebRTC {
		t.Errorf("defaults %+v", cfg)
	}
	cfg, err := server.ParseConfig("parley.yaml", []byte(`
http: {listen: "127.0.0.1:9090"}
call:
  greeting: false
  max_calls: 7
  max_duration: 10m
  agent_timeout: 5s
  turn:
    end_of_turn: {silence: 600ms}
records: {path: /tmp/x.db}
recordings: {enabled: false, rate: 8000}
shutdown: {grace: 5s}
transports: {sip: false, webrtc: true, twilio: false}
handoff:
  queues:
    billing: {transfer_to: "sip:billing@pbx.example.com"}
    general: {transfer_to: "+1 555 010 9999"}
log: {format: json, level: debug}
sip: {udp: "127.0.0.1:5070", tcp: ""}
webrtc: {max_calls: 20}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Listen != "127.0.0.1:9090" || cfg.Call.Greeting || cfg.Call.MaxCalls != 7 ||
		cfg.Call.Turn.EndOfTurn.Silence != 600*time.Millisecond || cfg.Call.AgentTimeout != 5*time.Second ||
		cfg.Recordings.Enabled || cfg.Recordings.Rate != 8000 || cfg.Handoff.Queues["billing"].TransferTo == "" ||
		cfg.SIP.UDP != "127.0.0.1:5070" || cfg.WebRTC.MaxCalls != 20 || cfg.Log.Format != "json" {
		t.Errorf("parsed %+v", cfg)
	}
}

func TestServeConfigErrors(t *testing.T) {
	tests := []struct {
		desc  string
		yaml  string
		line  int
		field string
		want  string
	}{
		{"http listen", "http:\n  listen: 8080\n", 2, "http.listen", "host:port"},
		{"max calls", "call:\n  max_calls: 0\n", 2, "call.max_calls", "[1, 100000]"},
		{"pipeline field", "call:\n  inbound_queue: 1ms\n", 2, "call.inbound_queue", "[100ms, 1m]"},
		{"turn field", "call:\n  turn:\n    barge_in:\n      min_speech: 5s\n", 4, "call.turn.barge_in.min_speech", "[0, 2s]"},
		{"unknown call field", "call:\n  greting: true\n", 2, "greting", "unknown field"},
		{"records path", "records:\n  path: \"\"\n", 2, "records.path", "must not be empty"},
		{"recording rate", "recordings:\n  rate: 44100\n", 2, "recordings.rate", "16000 or 8000"},
		{"grace", "shutdown:\n  grace: 2h\n", 2, "shutdown.grace", "[0, 1h]"},
		{"transfer target", "handoff:\n  queues:\n    billing:\n      transfer_to: nobody\n", 4, "handoff.queues.billing.transfer_to", "SIP URI or phone number"},
		{"log level", "log:\n  level: loud\n", 2, "log.level", "debug, info, warn or error"},
		{"sip address", "sip:\n  udp: nowhere\n", 2, "sip.udp", "nowhere"},
		{"rtp ports", "rtp:\n  port_min: 70000\n", 2, "rtp.port_min", "1..65535"},
		{"webrtc", "webrtc:\n  max_calls: -1\n", 2, "webrtc.max_calls", ""},
		{"twilio", "twilio:\n  path: media\n", 2, "twilio.path", ""},
		{"disabled transport not checked", "transports: {sip: false}\nsip:\n  udp: nowhere\n", -1, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := server.ParseConfig("parley.yaml", []byte(tc.yaml))
			if tc.line < 0 {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			var ce *server.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if ce.Line != tc.line || ce.Field != tc.field || !strings.Contains(ce.Error(), tc.want) {
				t.Fatalf("err = %q (line %d field %q), want line %d field %q containing %q",
					ce.Error(), ce.Line, ce.Field, tc.line, tc.field, tc.want)
			}
		})
	}
}

func TestMaterializeExample(t *testing.T) {
	fsys, err := examples.Retail()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "examples", "retail")
	path, err := server.MaterializeExample(fsys, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.LoadConfig(path); err != nil {
		t.Fatalf("the materialised example does not load: %v", err)
	}
	for _, f := range []string{"flows.yaml", "intents.yaml", "kb/returns-policy.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s missing: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "orders", "handler.go")); !os.IsNotExist(err) {
		t.Errorf("Go sources were written: %v", err)
	}
	// Unchanged content: the folder is left alone.
	marker := filepath.Join(dir, "local-note")
	os.WriteFile(marker, []byte("x"), 0o644)
	if _, err := server.MaterializeExample(fsys, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("an unchanged example was rewritten")
	}
	// New content: the folder is replaced.
	changed := fstest.MapFS{"parley.yaml": {Data: []byte("language: en\n")}}
	if _, err := server.MaterializeExample(changed, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("a changed example was not rewritten whole")
	}
	if _, err := server.MaterializeExample(fstest.MapFS{"a.yaml": {}}, filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("an example without parley.yaml was accepted")
	}
}

func TestMoveDemo(t *testing.T) {
	cfg, err := server.ParseConfig("parley.yaml", []byte(`
tools:
  order_lookup: {description: Look up an order., url: "http://127.0.0.1:8089/orders/{order_number}", method: GET, parameters: {type: object, properties: {order_number: {type: string}}}}
  elsewhere: {description: Something else., url: "http://127.0.0.1:18089/x", parameters: {type: object}}
demo: {order_service: "127.0.0.1:8089"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.MoveDemo("127.0.0.1:9999"); err != nil {
		t.Fatal(err)
	}
	if cfg.Demo.OrderService != "127.0.0.1:9999" || cfg.Tools["order_lookup"].URL != "http://127.0.0.1:9999/orders/{order_number}" ||
		cfg.Tools["elsewhere"].URL != "http://127.0.0.1:18089/x" {
		t.Errorf("after the move: %+v %+v", cfg.Demo, cfg.Tools)
	}
	if err := cfg.MoveDemo("nowhere"); err == nil {
		t.Error("a bad address was accepted")
	}
}
