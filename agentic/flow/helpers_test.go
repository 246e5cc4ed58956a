package flow_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/nlu"
)

// fixtures is the shared retail fixture folder, relative to this package.
var fixtures = filepath.Join("..", "..", "..", "shared", "fixtures", "retail")

// retailFlows is the example's flow file.
var retailFlows = filepath.Join("..", "..", "examples", "retail", "flows.yaml")

// fixtureDomain loads an intent file of the fixtures, skipping the test
// when the fixtures are absent.
func fixtureDomain(t testing.TB, name string) *nlu.Domain {
	t.Helper()
	path := filepath.Join(fixtures, name)
	if _, err := os.Stat(path); os.IsNotExist(err) {
		t.Skipf("retail fixtures not found at %s", path)
	}
	d, err := nlu.LoadDomain(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// kbChunks reads the fixture knowledge base into chunks, one per "##"
// section, the way an ingest cuts articles by heading.
func kbChunks(t testing.TB) []knowledge.Chunk {
	t.Helper()
	var out []knowledge.Chunk
	for _, pattern := range []string{"*.md", filepath.Join("zh", "*.md")} {
		files, err := filepath.Glob(filepath.Join(fixtures, "kb", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(filepath.Join(fixtures, "kb"), f)
			lang := "en"
			if strings.HasPrefix(rel, "zh") {
				lang = "zh"
			}
			out = append(out, sections(filepath.ToSlash(rel), lang, string(data))...)
		}
	}
	if len(out) == 0 {
		t.Skipf("no knowledge base articles under %s", fixtures)
	}
	return out
}

// sections cuts a Markdown article at its "##" headings.
func sections(doc, lang, md string) []knowledge.Chunk {
	var out []knowledge.Chunk
	title, heading := "", ""
	var body strings.Builder
	flush := func() {
		if strings.TrimSpace(body.String()) != "" {
			h := title
			if heading != "" {
				h += " > " + heading
			}
			out = append(out, knowledge.Chunk{ID: doc + "#" + strconv.Itoa(len(out)), Doc: doc, Index: len(out),
				Title: title, Heading: h, Text: strings.TrimSpace(body.String()), Language: lang})
		}
		body.Reset()
	}
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			heading = strings.TrimSpace(line[3:])
		case strings.HasPrefix(line, "# "):
			title = strings.TrimSpace(line[2:])
		default:
			body.WriteString(line + "\n")
		}
	}
	flush()
	return out
}
