package sphinx

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// EnvModelDir names the environment variable that overrides the default
// model directory when Config.ModelDir is empty.
const EnvModelDir = "PARLEY_SPHINX_MODEL"

// resolveModelDir returns the model directory to use.
func resolveModelDir(dir string, lookup func(string) (string, bool)) string {
	if dir != "" {
		return dir
	}
	if v, ok := lookup(EnvModelDir); ok && v != "" {
		return v
	}
	return DefaultModelDir
}

// findModel locates the acoustic model (a subdirectory holding mdef), the
// word language model (*.lm.bin, *.lm or *.lm.dmp, not a phone model) and
// the dictionary (*.dict) in dir, the layout of Debian's
// pocketsphinx-en-us.
func findModel(dir string) (modelFiles, error) {
	fix := "install the Debian package pocketsphinx-en-us (make deps does) or set model_dir / $" + EnvModelDir
	entries, err := os.ReadDir(dir)
	if err != nil {
		return modelFiles{}, fmt.Errorf("%w: cannot read the model directory %s (%v): %s", ErrModelNotFound, dir, err, fix)
	}
	var m modelFiles
	var lms, dicts []string
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case e.IsDir():
			if _, err := os.Stat(filepath.Join(p, "mdef")); err == nil && m.hmm == "" {
				m.hmm = p
			}
		case strings.HasSuffix(name, ".dict") || strings.HasSuffix(name, ".dic"):
			dicts = append(dicts, p)
		case isLM(name) && !strings.Contains(name, "phone"):
			lms = append(lms, p)
		}
	}
	slices.Sort(lms) // prefer the binary form: "x.lm.bin" sorts after "x.lm"
	slices.Reverse(lms)
	switch {
	case m.hmm == "":
		return m, fmt.Errorf("%w: no acoustic model (a subdirectory with an mdef file) in %s: %s", ErrModelNotFound, dir, fix)
	case len(lms) == 0:
		return m, fmt.Errorf("%w: no language model (*.lm.bin) in %s: %s", ErrModelNotFound, dir, fix)
	case len(dicts) == 0:
		return m, fmt.Errorf("%w: no dictionary (*.dict) in %s: %s", ErrModelNotFound, dir, fix)
	}
	m.lm, m.dict = lms[0], dicts[0]
	return m, nil
}

func isLM(name string) bool {
	return strings.HasSuffix(name, ".lm.bin") || strings.HasSuffix(name, ".lm") || strings.HasSuffix(name, ".lm.dmp") ||
		strings.HasSuffix(name, ".lm.DMP")
}
