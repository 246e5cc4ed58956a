package ws

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Twilio signs requests with HMAC-SHA1; the protocol fixes it.
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// SignatureHeader is the header in which Twilio sends a request's
// signature.
const SignatureHeader = "X-Twilio-Signature"

// Sign returns the signature Twilio puts in X-Twilio-Signature for a
// request to rawURL with the form parameters form (nil for a GET, such as
// the WebSocket upgrade of a Media Stream): the base64 of the HMAC-SHA1,
// keyed with the account's auth token, of the full URL followed by each
// parameter's name and value, sorted by name, with no separators
// (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
func Sign(authToken, rawURL string, form url.Values) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(rawURL))
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range form[k] {
			mac.Write([]byte(k))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signer checks the X-Twilio-Signature of upgrade requests.
type signer struct {
	token  string
	public *url.URL // nil: derive the URL from the request
}

// newSigner returns a signer for cfg (which Validate accepted).
func newSigner(cfg Config) *signer {
	s := &signer{token: cfg.AuthToken}
	if cfg.PublicURL != "" {
		s.public, _ = url.Parse(cfg.PublicURL)
	}
	return s
}

// check verifies r's signature. It accepts the URL with and without the
// scheme's default port, as Twilio's own validators do, because proxies
// differ in whether they keep it in the Host header.
func (s *signer) check(r *http.Request) error {
	got := r.Header.Get(SignatureHeader)
	if got == "" {
		return ErrBadSignature
	}
	for _, u := range portVariants(s.signedURL(r)) {
		want := Sign(s.token, u, nil)
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
			return nil
		}
	}
	return ErrBadSignature
}

// signedURL rebuilds the URL Twilio signed for r.
func (s *signer) signedURL(r *http.Request) string {
	reqURI := r.RequestURI // the target as sent, even under http.StripPrefix
	if reqURI == "" {
		reqURI = r.URL.RequestURI()
	}
	path, query, _ := strings.Cut(reqURI, "?")
	var scheme, host string
	if s.public != nil {
		scheme, host = s.public.Scheme, s.public.Host
		if p := s.public.EscapedPath(); p != "" && p != "/" {
			path = p
		}
		if s.public.RawQuery != "" && query == "" {
			query = s.public.RawQuery
		}
	} else {
		scheme, host = requestScheme(r), r.Host
	}
	u := scheme + "://" + host + path
	if query != "" {
		u += "?" + query
	}
	return u
}

// requestScheme is the WebSocket scheme the client used: wss behind TLS or
// a proxy that says it terminated TLS, ws otherwise.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "wss"
	}
	switch strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))) {
	case "https", "wss":
		return "wss"
	}
	return "ws"
}

// portVariants returns raw and, when the scheme has a default port, the
// same URL with that port added or removed.
func portVariants(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	def := map[string]string{"ws": "80", "http": "80", "wss": "443", "https": "443"}[u.Scheme]
	if def == "" {
		return []string{raw}
	}
	host, port, err := net.SplitHostPort(u.Host)
	other := *u
	switch {
	case err != nil: // no port: add the default one
		other.Host = net.JoinHostPort(u.Host, def)
	case port == def:
		other.Host = host
		if strings.Contains(host, ":") {
			other.Host = "[" + host + "]"
		}
	default:
		return []string{raw}
	}
	return []string{raw, other.String()}
}
