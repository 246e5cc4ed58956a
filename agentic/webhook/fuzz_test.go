package webhook

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzExpandURL checks that no arguments can move a request to another
// scheme or host, or add path segments, whatever the template.
func FuzzExpandURL(f *testing.F) {
	f.Add("http://localhost:8081/orders/{order_number}", []byte(`{"order_number":"4827163"}`))
	f.Add("https://api.example.com/v1/customers?phone={phone}&x=1", []byte(`{"phone":"+1 (503) 555-0134"}`))
	f.Add("http://h/a/{x}/b/{y}", []byte(`{"x":"../../admin","y":"@evil.com"}`))
	f.Add("http://h/{x}", []byte(`{"x":"%2e%2e/?#"}`))
	f.Fuzz(func(t *testing.T, tmpl string, raw []byte) {
		ut, err := parseTemplate(tmpl)
		if err != nil {
			return
		}
		args, err := decodeArgs(raw)
		if err != nil {
			return
		}
		out, used, err := ut.expand(args)
		if err != nil {
			return
		}
		out, err = withQuery(out, args, used)
		if err != nil {
			return
		}
		want, err := url.Parse(ut.sample())
		if err != nil {
			t.Fatalf("template %q passed its checks but its sample does not parse: %v", tmpl, err)
		}
		got, err := url.Parse(out)
		if err != nil {
			t.Fatalf("expanded %q from %q does not parse: %v", out, tmpl, err)
		}
		if got.Scheme != want.Scheme || got.Host != want.Host {
			t.Fatalf("arguments %s moved %q to %s://%s", raw, tmpl, got.Scheme, got.Host)
		}
		if strings.Count(got.EscapedPath(), "/") != strings.Count(want.EscapedPath(), "/") {
			t.Fatalf("arguments %s added path segments to %q: %q", raw, tmpl, out)
		}
	})
}

// FuzzDecodeArgs checks that any input either decodes to an object or
// fails with ErrArguments, and never panics.
func FuzzDecodeArgs(f *testing.F) {
	for _, s := range []string{`{"order_number":"4827163"}`, `null`, ``, `[1,2]`, `{"a":1}{"b":2}`, `{"n":1e400}`, `"x"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		args, err := decodeArgs(raw)
		if err != nil {
			return
		}
		if args == nil {
			t.Fatal("nil arguments without an error")
		}
		if _, err := json.Marshal(args); err != nil {
			t.Fatalf("decoded arguments do not encode again: %v", err)
		}
	})
}
