package flow

import (
	"errors"
	"testing"
)

// FuzzParse checks that any flow file either loads or fails with an *Error,
// never a panic, and that a loaded file's prompts render in every language.
func FuzzParse(f *testing.F) {
	f.Add([]byte("flows:\n  a:\n    steps:\n      - say: hello\n"))
	f.Add([]byte("languages: [en, zh]\nflows:\n  a:\n    steps:\n      - say: {en: \"{{digits .n}}\", zh: \"{{money .m}}\"}\n"))
	f.Add([]byte("flows:\n  a:\n    steps:\n      - collect: s\n        prompt: p\n        on_fail:\n          - retry: s\n      - switch: \"{{.s}}\"\n        cases: {\"x, y\": [{goto: t}]}\n      - id: t\n        done: listen\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := Parse("fuzz.yaml", data)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			return
		}
		for _, tx := range fl.texts {
			for _, lang := range fl.languages {
				_, _ = tx.render(lang, map[string]any{})
			}
		}
	})
}
