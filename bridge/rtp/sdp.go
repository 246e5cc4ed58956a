package rtp

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// direction is an SDP stream direction (RFC 3264 section 5.1), from the
// point of view of the side that wrote it.
type direction int

const (
	dirSendRecv direction = iota
	dirSendOnly
	dirRecvOnly
	dirInactive
)

// String returns the attribute name.
func (d direction) String() string {
	return [...]string{"sendrecv", "sendonly", "recvonly", "inactive"}[d]
}

// sends and receives say what the writer of the direction does.
func (d direction) sends() bool    { return d == dirSendRecv || d == dirSendOnly }
func (d direction) receives() bool { return d == dirSendRecv || d == dirRecvOnly }

// reverse is the direction an answer mirrors for an offered one.
func (d direction) reverse() direction {
	switch d {
	case dirSendOnly:
		return dirRecvOnly
	case dirRecvOnly:
		return dirSendOnly
	}
	return d
}

// parseDirection maps an attribute key to a direction.
func parseDirection(key string) (direction, bool) {
	switch key {
	case "sendrecv":
		return dirSendRecv, true
	case "sendonly":
		return dirSendOnly, true
	case "recvonly":
		return dirRecvOnly, true
	case "inactive":
		return dirInactive, true
	}
	return 0, false
}

// rtpFormat is one payload format of an m= line.
type rtpFormat struct {
	pt       uint8
	name     string // as in rtpmap, or the static assignment
	clock    int
	channels int
	fmtp     string
}

// audioStream is the far end's description of one audio m= line.
type audioStream struct {
	index   int // position among the m= lines
	proto   string
	addr    netip.Addr // c= address (media level, else session level)
	port    int
	rtcp    netip.AddrPort // RTCP destination (a=rtcp or port+1)
	dir     direction
	ptime   int // ms; 0 when not given
	formats []rtpFormat
}

// remoteSDP is a parsed offer or answer: every m= line as written, and the
// audio streams among them.
type remoteSDP struct {
	lines   []mediaLine
	streams []*audioStream // one per audio m= line that is usable
	oldHold bool           // c=0.0.0.0, the RFC 2543 way to hold
}

// staticFormats are the RFC 3551 static payload types an m= line may use
// without an rtpmap.
var staticFormats = map[uint8]rtpFormat{
	0:  {pt: 0, name: CodecPCMU, clock: 8000},
	8:  {pt: 8, name: CodecPCMA, clock: 8000},
	9:  {pt: 9, name: CodecG722, clock: 8000},
	13: {pt: 13, name: "CN", clock: 8000},
}

// parseSDP parses an offer or answer, keeping the audio streams that carry
// plain RTP (RTP/AVP or RTP/AVPF) on a non-zero port. It returns an
// ErrBadSDP error for text it cannot parse.
func parseSDP(body []byte) (*remoteSDP, error) {
	norm, lines, err := normalizeSDP(body)
	if err != nil {
		return nil, err
	}
	var desc sdp.SessionDescription
	if err := desc.Unmarshal(norm); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	if len(desc.MediaDescriptions) != len(lines) {
		return nil, fmt.Errorf("%w: %d m= lines parsed of %d", ErrBadSDP, len(desc.MediaDescriptions), len(lines))
	}
	r := &remoteSDP{lines: lines}
	sessAddr, err := connAddr(desc.ConnectionInformation)
	if err != nil {
		return nil, err
	}
	sessDir := dirSendRecv
	for _, a := range desc.Attributes {
		if d, ok := parseDirection(a.Key); ok {
			sessDir = d
		}
	}
	for i, md := range desc.MediaDescriptions {
		ml := lines[i]
		if ml.media != "audio" || ml.port == 0 || !plainRTP(ml.proto) {
			continue
		}
		st, err := parseAudio(i, ml, md, sessAddr, sessDir)
		if err != nil {
			return nil, err
		}
		if st.addr.IsUnspecified() {
			r.oldHold = true
		}
		r.streams = append(r.streams, st)
	}
	return r, nil
}

// plainRTP reports whether proto is unencrypted RTP over UDP.
func plainRTP(proto string) bool {
	return strings.EqualFold(proto, "RTP/AVP") || strings.EqualFold(proto, "RTP/AVPF")
}

// connAddr parses a c= line's address; an absent line gives the zero Addr.
func connAddr(c *sdp.ConnectionInformation) (netip.Addr, error) {
	if c == nil || c.Address == nil {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(c.Address.Address)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: c= address %q is not an IP address", ErrBadSDP, clip(c.Address.Address))
	}
	return a.Unmap(), nil
}

// parseAudio reads one audio m= section.
func parseAudio(index int, ml mediaLine, md *sdp.MediaDescription, sessAddr netip.Addr, dir direction) (*audioStream, error) {
	addr, err := connAddr(md.ConnectionInformation)
	if err != nil {
		return nil, err
	}
	if !addr.IsValid() {
		addr = sessAddr
	}
	if !addr.IsValid() {
		return nil, fmt.Errorf("%w: audio stream %d has no c= address", ErrBadSDP, index)
	}
	st := &audioStream{index: index, proto: ml.proto, addr: addr, port: ml.port, dir: dir}
	st.rtcp = netip.AddrPortFrom(addr, uint16(min(ml.port+1, 65535)))
	rtpmaps := map[uint8]rtpFormat{}
	fmtps := map[uint8]string{}
	for _, a := range md.Attributes {
		if d, ok := parseDirection(a.Key); ok {
			st.dir = d
			continue
		}
		switch a.Key {
		case "rtpmap":
			if f, ok := parseRtpmap(a.Value); ok {
				rtpmaps[f.pt] = f
			}
		case "fmtp":
			pt, params, ok := strings.Cut(a.Value, " ")
			if n, err := strconv.ParseUint(pt, 10, 7); err == nil && ok {
				fmtps[uint8(n)] = strings.TrimSpace(params)
			}
		case "ptime":
			if n, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && n > 0 && n <= 1000 {
				st.ptime = n
			}
		case "rtcp":
			st.rtcp = parseRTCPAttr(a.Value, st.rtcp)
		}
	}
	for _, f := range md.MediaName.Formats {
		n, err := strconv.ParseUint(f, 10, 7)
		if err != nil {
			continue // not an RTP payload type
		}
		pt := uint8(n)
		format, ok := rtpmaps[pt]
		if !ok {
			if format, ok = staticFormats[pt]; !ok {
				continue // a dynamic type without rtpmap: unknown
			}
		}
		format.fmtp = fmtps[pt]
		st.formats = append(st.formats, format)
	}
	return st, nil
}

// parseRtpmap parses "96 opus/48000/2".
func parseRtpmap(v string) (rtpFormat, bool) {
	pt, enc, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return rtpFormat{}, false
	}
	n, err := strconv.ParseUint(pt, 10, 7)
	if err != nil {
		return rtpFormat{}, false
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 || parts[0] == "" {
		return rtpFormat{}, false
	}
	clock, err := strconv.Atoi(parts[1])
	if err != nil || clock <= 0 {
		return rtpFormat{}, false
	}
	f := rtpFormat{pt: uint8(n), name: parts[0], clock: clock, channels: 1}
	if len(parts) > 2 {
		if c, err := strconv.Atoi(parts[2]); err == nil && c > 0 {
			f.channels = c
		}
	}
	return f, true
}

// parseRTCPAttr parses "a=rtcp:port [IN IP4 addr]" (RFC 3605), keeping
// def where the attribute is unusable.
func parseRTCPAttr(v string, def netip.AddrPort) netip.AddrPort {
	f := strings.Fields(v)
	if len(f) == 0 {
		return def
	}
	port, err := strconv.Atoi(f[0])
	if err != nil || port <= 0 || port > 65535 {
		return def
	}
	addr := def.Addr()
	if len(f) == 4 {
		if a, err := netip.ParseAddr(f[3]); err == nil {
			addr = a.Unmap()
		}
	}
	return netip.AddrPortFrom(addr, uint16(port))
}

// dtmfFormat returns the stream's telephone-event format for an audio
// clock rate: the one at that rate if offered (RFC 4733 section 2.1:
// events share the audio's timestamp clock), else the 8 kHz one, else
// any. ok is false when none is offered.
func (st *audioStream) dtmfFormat(clock int) (rtpFormat, bool) {
	var found []rtpFormat
	for _, f := range st.formats {
		if strings.EqualFold(f.name, "telephone-event") {
			found = append(found, f)
		}
	}
	for _, want := range []int{clock, 8000} {
		for _, f := range found {
			if f.clock == want {
				return f, true
			}
		}
	}
	if len(found) > 0 {
		return found[0], true
	}
	return rtpFormat{}, false
}

// matches reports whether f is codec c.
func (f rtpFormat) matches(c codecSpec) bool {
	return strings.EqualFold(f.name, c.name) && f.clock == c.clock
}
