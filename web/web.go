// Package web serves Parley's embedded static pages. Today that is the
// softphone at "/": a page that calls the voice agent from the browser
// over WebRTC (WHIP, POST /whip), shows the live transcript from
// GET /api/events, and sends keypad digits on a "dtmf" data channel.
//
// The pages are plain HTML, CSS and JavaScript embedded in the binary: no
// build step and nothing loaded from other sites, so they work without a
// network. Every answer carries a strong ETag and Cache-Control: no-cache
// (browsers revalidate and get 304 while the binary is unchanged), and a
// Content-Security-Policy that allows only this origin.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// static holds the pages. It is read-only.
//
//go:embed static
var static embed.FS

// contentSecurityPolicy lets the pages load only their own files and talk
// only to their own origin (WHIP, the events stream, the call records).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'none'"

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// handler serves the embedded files; it is immutable once built.
type handler struct {
	files map[string]file
}

// Handler returns the handler of the embedded pages, to mount at "/": it
// answers GET and HEAD for "/" (the softphone) and the files it uses, 404
// for any other path and 405 for other methods. It is safe for concurrent
// use.
func Handler() http.Handler {
	h := &handler{files: make(map[string]file)}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h.files["/"+strings.TrimPrefix(p, "static/")] = file{
			body: body, contentType: contentType(p), etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		// The files are compiled in: failing to read them is a broken build.
		panic("web: reading the embedded pages: " + err.Error())
	}
	h.files["/"] = h.files["/index.html"]
	return h
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := h.files[r.URL.Path]
	if !ok {
		http.Error(w, "404 page not found: the softphone is at /", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed: use GET", http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("ETag", f.etag)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(f.contentType, "text/html") {
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("Permissions-Policy", "microphone=(self), camera=(), geolocation=()")
	}
	// ServeContent answers If-None-Match (304), Range and HEAD.
	http.ServeContent(w, r, path.Base(r.URL.Path), time.Time{}, bytes.NewReader(f.body))
}

// contentType returns the media type of an embedded file by its
// extension (the host's MIME database is not consulted, so answers are
// the same everywhere).
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	}
	return "application/octet-stream"
}
