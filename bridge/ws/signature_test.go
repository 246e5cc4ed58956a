package ws

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestSign checks the signature algorithm against the example of Twilio's
// request validation documentation.
func TestSign(t *testing.T) {
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"},
	}
	got := Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form)
	if want := "0/KCTR6DLpKmkAf8muzZqo1nDgQ="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	if Sign("12345", "wss://a.example/media/twilio", nil) == Sign("12346", "wss://a.example/media/twilio", nil) {
		t.Error("different tokens gave the same signature")
	}
}

// TestSignatureValidation opens streams with valid, invalid and missing
// signatures.
func TestSignatureValidation(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	cases := []struct {
		desc      string
		publicURL string
		sign      func(local string) string // the URL to sign; "" sends no header
		badToken  bool
		wantOK    bool
	}{
		{"valid, public URL", "wss://voice.example.com/media/twilio",
			func(string) string { return "wss://voice.example.com/media/twilio" }, false, true},
		{"valid, public URL without a path", "wss://voice.example.com",
			func(string) string { return "wss://voice.example.com/media/twilio" }, false, true},
		{"valid, default port spelled out", "wss://voice.example.com",
			func(string) string { return "wss://voice.example.com:443/media/twilio" }, false, true},
		{"valid, URL taken from the request", "",
			func(local string) string { return local }, false, true},
		{"signed for another host", "wss://voice.example.com",
			func(string) string { return "wss://attacker.example.com/media/twilio" }, false, false},
		{"signed with another token", "wss://voice.example.com",
			func(string) string { return "wss://voice.example.com/media/twilio" }, true, false},
		{"no signature", "wss://voice.example.com", func(string) string { return "" }, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s := newTestServer(t, Config{AuthToken: token, PublicURL: tc.publicURL})
			h := http.Header{}
			if u := tc.sign(s.url); u != "" {
				key := token
				if tc.badToken {
					key = strings.ToUpper(token)
				}
				h.Set(SignatureHeader, Sign(key, u, nil))
			}
			f, resp, err := dial(t, s.url, h)
			if tc.wantOK {
				if err != nil {
					t.Fatalf("dial: %v (%v)", err, resp)
				}
				f.start(nil)
				s.accepted(t)
				return
			}
			if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("dial: %v %v, want HTTP 403", err, resp)
			}
			if st := s.tw.Stats(); st.Unauthorized != 1 {
				t.Errorf("Unauthorized = %d, want 1", st.Unauthorized)
			}
		})
	}
}

// TestOrigin refuses browser origins that are not allowed.
func TestOrigin(t *testing.T) {
	cases := []struct {
		desc   string
		origin string
		wantOK bool
	}{
		{"no origin (Twilio)", "", true},
		{"allowed origin", "https://app.example.com", true},
		{"allowed origin, other case", "HTTPS://APP.EXAMPLE.COM", true},
		{"foreign origin", "https://evil.example", false},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s := newTestServer(t, Config{AllowedOrigins: []string{"https://app.example.com/"}})
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			_, resp, err := dial(t, s.url, h)
			if ok := err == nil; ok != tc.wantOK {
				t.Fatalf("dial: %v %v, want ok=%v", err, resp, tc.wantOK)
			}
			if !tc.wantOK && resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
		})
	}
}

// TestPortVariants lists the URLs a signature is checked against.
func TestPortVariants(t *testing.T) {
	cases := []struct {
		desc, in string
		want     []string
	}{
		{"wss without port", "wss://h.example/p", []string{"wss://h.example/p", "wss://h.example:443/p"}},
		{"wss with default port", "wss://h.example:443/p", []string{"wss://h.example:443/p", "wss://h.example/p"}},
		{"ws with other port", "ws://127.0.0.1:8080/p", []string{"ws://127.0.0.1:8080/p"}},
		{"ipv6 with default port", "ws://[::1]:80/p", []string{"ws://[::1]:80/p", "ws://[::1]/p"}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			if got := portVariants(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("portVariants(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestMethodNotAllowed refuses non-GET requests.
func TestMethodNotAllowed(t *testing.T) {
	s := newTestServer(t, Config{})
	resp, err := http.Post(s.srv.URL+DefaultPath, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	resp, err = http.Get(s.srv.URL + DefaultPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET without upgrade: %d, want 400", resp.StatusCode)
	}
}
