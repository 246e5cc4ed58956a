package sip

import (
	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/rtp"
)

// media is the part of *rtp.Session a call drives: SDP offer/answer and the
// RTP stream. The Server builds one per call with options.newMedia.
type media interface {
	// Answer returns the SDP answer to the far end's offer.
	Answer(offer []byte) ([]byte, error)
	// Offer returns an SDP offer (outbound calls, INVITEs without SDP).
	Offer() ([]byte, error)
	// SetAnswer applies the far end's answer to Offer.
	SetAnswer(answer []byte) error
	// Update answers a new offer during the call (re-INVITE, UPDATE).
	Update(offer []byte) ([]byte, error)
	// Start connects the negotiated stream to ep.
	Start(ep bridge.Endpoint) error
	// SendDTMF sends RFC 4733 events.
	SendDTMF(digits string) error
	// Codec names the negotiated codec ("PCMU/8000").
	Codec() string
	// Remote is where RTP is sent (host:port).
	Remote() string
	// Done is closed when the media ends (Close or media timeout).
	Done() <-chan struct{}
	// Err says why the media ended.
	Err() error
	// Stats returns the stream's counters.
	Stats() rtp.Stats
	// Close releases the ports; it is idempotent.
	Close() error
}

// newRTPMedia builds a call's media on the Server's ports and pacer.
func newRTPMedia(s *Server, c *call) (media, error) {
	return rtp.NewSession(s.media, s.ports, rtp.WithPacer(s.pacer), rtp.WithLogger(c.log), rtp.WithCallID(c.info.ID))
}
