package rtp

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// negotiated is the outcome of one offer/answer exchange. It is immutable
// once published to the session's goroutines.
type negotiated struct {
	codec      codecSpec
	sendPT     uint8 // payload type we send audio with (the far end's number)
	recvPT     uint8 // payload type we declared for receiving
	dtmf       bool  // telephone-event negotiated
	dtmfSendPT uint8
	dtmfRecvPT uint8
	dtmfClock  int
	remote     netip.AddrPort // RTP destination from the SDP
	remoteRTCP netip.AddrPort
	localDir   direction // our direction in the answer (or accepted offer)
	farDir     direction // the far end's direction
	frames     int       // 20 ms frames per packet we send
}

// sending reports whether we send audio.
func (m *negotiated) sending() bool {
	return m.localDir.sends() && m.remote.Addr().IsValid() && !m.remote.Addr().IsUnspecified() && m.remote.Port() != 0
}

// timed reports whether the media timeout runs: only while the far end is
// meant to send and receive (not on hold).
func (m *negotiated) timed() bool { return m.farDir == dirSendRecv && m.localDir == dirSendRecv }

// negotiator builds and reads SDP for one session. Its methods are called
// under the session's negotiation lock.
type negotiator struct {
	codecs  []codecSpec
	public  netip.Addr
	port    int
	sessID  uint64
	version uint64
	// reachable reports whether the session's socket can send to an
	// address (its address family).
	reachable func(netip.Addr) bool
	// offered is the codec list of the last Offer, for SetAnswer.
	offered []codecSpec
}

// choice is an offered stream and the codec chosen from it.
type choice struct {
	st    *audioStream
	codec codecSpec
	pt    uint8
}

// choose picks the first acceptable audio stream of an offer and, in it,
// the first codec of our list (or keep, the codec in use, when the offer
// still has it).
func (n *negotiator) choose(r *remoteSDP, keep *codecSpec) (choice, error) {
	var reasons []string
	for _, st := range r.streams {
		if !st.addr.IsUnspecified() && !n.reachable(st.addr) {
			reasons = append(reasons, fmt.Sprintf("stream %d: address %v is of a family this host does not send to", st.index, st.addr))
			continue
		}
		prefs := n.codecs
		if keep != nil {
			prefs = append([]codecSpec{*keep}, n.codecs...)
		}
		for _, c := range prefs {
			for _, f := range st.formats {
				if f.matches(c) {
					return choice{st: st, codec: c, pt: f.pt}, nil
				}
			}
		}
		var names []string
		for _, f := range st.formats {
			names = append(names, fmt.Sprintf("%s/%d", f.name, f.clock))
		}
		reasons = append(reasons, fmt.Sprintf("stream %d offers %s", st.index, strings.Join(names, ", ")))
	}
	if len(reasons) == 0 {
		return choice{}, fmt.Errorf("%w: no plain RTP audio stream (RTP/AVP) in the offer", ErrNoCodec)
	}
	return choice{}, fmt.Errorf("%w: %s; Parley accepts %s", ErrNoCodec, strings.Join(reasons, "; "), n.codecNames())
}

// codecNames lists the configured codecs for error messages.
func (n *negotiator) codecNames() string {
	var names []string
	for _, c := range n.codecs {
		names = append(names, c.String())
	}
	return strings.Join(names, ", ")
}

// answer reads an offer and builds the answer. keep is the codec in use
// during the call (nil for the first offer).
func (n *negotiator) answer(body []byte, keep *codecSpec) (*negotiated, []byte, error) {
	r, err := parseSDP(body)
	if err != nil {
		return nil, nil, err
	}
	ch, err := n.choose(r, keep)
	if err != nil {
		return nil, nil, err
	}
	st := ch.st
	m := &negotiated{
		codec: ch.codec, sendPT: ch.pt, recvPT: ch.pt,
		remote:     netip.AddrPortFrom(st.addr, uint16(st.port)),
		remoteRTCP: st.rtcp,
		farDir:     st.dir, localDir: st.dir.reverse(),
		frames: packetFrames(ch.codec, st.ptime),
	}
	if st.addr.IsUnspecified() {
		// RFC 2543 hold: the far end does not want our audio.
		m.farDir = dirSendOnly
		if m.localDir.sends() {
			m.localDir = dirRecvOnly
		}
	}
	dtmf, hasDTMF := st.dtmfFormat(ch.codec.clock)
	if hasDTMF {
		m.dtmf, m.dtmfSendPT, m.dtmfRecvPT, m.dtmfClock = true, dtmf.pt, dtmf.pt, dtmf.clock
	}
	desc := n.description()
	for i, ml := range r.lines {
		if i != st.index {
			desc.MediaDescriptions = append(desc.MediaDescriptions, rejected(ml))
			continue
		}
		md := n.audioMedia(ml.proto)
		addFormat(md, ch.pt, ch.codec.name, ch.codec.clock, ch.codec.channels, ch.codec.fmtp)
		if hasDTMF {
			fmtp := dtmf.fmtp
			if fmtp == "" {
				fmtp = "0-16"
			}
			addFormat(md, dtmf.pt, dtmf.name, dtmf.clock, 0, fmtp)
		}
		finishMedia(md, m.localDir)
		desc.MediaDescriptions = append(desc.MediaDescriptions, md)
	}
	out, err := desc.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("rtp: marshal answer: %w", err)
	}
	return m, out, nil
}

// packetFrames is how many 20 ms frames we put in a packet for the far
// end's ptime: 20, 40 or 60 ms for the sample-based codecs, 20 ms for
// Opus and for any other ptime.
func packetFrames(c codecSpec, ptime int) int {
	if c.name == CodecOpus || ptime%20 != 0 {
		return 1
	}
	return min(max(ptime/20, 1), 3)
}

// offer builds an offer of every configured codec (keep, the codec in use,
// first), plus telephone-event.
func (n *negotiator) offer(keep *codecSpec) ([]byte, error) {
	codecs := n.codecs
	if keep != nil {
		codecs = []codecSpec{*keep}
		for _, c := range n.codecs {
			if c.name != keep.name {
				codecs = append(codecs, c)
			}
		}
	}
	n.offered = codecs
	desc := n.description()
	md := n.audioMedia("RTP/AVP")
	opus := false
	for _, c := range codecs {
		addFormat(md, c.pt, c.name, c.clock, c.channels, c.fmtp)
		opus = opus || c.name == CodecOpus
	}
	addFormat(md, PayloadTypeDTMF, "telephone-event", 8000, 0, "0-16")
	if opus {
		addFormat(md, PayloadTypeDTMF48k, "telephone-event", 48000, 0, "0-16")
	}
	finishMedia(md, dirSendRecv)
	desc.MediaDescriptions = append(desc.MediaDescriptions, md)
	out, err := desc.Marshal()
	if err != nil {
		return nil, fmt.Errorf("rtp: marshal offer: %w", err)
	}
	return out, nil
}

// applyAnswer reads the far end's answer to our last offer.
func (n *negotiator) applyAnswer(body []byte) (*negotiated, error) {
	r, err := parseSDP(body)
	if err != nil {
		return nil, err
	}
	if len(r.lines) == 0 || r.lines[0].port == 0 {
		return nil, fmt.Errorf("%w: the answer rejected the audio stream", ErrNoCodec)
	}
	if len(r.streams) == 0 || r.streams[0].index != 0 {
		return nil, fmt.Errorf("%w: the answer's audio stream is not plain RTP (RTP/AVP)", ErrNoCodec)
	}
	st := r.streams[0]
	if !st.addr.IsUnspecified() && !n.reachable(st.addr) {
		return nil, fmt.Errorf("%w: the answer's address %v is of a family this host does not send to", ErrNoCodec, st.addr)
	}
	for _, f := range st.formats {
		for _, c := range n.offered {
			if !f.matches(c) {
				continue
			}
			m := &negotiated{
				codec: c, sendPT: f.pt, recvPT: c.pt,
				remote:     netip.AddrPortFrom(st.addr, uint16(st.port)),
				remoteRTCP: st.rtcp,
				farDir:     st.dir, localDir: st.dir.reverse(),
				frames: packetFrames(c, st.ptime),
			}
			if st.addr.IsUnspecified() {
				m.farDir, m.localDir = dirSendOnly, dirRecvOnly
			}
			if d, ok := st.dtmfFormat(c.clock); ok {
				m.dtmf, m.dtmfSendPT, m.dtmfClock = true, d.pt, d.clock
				m.dtmfRecvPT = PayloadTypeDTMF
				if d.clock == 48000 {
					m.dtmfRecvPT = PayloadTypeDTMF48k
				}
			}
			return m, nil
		}
	}
	return nil, fmt.Errorf("%w: the answer chose no codec of the offer (%s)", ErrNoCodec, n.codecNames())
}

// description returns the session part of our SDP, with the next
// version.
func (n *negotiator) description() *sdp.SessionDescription {
	n.version++
	addrType := "IP4"
	if n.public.Is6() {
		addrType = "IP6"
	}
	return &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "parley", SessionID: n.sessID, SessionVersion: n.version,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: n.public.String(),
		},
		SessionName: "parley",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: n.public.String()},
		},
		TimeDescriptions: []sdp.TimeDescription{{Timing: sdp.Timing{}}},
	}
}

// audioMedia starts our audio m= line.
func (n *negotiator) audioMedia(proto string) *sdp.MediaDescription {
	return &sdp.MediaDescription{MediaName: sdp.MediaName{
		Media: "audio", Port: sdp.RangedPort{Value: n.port}, Protos: strings.Split(proto, "/"),
	}}
}

// addFormat adds a payload format with its rtpmap and fmtp.
func addFormat(md *sdp.MediaDescription, pt uint8, name string, clock, channels int, fmtp string) {
	p := strconv.Itoa(int(pt))
	md.MediaName.Formats = append(md.MediaName.Formats, p)
	rtpmap := p + " " + name + "/" + strconv.Itoa(clock)
	if channels > 1 {
		rtpmap += "/" + strconv.Itoa(channels)
	}
	md.Attributes = append(md.Attributes, sdp.NewAttribute("rtpmap", rtpmap))
	if fmtp != "" {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("fmtp", p+" "+fmtp))
	}
}

// finishMedia adds ptime and the direction.
func finishMedia(md *sdp.MediaDescription, dir direction) {
	md.Attributes = append(md.Attributes, sdp.NewAttribute("ptime", "20"), sdp.NewPropertyAttribute(dir.String()))
}

// rejected answers an m= line we do not take: port 0, same media, proto
// and first format (RFC 3264 section 6).
func rejected(ml mediaLine) *sdp.MediaDescription {
	return &sdp.MediaDescription{MediaName: sdp.MediaName{
		Media: ml.media, Port: sdp.RangedPort{Value: 0}, Protos: []string{ml.proto}, Formats: []string{ml.format},
	}}
}
