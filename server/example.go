package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// exampleStamp is the file, inside a materialised example, that holds the
// digest of the embedded content it was written from.
const exampleStamp = ".parley-example.sum"

// MaterializeExample writes the configuration files of an embedded example
// (fsys, for example examples.Retail()) into dir, so that the path-based
// loaders (intents, flows, knowledge folder) can read them, and returns the
// path of its parley.yaml. Go source files are left out. The folder is
// rewritten only when the embedded content changed since it was last
// written (a new Parley version); it is replaced whole, so do not keep
// your own files in it: copy the example elsewhere to edit it.
func MaterializeExample(fsys fs.FS, dir string) (string, error) {
	files, sum, err := exampleFiles(fsys)
	if err != nil {
		return "", fmt.Errorf("server: read the embedded example: %w", err)
	}
	cfgPath := filepath.Join(dir, "parley.yaml")
	if old, err := os.ReadFile(filepath.Join(dir, exampleStamp)); err == nil && strings.TrimSpace(string(old)) == sum {
		if _, err := os.Stat(cfgPath); err == nil {
			return cfgPath, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("server: write the example: %w (check the data folder's permissions)", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+"-")
	if err != nil {
		return "", fmt.Errorf("server: write the example: %w (check the data folder's permissions)", err)
	}
	if err := writeExample(fsys, files, tmp, sum); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("server: replace the example at %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("server: replace the example at %s: %w", dir, err)
	}
	return cfgPath, nil
}

// exampleFiles lists the example's files (not Go sources) in order and
// digests their names and contents.
func exampleFiles(fsys fs.FS) ([]string, string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	sort.Strings(files)
	if !containsString(files, "parley.yaml") {
		return nil, "", errors.New("the example has no parley.yaml")
	}
	h := sha256.New()
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(data))
		h.Write(data)
	}
	return files, hex.EncodeToString(h.Sum(nil)), nil
}

func writeExample(fsys fs.FS, files []string, dir, sum string) error {
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("server: read the embedded example: %w", err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(path.Clean(f)))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("server: write the example: %w", err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("server: write the example: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, exampleStamp), []byte(sum+"\n"), 0o644); err != nil {
		return fmt.Errorf("server: write the example: %w", err)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
