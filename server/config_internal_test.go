package server

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestLineOfIndexedPath(t *testing.T) {
	doc := "tools:\n  - name: a\n    url: x\n  - name: b\n    url: y\nother: 1\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc, path string
		line       int
	}{
		{"a field of the second item", "tools[1].url", 5},
		{"the second item itself", "tools[1]", 4},
		{"an index past the end stops at the list", "tools[7].url", 1},
		{"a plain field", "other", 6},
	}
	for _, tc := range tests {
		if got := lineOf(&root, tc.path); got != tc.line {
			t.Errorf("%s: lineOf(%q) = %d, want %d", tc.desc, tc.path, got, tc.line)
		}
	}
	if find(&root, "tools[0].name") == nil || find(&root, "tools[2]") != nil {
		t.Error("find with an index")
	}
}
