package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// retailConfig writes a copy of examples/retail/parley.yaml into a temporary
// folder, beside links to the example's intents, flows and articles, with
// the demo order service on a free port and the knowledge store in the
// folder. It returns the configuration's path.
func retailConfig(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs("../../examples/retail")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"intents.yaml", "intents.zh.yaml", "flows.yaml", "kb"} {
		if err := os.Symlink(filepath.Join(src, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data, err := os.ReadFile(filepath.Join(src, "parley.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.ReplaceAll(string(data), "127.0.0.1:8089", addr)
	cfg = strings.Replace(cfg, "path: data/knowledge.db", "path: "+filepath.Join(dir, "knowledge.db"), 1)
	path := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// chat runs parley chat --json over the given caller lines and returns the
// bot turns.
func chat(t *testing.T, cfg string, lines []string, extra ...string) []map[string]any {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(append([]string{"chat", "--json", "-c", cfg}, extra...))
	root.SetIn(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	root.SetOut(&out)
	root.SetErr(&errOut)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("parley chat: %v (stderr %s)", err, errOut.String())
	}
	var turns []map[string]any
	dec := json.NewDecoder(&out)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("output is not one JSON object per turn: %v", err)
		}
		turns = append(turns, m)
	}
	return turns
}

func TestChatRetailConversations(t *testing.T) {
	cfg := retailConfig(t)
	type want struct {
		intent string // "" to skip
		says   string // a phrase of the bot's answer, lowercase
		action string // an action kind the turn carries, "" for none
		tool   string // a tool the turn called
	}
	tests := []struct {
		desc  string
		lang  string
		lines []string
		turns []want // after the greeting
	}{
		{
			desc:  "order status with a spoken order number, confirmed",
			lines: []string{"where is my order", "four eight two seven one six three", "yes", "no that's all thanks bye"},
			turns: []want{
				{intent: "order_status", says: "order number"},
				{says: "four eight two seven one six three, is that right"},
				{intent: "affirm", says: "ups", tool: "order_lookup"},
				{intent: "goodbye", action: "end_call"},
			},
		},
		{
			desc:  "a knowledge question is answered from the articles",
			lines: []string{"how much does shipping cost", "do you ship to canada"},
			turns: []want{{intent: "shipping_info", says: "shipping"}, {intent: "shipping_info", says: "united states"}},
		},
		{
			desc:  "a request for a human is handed off",
			lines: []string{"can i talk to a real person please"},
			turns: []want{{intent: "speak_to_agent", says: "transfer", action: "handoff"}},
		},
		{
			desc:  "a return of a delivered order",
			lines: []string{"i want to return something", "three five five one two zero eight", "yes"},
			turns: []want{
				{intent: "return_item", says: "order"},
				{says: "three five five one two zero eight"},
				{intent: "affirm", tool: "order_lookup"},
			},
		},
		{
			desc:  "an order number on the keypad",
			lines: []string{"/dtmf 1", "/dtmf 4827163#"},
			turns: []want{{says: "order number"}, {says: "four eight two seven one six three", tool: "order_lookup"}},
		},
		{
			desc:  "Mandarin order status",
			lang:  "zh",
			lines: []string{"我的订单到哪了", "四八二七一六三", "对"},
			turns: []want{{intent: "order_status", says: "订单号"}, {says: "四八二七一六三"}, {intent: "affirm", says: "ups", tool: "order_lookup"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var extra []string
			if tc.lang != "" {
				extra = []string{"--language", tc.lang}
			}
			turns := chat(t, cfg, tc.lines, extra...)
			if len(turns) != len(tc.turns)+1 {
				t.Fatalf("%d bot turns, want the greeting and %d: %v", len(turns), len(tc.turns), turns)
			}
			for i, w := range tc.turns {
				got := turns[i+1]
				text := strings.ToLower(got["text"].(string))
				if w.intent != "" && got["intent"] != w.intent {
					t.Errorf("turn %d (%q): intent %v, want %s", i+1, tc.lines[i], got["intent"], w.intent)
				}
				if !strings.Contains(text, w.says) {
					t.Errorf("turn %d (%q): bot said %q, want it to say %q", i+1, tc.lines[i], text, w.says)
				}
				if w.action != "" && !hasKind(got["actions"], "kind", w.action) {
					t.Errorf("turn %d (%q): actions %v, want %s", i+1, tc.lines[i], got["actions"], w.action)
				}
				if w.tool != "" && !hasKind(got["tool_calls"], "name", w.tool) {
					t.Errorf("turn %d (%q): tool calls %v, want %s", i+1, tc.lines[i], got["tool_calls"], w.tool)
				}
				if e, _ := got["error"].(string); e != "" {
					t.Errorf("turn %d: agent error %s", i+1, e)
				}
			}
		})
	}
}

func hasKind(list any, key, want string) bool {
	items, _ := list.([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && m[key] == want {
			return true
		}
	}
	return false
}

func TestChatConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(bad, []byte("language: en\nagent:\n  type: oracle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "chat", "-c", bad)
	if err == nil || !strings.Contains(err.Error(), bad+":3: agent.type") || !strings.Contains(err.Error(), "flow, llm or hybrid") {
		t.Errorf("bad agent type: %v, want file:line: agent.type and the choices", err)
	}
	if err := os.WriteFile(bad, []byte("nlu:\n  intents: [/nonexistent/intents.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, "chat", "-c", bad)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/intents.yaml") {
		t.Errorf("missing intent file: %v", err)
	}
}
