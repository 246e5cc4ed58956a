package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/server"
)

// exampleConfig is the configuration commands use when none is given and
// they run from the repository's root.
const exampleConfig = "examples/retail/parley.yaml"

type chatFlags struct {
	config   string
	asJSON   bool
	language string
	greet    bool
	verbose  bool
	timeout  time.Duration
}

func newChatCmd() *cobra.Command {
	var f chatFlags
	cmd := &cobra.Command{
		Use:   "chat [flags]",
		Short: "Talk to the configured agent in text",
		Long: `Talk to the agent a call would reach, in text: each line you type is a
caller turn, and the agent answers as it would on the phone (the same NLU,
knowledge base, tools and flows). Type "/dtmf 4827163#" to press keys,
"/quit" to stop. The conversation ends when the agent hangs up or hands the
call to a human.

With --json each bot turn prints one JSON object: turn, caller, text,
sentences, intent, confidence, slots, tool_calls, actions, hints, ended,
error and latency_ms.`,
		Example: `  parley chat -c examples/retail/parley.yaml
  echo "where is my order four eight two seven one six three" | parley chat --json
  parley chat --language zh`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runChat(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "", "configuration file; default "+exampleConfig+" when it exists")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object per bot turn")
	fl.StringVar(&f.language, "language", "", "language of the conversation (en, zh); default: the configuration's")
	fl.BoolVar(&f.greet, "greeting", true, "let the agent speak first, as at the start of a call")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "show what the agent understood and the tools it called")
	fl.DurationVar(&f.timeout, "turn-timeout", 30*time.Second, "longest wait for one answer")
	return cmd
}

// loadBrainConfig reads the configuration a brain command runs with.
func loadBrainConfig(path string) (server.Config, error) {
	if path == "" {
		if _, err := os.Stat(exampleConfig); err != nil {
			return server.Config{}, fmt.Errorf("no configuration: pass -c parley.yaml (or run from the repository root to use %s)", exampleConfig)
		}
		path = exampleConfig
	}
	return server.LoadConfig(path)
}

func runChat(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, f chatFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := loadBrainConfig(f.config)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	stopDemo, err := server.StartDemo(cfg.Demo, log)
	if err != nil {
		return err
	}
	defer stopDemo()
	brain, err := server.NewBrain(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer brain.Close()
	lang := f.language
	if lang == "" {
		lang = cfg.Language
	}
	id := fmt.Sprintf("chat-%d", time.Now().UnixNano())
	chat, err := server.NewChatSession(brain.Agents, agentic.Call{ID: id, Language: lang, Channel: "chat"}, f.timeout)
	if err != nil {
		return err
	}
	defer chat.Close()
	p := chatPrinter{w: stdout, json: f.asJSON, verbose: f.verbose}
	if f.greet {
		t, err := chat.Greet(ctx)
		if err != nil {
			return err
		}
		if err := p.print(t); err != nil {
			return err
		}
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for !chat.Ended() {
		if !f.asJSON {
			fmt.Fprint(stdout, "you> ")
		}
		if !in.Scan() {
			break
		}
		text, dtmf, quit := parseChatLine(in.Text())
		if quit {
			break
		}
		if text == "" && dtmf == "" {
			continue
		}
		t, err := chat.Send(ctx, text, dtmf)
		if err != nil {
			return err
		}
		if err := p.print(t); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("chat: read input: %w", err)
	}
	if !f.asJSON && !chat.Ended() {
		fmt.Fprintln(stdout)
	}
	return nil
}

// parseChatLine reads one typed line: text, "/dtmf DIGITS", or "/quit".
func parseChatLine(line string) (text, dtmf string, quit bool) {
	line = strings.TrimSpace(line)
	switch {
	case line == "/quit" || line == "/exit":
		return "", "", true
	case strings.HasPrefix(line, "/dtmf"):
		var b strings.Builder
		for _, r := range strings.TrimPrefix(line, "/dtmf") {
			if strings.ContainsRune("0123456789*#ABCD", r) {
				b.WriteRune(r)
			}
		}
		return "", b.String(), false
	}
	return line, "", false
}

type chatPrinter struct {
	w       io.Writer
	json    bool
	verbose bool
}

func (p chatPrinter) print(t server.ChatTurn) error {
	if p.json {
		return json.NewEncoder(p.w).Encode(t)
	}
	var b strings.Builder
	if p.verbose && t.Intent != "" {
		fmt.Fprintf(&b, "  [intent %s %.2f%s]\n", t.Intent, t.Confidence, slotList(t.Slots))
	}
	if p.verbose {
		for _, tc := range t.ToolCalls {
			res := string(tc.Result)
			if tc.Error != "" {
				res = "error: " + tc.Error
			}
			fmt.Fprintf(&b, "  [tool %s %s -> %s]\n", tc.Name, tc.Arguments, res)
		}
	}
	if t.Text != "" {
		fmt.Fprintf(&b, "bot> %s\n", t.Text)
	}
	for _, a := range t.Actions {
		fmt.Fprintf(&b, "  [%s]\n", describeAction(a))
	}
	if t.Error != "" {
		fmt.Fprintf(&b, "  [agent error: %s]\n", t.Error)
	}
	_, err := io.WriteString(p.w, b.String())
	return err
}

func slotList(slots map[string]string) string {
	if len(slots) == 0 {
		return ""
	}
	keys := make([]string, 0, len(slots))
	for k := range slots {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + slots[k]
	}
	return " " + strings.Join(parts, " ")
}

func describeAction(a server.ChatAction) string {
	switch v := a.Action.(type) {
	case agentic.Handoff:
		return fmt.Sprintf("handoff to queue %s (priority %d): %s", v.Queue, v.Priority, v.Reason)
	case agentic.EndCall:
		return "call ended: " + v.Reason
	case agentic.SendDTMF:
		return "send DTMF " + v.Digits
	}
	b, err := json.Marshal(a.Action)
	if err != nil {
		return a.Kind
	}
	return a.Kind + " " + string(b)
}
