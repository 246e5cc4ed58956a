package vad

import (
	"os"
	"path/filepath"
	"testing"
)

// testModelPath returns the Silero model installed by `make deps`, or skips
// the test.
func testModelPath(t testing.TB) string {
	t.Helper()
	p, tried := findTestModel()
	if p == "" {
		t.Skipf("Silero model not installed (looked at %v): run `make deps`", tried)
	}
	return p
}

// findTestModel looks for the Silero model in $PARLEY_MODELS and in models/
// at the module root. It returns "" and the paths tried when it is missing.
func findTestModel() (string, []string) {
	var tried []string
	if dir := os.Getenv(ModelsEnv); dir != "" {
		p := filepath.Join(dir, SileroModelFile)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", tried
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, DefaultModelDir, SileroModelFile)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
			return "", append(tried, p)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", tried
		}
		dir = parent
	}
}

// testModel loads the Silero model once per test.
func testModel(t testing.TB) *SileroModel {
	t.Helper()
	m, err := LoadSilero(testModelPath(t))
	if err != nil {
		t.Fatalf("loading the Silero model: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}
