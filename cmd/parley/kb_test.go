package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runKB executes "parley kb ..." (args start with "kb") on a root holding
// the kb command, and returns stdout, stderr and the error.
func runKB(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := &cobra.Command{Use: "parley", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newKBCmd())
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// writeArticles writes a small knowledge base to a new folder.
func writeArticles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"returns.md":        "# Returns\n\n## How long you have\n\nYou can return items within **30 days** of delivery.\n\n## Fees\n\nA mailed return costs $5.95.\n",
		"hours.html":        "<html><head><title>Hours</title></head><body><h1>Store hours</h1><p>Portland opens at 9 a.m. and closes at 8 p.m.</p></body></html>",
		"zh/refunds.md":     "# 退款到账时间\n\n信用卡退款需要 3 至 5 个工作日到账。\n",
		"notes/ignored.pdf": "not an article",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestKBIngestAndSearch(t *testing.T) {
	dir := writeArticles(t)
	store := filepath.Join(t.TempDir(), "data", "knowledge.db")
	out, stderr, err := runKB(t, "kb", "ingest", "--store", store, "--progress", dir)
	if err != nil {
		t.Fatalf("kb ingest: %v (stderr %s)", err, stderr)
	}
	if !strings.Contains(out, "added 3,") || !strings.Contains(stderr, "[3/3]") {
		t.Errorf("kb ingest printed %q (stderr %q), want 3 added with progress", out, stderr)
	}
	out, _, err = runKB(t, "kb", "ingest", "--store", store, "--json", dir)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Added, Unchanged int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Unchanged != 3 || rep.Added != 0 {
		t.Errorf("second ingest --json = %q (%v), want 3 unchanged", out, err)
	}

	tests := []struct {
		desc    string
		args    []string
		wantDoc string
	}{
		{"English question", []string{"how many days do i have to return something"}, "returns.md"},
		{"HTML article", []string{"what time does portland close"}, "hours.html"},
		{"Mandarin in its language", []string{"--lang", "zh", "退款多久到账"}, "zh/refunds.md"},
		{"query in several arguments", []string{"-k", "1", "return", "fee"}, "returns.md"},
	}
	for _, tc := range tests {
		args := append([]string{"kb", "search", "--json", "--store", store}, tc.args...)
		out, stderr, err := runKB(t, args...)
		if err != nil {
			t.Errorf("%s: %v (stderr %s)", tc.desc, err, stderr)
			continue
		}
		var hits []struct {
			Doc     string  `json:"doc"`
			Heading string  `json:"heading"`
			Chunk   string  `json:"chunk"`
			Score   float64 `json:"score"`
		}
		if err := json.Unmarshal([]byte(out), &hits); err != nil {
			t.Errorf("%s: output %q is not the documented JSON: %v", tc.desc, out, err)
			continue
		}
		if len(hits) == 0 || hits[0].Doc != tc.wantDoc || hits[0].Chunk == "" || hits[0].Score <= 0 {
			t.Errorf("%s: hits %+v, want %s first", tc.desc, hits, tc.wantDoc)
		}
	}
	out, _, err = runKB(t, "kb", "search", "--store", store, "return fee")
	if err != nil || !strings.HasPrefix(out, "1. returns.md") || !strings.Contains(out, "$5.95") {
		t.Errorf("plain search printed %q, %v", out, err)
	}
}

func TestKBEval(t *testing.T) {
	dir := writeArticles(t)
	store := filepath.Join(t.TempDir(), "k.db")
	if _, _, err := runKB(t, "kb", "ingest", "--store", store, dir); err != nil {
		t.Fatal(err)
	}
	qs := filepath.Join(t.TempDir(), "q.jsonl")
	body := `{"question": "how long do i have to return it", "doc": "returns.md"}` + "\n" +
		`{"question": "when does the portland store close", "doc": "hours.html"}` + "\n"
	if err := os.WriteFile(qs, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runKB(t, "kb", "eval", "--json", "--lang", "en", "--store", store, qs)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Questions int     `json:"questions"`
		Top3      float64 `json:"top3"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Questions != 2 || rep.Top3 != 1 {
		t.Errorf("kb eval --json = %q (%v), want 2 questions all in the top 3", out, err)
	}
}

func TestKBErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.db")
	file := filepath.Join(dir, "a.md")
	if err := os.WriteFile(file, []byte("# A"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		args []string
		want string
	}{
		{"search without a store", []string{"kb", "search", "--store", missing, "hello"}, "kb ingest"},
		{"search without a query", []string{"kb", "search", "--store", missing, " "}, "question"},
		{"k out of range", []string{"kb", "search", "-k", "0", "--store", missing, "hello"}, "-k"},
		{"ingest of a missing folder", []string{"kb", "ingest", "--store", filepath.Join(dir, "k.db"), filepath.Join(dir, "nope")}, "nope"},
		{"ingest of a file", []string{"kb", "ingest", "--store", filepath.Join(dir, "k.db"), file}, "folder"},
		{"unknown embedder", []string{"kb", "ingest", "--embedder", "magic", "--store", filepath.Join(dir, "k.db"), dir}, "magic"},
		{"eval of a missing file", []string{"kb", "eval", "--store", missing, filepath.Join(dir, "q.jsonl")}, "q.jsonl"},
	}
	for _, tc := range tests {
		_, _, err := runKB(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.desc, err, tc.want)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("a failed search created %s", missing)
	}
}
