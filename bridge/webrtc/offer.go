package webrtc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/pipeline/audio"
)

// maxUserAgent bounds the User-Agent kept with a call record, in bytes.
const maxUserAgent = 256

// post answers an offer: it validates it, sets up a peer connection,
// asks the handler to accept the call, and replies 201 with the answer.
func (w *WHIP) post(rw http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != sdpType {
		rw.Header().Set("Accept-Post", sdpType)
		w.bad(rw, http.StatusUnsupportedMediaType, "send the SDP offer with Content-Type: "+sdpType)
		return
	}
	offer, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxOfferBytes))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			w.bad(rw, http.StatusRequestEntityTooLarge, fmt.Sprintf("the offer is larger than %d bytes: send one audio section and a data channel", maxOfferBytes))
			return
		}
		w.bad(rw, http.StatusBadRequest, "reading the offer: "+err.Error())
		return
	}
	if err := checkOffer(offer); err != nil {
		w.bad(rw, http.StatusBadRequest, err.Error())
		return
	}
	if err := w.reserve(); err != nil {
		w.busy(rw, "no capacity for another browser call: "+err.Error()+"; try again later")
		return
	}
	c, answer, err := w.setup(r, offer)
	if err != nil {
		w.unreserve()
		if errors.Is(err, ErrBadOffer) {
			w.bad(rw, http.StatusBadRequest, err.Error())
			return
		}
		w.log.Error("setting up a browser call", "err", err)
		w.fail(rw, http.StatusInternalServerError, "the server could not set up the call: "+err.Error())
		return
	}
	if !w.accept(rw, c) {
		return
	}
	h := rw.Header()
	h.Set("Content-Type", sdpType)
	h.Set("Location", w.opts.basePath+"/"+c.info.ID)
	h.Set("ETag", `"`+randomHex(8)+`"`)
	w.setLinks(rw)
	rw.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(rw, answer)
}

// accept asks the handler for the call's endpoint and starts the call,
// or answers the refusal and releases the call; it reports whether the
// call started.
func (w *WHIP) accept(rw http.ResponseWriter, c *call) bool {
	ep, err := w.h.Accept(c.ctx, c)
	if err == nil && ep == nil {
		err = errors.New("the handler returned no endpoint")
	}
	if err != nil {
		c.cancel()
		if cerr := c.pc.Close(); cerr != nil {
			c.log.Warn("closing a refused call's peer connection", "err", cerr)
		}
		w.unreserve()
		switch {
		case errors.Is(err, bridge.ErrBusy):
			w.busy(rw, "the server is at capacity; try again later")
		case errors.Is(err, bridge.ErrRejected):
			w.refused.Add(1)
			w.fail(rw, http.StatusForbidden, "the call was refused: "+err.Error())
		default:
			w.refused.Add(1)
			c.log.Error("the handler failed to accept the call", "err", err)
			w.fail(rw, http.StatusInternalServerError, "the server could not start the call; see its log for call "+c.info.ID)
		}
		return false
	}
	w.accepted.Add(1)
	c.start(ep)
	if err := w.register(c); err != nil {
		c.end(nil, "server shutting down")
	}
	go c.run()
	c.log.Info("browser call accepted", "remote", c.info.Remote, "user_agent", c.info.Params["user_agent"])
	return true
}

// setup creates the call's peer connection from the offer and returns
// the answer once ICE gathering is complete (or gather_timeout passed).
// Errors wrapping ErrBadOffer are the offer's fault.
func (w *WHIP) setup(r *http.Request, offer []byte) (*call, string, error) {
	c, err := w.newCall(r)
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (*call, string, error) {
		c.cancel()
		_ = c.pc.Close()
		return nil, "", err
	}
	if err := c.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: string(offer)}); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrBadOffer, err))
	}
	if c.sender, err = c.pc.AddTrack(c.track); err != nil {
		return fail(fmt.Errorf("webrtc: adding the bot's audio track: %w", err))
	}
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrBadOffer, err))
	}
	gathered := pion.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(answer); err != nil {
		return fail(fmt.Errorf("webrtc: applying the answer: %w", err))
	}
	ctx, cancel := context.WithTimeout(r.Context(), w.cfg.GatherTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done():
		if r.Context().Err() != nil {
			return fail(fmt.Errorf("webrtc: the client went away during ICE gathering: %w", r.Context().Err()))
		}
		c.log.Warn("ICE gathering incomplete; answering with the candidates gathered so far", "gather_timeout", w.cfg.GatherTimeout)
	}
	return c, c.pc.LocalDescription().SDP, nil
}

// newCall builds a call's state and its peer connection, with the
// handlers that drive it.
func (w *WHIP) newCall(r *http.Request) (*call, error) {
	now := w.opts.now()
	id := bridge.NewID(now)
	ua := strings.ToValidUTF8(r.UserAgent(), "?")
	if len(ua) > maxUserAgent {
		ua = strings.ToValidUTF8(ua[:maxUserAgent], "")
	}
	c := &call{
		w: w, log: w.log.With("call_id", id),
		info: bridge.Info{
			ID: id, Channel: bridge.ChannelWebRTC, Direction: bridge.Inbound, Remote: r.RemoteAddr,
			Codec: "opus/48000", Started: now, Params: map[string]string{"user_agent": ua},
		},
		started: make(chan struct{}), endCh: make(chan struct{}), done: make(chan struct{}),
		wake: make(chan struct{}, 1), tickBuf: make([]int16, frameSamples),
	}
	var err error
	dec, err := audio.NewOpusDecoder(audio.PipelineRate)
	if err != nil {
		return nil, fmt.Errorf("webrtc: Opus decoder: %w", err)
	}
	if c.in, err = audio.NewJitterBuffer(audio.PipelineRate, dec, audio.WithClockRate(opusClockRate), audio.WithJitterNow(w.opts.now)); err != nil {
		return nil, fmt.Errorf("webrtc: jitter buffer: %w", err)
	}
	if c.enc, err = audio.NewOpusEncoder(audio.PipelineRate, audio.WithOpusBitrate(w.cfg.OpusBitrate)); err != nil {
		return nil, fmt.Errorf("webrtc: Opus encoder: %w", err)
	}
	if c.track, err = pion.NewTrackLocalStaticSample(opusCodec(), "audio", "parley-"+id); err != nil {
		return nil, fmt.Errorf("webrtc: bot audio track: %w", err)
	}
	if c.pc, err = w.api.NewPeerConnection(pion.Configuration{ICEServers: iceServers(w.cfg), BundlePolicy: pion.BundlePolicyMaxBundle}); err != nil {
		return nil, fmt.Errorf("webrtc: peer connection: %w", err)
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.pc.OnConnectionStateChange(c.onConnectionState)
	c.pc.OnTrack(c.onTrack)
	c.pc.OnDataChannel(c.onDataChannel)
	return c, nil
}

// checkOffer parses an offer and checks that it sends Opus audio, so
// that offers this server cannot use get a clear 400 before any
// resources are spent on them.
func checkOffer(offer []byte) error {
	if len(strings.TrimSpace(string(offer))) == 0 {
		return fmt.Errorf("%w: the body is empty: POST the SDP offer of an RTCPeerConnection", ErrBadOffer)
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(offer); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	sessionDir := direction(sd.Attributes, "sendrecv")
	receiveOnly := false
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" || m.MediaName.Port.Value == 0 || !offersOpus(m) {
			continue
		}
		switch direction(m.Attributes, sessionDir) {
		case "sendrecv", "sendonly":
			return nil
		}
		receiveOnly = true
	}
	if receiveOnly {
		return fmt.Errorf("%w: the offer's Opus audio is recvonly or inactive: offer to send the microphone (direction sendrecv)", ErrBadOffer)
	}
	return fmt.Errorf("%w: no Opus audio section (m=audio with a=rtpmap:<pt> opus/48000/2): add a microphone track before creating the offer", ErrBadOffer)
}

// offersOpus reports whether a media section lists Opus.
func offersOpus(m *sdp.MediaDescription) bool {
	for _, a := range m.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		_, codec, ok := strings.Cut(a.Value, " ")
		if ok && strings.HasPrefix(strings.ToLower(codec), "opus/48000") {
			return true
		}
	}
	return false
}

// direction returns the direction attribute among attrs, or def.
func direction(attrs []sdp.Attribute, def string) string {
	for _, a := range attrs {
		switch a.Key {
		case "sendrecv", "sendonly", "recvonly", "inactive":
			return a.Key
		}
	}
	return def
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}
