package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/parley-voice/parley/pipeline"
)

// Digest authentication of inbound INVITEs (RFC 3261 section 22.4, RFC
// 2617/7616 digest with qop=auth).
//
// Nonces are stateless: the issue time, 8 random bytes and an HMAC of both
// under a key drawn at start, so a forged or foreign nonce is refused
// without a lookup and nothing is stored for challenges that are never
// answered. Replays are refused with the nonce count: the highest nc seen
// for each nonce in use is kept (bounded, see maxNonces), and a request
// whose nc is not above it is challenged again.
const (
	// nonceTTL is how long a nonce may be used; afterwards the caller is
	// challenged again with stale=true (it retries with no new prompt).
	nonceTTL = 5 * time.Minute
	// maxNonces bounds the nonces whose counts are tracked. When it is
	// reached and none has expired, new nonces are refused with a fresh
	// challenge (stale=true) until room frees: the table never grows
	// without bound under a flood of answered challenges.
	maxNonces = 1 << 16
	// nonceRaw is the size of a decoded nonce: issue time, random, MAC.
	nonceRaw = 8 + 8 + 16
)

// verdict is the outcome of checking a request's credentials.
type verdict int

const (
	// authOK means the credentials are valid.
	authOK verdict = iota
	// authChallenge means no usable credentials: answer 401 with a fresh
	// nonce.
	authChallenge
	// authStale means valid credentials on an expired or already used
	// nonce: answer 401 with a fresh nonce and stale=true.
	authStale
	// authForbidden means a known nonce with a wrong password or an
	// unknown user: answer 403.
	authForbidden
	// authBadURI means credentials for another Request-URI: answer 400.
	authBadURI
)

// authenticator checks digest credentials. It is safe for concurrent use.
type authenticator struct {
	realm string
	users map[string]string
	clock pipeline.Clock
	key   [32]byte

	mu   sync.Mutex
	used map[string]nonceUse
}

// nonceUse is the state of a nonce that was answered.
type nonceUse struct {
	nc      int
	expires time.Time
}

// newAuthenticator returns an authenticator for users, or nil when there
// are none (no authentication).
func newAuthenticator(cfg AuthConfig, clock pipeline.Clock) *authenticator {
	if len(cfg.Users) == 0 {
		return nil
	}
	a := &authenticator{realm: cfg.Realm, users: make(map[string]string, len(cfg.Users)), clock: clock, used: map[string]nonceUse{}}
	if a.realm == "" {
		a.realm = DefaultRealm
	}
	for k, v := range cfg.Users {
		a.users[k] = v
	}
	_, _ = rand.Read(a.key[:]) // crypto/rand.Read never fails on Linux
	return a
}

// challenge returns a WWW-Authenticate header with a fresh nonce.
func (a *authenticator) challenge(stale bool) sip.Header {
	c := digest.Challenge{Realm: a.realm, Nonce: a.newNonce(), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	return sip.NewHeader("WWW-Authenticate", c.String())
}

// newNonce returns a nonce issued now.
func (a *authenticator) newNonce() string {
	var b [nonceRaw]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.clock.Now().UnixNano()))
	_, _ = rand.Read(b[8:16])
	copy(b[16:], a.mac(b[:16]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// mac is the truncated HMAC-SHA256 of a nonce's issue time and random part.
func (a *authenticator) mac(b []byte) []byte {
	h := hmac.New(sha256.New, a.key[:])
	h.Write(b)
	return h.Sum(nil)[:16]
}

// nonceIssued checks a nonce's MAC and returns its issue time.
func (a *authenticator) nonceIssued(n string) (time.Time, bool) {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != nonceRaw || !hmac.Equal(b[16:], a.mac(b[:16])) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))), true
}

// check verifies the Authorization header of req and returns the user name
// with the verdict.
func (a *authenticator) check(req *sip.Request) (string, verdict) {
	h := req.GetHeader("Authorization")
	if h == nil {
		return "", authChallenge
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != a.realm || cred.Userhash || cred.Nonce == "" {
		return "", authChallenge
	}
	issued, ok := a.nonceIssued(cred.Nonce)
	if !ok {
		return "", authChallenge
	}
	pw, known := a.users[cred.Username]
	if !known {
		return cred.Username, authForbidden
	}
	if !sameURI(cred.URI, req.Recipient) {
		return cred.Username, authBadURI
	}
	if !a.validResponse(req, cred, pw) {
		return cred.Username, authForbidden
	}
	now := a.clock.Now()
	if now.Sub(issued) > nonceTTL || issued.After(now.Add(time.Minute)) {
		return cred.Username, authStale
	}
	if !a.use(cred, issued.Add(nonceTTL), now) {
		return cred.Username, authStale
	}
	return cred.Username, authOK
}

// validResponse recomputes the digest response and compares it in
// constant time.
func (a *authenticator) validResponse(req *sip.Request, cred *digest.Credentials, pw string) bool {
	switch strings.ToUpper(cred.Algorithm) {
	case "", "MD5", "SHA-256":
	default:
		return false
	}
	chal := &digest.Challenge{Realm: a.realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque}
	switch cred.QOP {
	case "":
	case "auth":
		if cred.Nc <= 0 || cred.Cnonce == "" {
			return false
		}
		chal.QOP = []string{"auth"}
	default:
		return false
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: req.Method.String(), URI: cred.URI, Username: cred.Username, Password: pw,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(cred.Response)), []byte(want.Response)) == 1
}

// use records a use of a nonce and reports whether it is fresh: its nonce
// count is above every count seen before (a nonce without qop may be used
// once).
func (a *authenticator) use(cred *digest.Credentials, expires, now time.Time) bool {
	nc := cred.Nc
	if cred.QOP == "" {
		nc = 1
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	prev, seen := a.used[cred.Nonce]
	if seen {
		if nc <= prev.nc {
			return false
		}
		a.used[cred.Nonce] = nonceUse{nc: nc, expires: prev.expires}
		return true
	}
	if len(a.used) >= maxNonces {
		for k, u := range a.used {
			if now.After(u.expires) {
				delete(a.used, k)
			}
		}
		if len(a.used) >= maxNonces {
			return false
		}
	}
	a.used[cred.Nonce] = nonceUse{nc: nc, expires: expires}
	return true
}

// sameURI reports whether the digest uri names the Request-URI (RFC 2617
// section 3.2.2.5): same scheme, user, host and port.
func sameURI(s string, r sip.Uri) bool {
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		return false
	}
	port := func(p int) int {
		if p == 0 {
			return 5060
		}
		return p
	}
	return strings.EqualFold(u.Scheme, r.Scheme) && u.User == r.User &&
		strings.EqualFold(u.Host, r.Host) && port(u.Port) == port(r.Port)
}
