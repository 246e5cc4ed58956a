package webrtc_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/bridgetest"
	"github.com/parley-voice/parley/bridge/webrtc"
)

// FuzzWHIPOffer posts arbitrary bodies as offers: the endpoint never
// panics and answers each with a status a WHIP client understands. The
// handler refuses every call, so well-formed offers end in 503 and leave
// nothing running.
func FuzzWHIPOffer(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("v=0\r\n"))
	f.Add([]byte(videoOnlyOffer))
	f.Add([]byte(strings.ReplaceAll(videoOnlyOffer, "m=video 9 UDP/TLS/RTP/SAVPF 96", "m=audio 9 UDP/TLS/RTP/SAVPF 111") + "a=rtpmap:111 opus/48000/2\r\n"))
	h := bridgetest.NewHandler(1)
	h.Refuse(bridge.ErrBusy)
	w, err := webrtc.New(testConfig(), h)
	if err != nil {
		f.Fatal(err)
	}
	defer w.Close()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/whip", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/sdp")
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d (%s) for %q", rec.Code, rec.Body, body)
		}
		if st := w.Stats(); st.Active != 0 {
			t.Fatalf("%d calls active after a refused offer", st.Active)
		}
	})
}
