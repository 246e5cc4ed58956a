// Package kbtest locates the reference knowledge base and question files
// for the tests and benchmarks of the knowledge packages.
package kbtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/parley-voice/parley/knowledge"
)

// dir is this package's folder.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// KBDir returns the retail reference knowledge base, from the shared
// fixtures when present, else from examples/retail/kb; it skips t when
// neither exists.
func KBDir(t testing.TB) string {
	t.Helper()
	root := filepath.Join(dir(), "..", "..", "..")
	for _, d := range []string{
		filepath.Join(root, "..", "shared", "fixtures", "retail", "kb"),
		filepath.Join(root, "examples", "retail", "kb"),
	} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	t.Skip("the retail knowledge base is absent (../shared/fixtures/retail/kb or examples/retail/kb)")
	return ""
}

// Testdata returns the path of a file in knowledge/testdata.
func Testdata(name string) string {
	return filepath.Join(dir(), "..", "..", "testdata", name)
}

// Questions reads a questions file of knowledge/testdata.
func Questions(t testing.TB, name string) []knowledge.Question {
	t.Helper()
	f, err := os.Open(Testdata(name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	qs, err := knowledge.ReadQuestions(f)
	if err != nil {
		t.Fatal(err)
	}
	return qs
}
