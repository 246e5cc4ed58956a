package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parley-voice/parley/web"
)

func get(t *testing.T, h http.Handler, method, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestHandler(t *testing.T) {
	h := web.Handler()
	tests := []struct {
		name, method, path string
		want               int
		ctype              string
		csp                bool
		contains           string
	}{
		{"softphone at the root", "GET", "/", 200, "text/html; charset=utf-8", true, "Parley softphone"},
		{"index by name", "GET", "/index.html", 200, "text/html; charset=utf-8", true, "softphone.js"},
		{"script", "GET", "/softphone.js", 200, "text/javascript; charset=utf-8", false, "PARLEY_TEST"},
		{"style sheet", "GET", "/softphone.css", 200, "text/css; charset=utf-8", false, ".keypad"},
		{"icon", "GET", "/favicon.svg", 200, "image/svg+xml", false, "<svg"},
		{"HEAD has no body", "HEAD", "/", 200, "text/html; charset=utf-8", true, ""},
		{"unknown file", "GET", "/nope.js", 404, "", false, "softphone is at /"},
		{"no directory listing", "GET", "/static/", 404, "", false, ""},
		{"POST is refused", "POST", "/", 405, "", false, "use GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, h, tc.method, tc.path, nil)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.want, body)
			}
			if !strings.Contains(body, tc.contains) {
				t.Errorf("body does not contain %q", tc.contains)
			}
			if tc.method == "HEAD" && body != "" {
				t.Errorf("HEAD returned a %d-byte body", len(body))
			}
			if tc.want != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tc.ctype)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); tc.csp != strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy = %q, want one: %v", csp, tc.csp)
			}
		})
	}
}

func TestConditionalGet(t *testing.T) {
	h := web.Handler()
	resp, _ := get(t, h, "GET", "/softphone.js", nil)
	etag := resp.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
		t.Fatalf("ETag = %q, want a quoted content hash", etag)
	}
	tests := []struct {
		name, ifNoneMatch string
		want              int
	}{
		{"unchanged", etag, http.StatusNotModified},
		{"another version", `"0000"`, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := get(t, h, "GET", "/softphone.js", http.Header{"If-None-Match": {tc.ifNoneMatch}})
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	other, _ := get(t, h, "GET", "/softphone.css", nil)
	if other.Header.Get("ETag") == etag {
		t.Error("two files share an ETag")
	}
}

// TestPageIsSelfContained checks that the page loads nothing from other
// sites (Parley runs without a network) and that every file it names is
// served.
func TestPageIsSelfContained(t *testing.T) {
	h := web.Handler()
	for _, name := range []string{"index.html", "softphone.js", "softphone.css", "favicon.svg"} {
		data, err := os.ReadFile(filepath.Join("static", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			if name != "favicon.svg" && strings.Contains(string(data), bad) {
				t.Errorf("%s mentions %q: the page must not load anything from other sites", name, bad)
			}
		}
	}
	_, index := get(t, h, "GET", "/", nil)
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(index, -1) {
		ref := m[1]
		if strings.HasPrefix(ref, "/api/") {
			continue // served by the server, not this package
		}
		if resp, _ := get(t, h, "GET", "/"+strings.TrimPrefix(ref, "/"), nil); resp.StatusCode != http.StatusOK {
			t.Errorf("index.html names %q, which is not served (%d)", ref, resp.StatusCode)
		}
	}
}

// TestScriptHooks checks the contract the server and the end-to-end
// tests rely on, and that the script parses (with node, when installed).
func TestScriptHooks(t *testing.T) {
	_, js := get(t, web.Handler(), "GET", "/softphone.js", nil)
	for _, hook := range []string{
		"'PARLEY_TEST '", "'/api/events?call_id='", "createDataChannel('dtmf'", "'/whip'",
		"'autocall'", "'hangup_after'", "'call_started'", "'remote_audio'", "'transcript'", "'call_ended'",
		"'application/sdp'", "method: 'DELETE'",
	} {
		if !strings.Contains(js, hook) {
			t.Errorf("softphone.js lacks %s", hook)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the syntax check of softphone.js")
	}
	if out, err := exec.Command(node, "--check", filepath.Join("static", "softphone.js")).CombinedOutput(); err != nil {
		t.Errorf("node --check softphone.js: %v\n%s", err, out)
	}
}
