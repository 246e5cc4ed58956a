package sip

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// Option configures a Server. Options check their argument and make
// NewServer fail with ErrInvalidConfig when it is unusable.
type Option func(*options) error

// options holds what the Options set.
type options struct {
	log   *slog.Logger
	pacer *audio.Pacer
	ports *rtp.Ports
	clock pipeline.Clock
	tls   *tls.Config
	// newMedia builds the media of one call; tests replace it.
	newMedia func(s *Server, c *call) (media, error)
}

// WithLogger sets the logger (default: discard). Every call's records
// carry its call_id; sipgo's own records carry component=sipgo.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrInvalidConfig)
		}
		o.log = l
		return nil
	}
}

// WithPacer sends every call's bot audio on p's ticks. One pacer is meant
// to be shared by all the calls of a process (and by all transports); the
// caller keeps ownership and closes it after the Server. Without it the
// Server starts a pacer of its own and closes it on Close.
func WithPacer(p *audio.Pacer) Option {
	return func(o *options) error {
		if p == nil {
			return fmt.Errorf("%w: WithPacer(nil)", ErrInvalidConfig)
		}
		o.pacer = p
		return nil
	}
}

// WithPorts takes RTP ports from p (shared, for example, with another
// server on the same host) instead of an allocator built from the media
// configuration's port range.
func WithPorts(p *rtp.Ports) Option {
	return func(o *options) error {
		if p == nil {
			return fmt.Errorf("%w: WithPorts(nil)", ErrInvalidConfig)
		}
		o.ports = p
		return nil
	}
}

// WithClock sets the clock that times ringing, session timers, nonce
// lifetimes, outbound INVITE timeouts and call start times (default: the
// system clock). SIP retransmission timers are sipgo's and run on the
// system clock.
func WithClock(c pipeline.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("%w: WithClock(nil)", ErrInvalidConfig)
		}
		o.clock = c
		return nil
	}
}

// WithTLSConfig sets the TLS configuration of the TLS listener instead of
// one loaded from Config.TLS.Cert and Key (for certificates that rotate,
// through tls.Config.GetCertificate).
func WithTLSConfig(c *tls.Config) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("%w: WithTLSConfig(nil)", ErrInvalidConfig)
		}
		o.tls = c
		return nil
	}
}

// buildOptions applies opts over the defaults.
func buildOptions(opts []Option) (*options, error) {
	o := &options{
		log:      slog.New(slog.DiscardHandler),
		clock:    pipeline.SystemClock(),
		newMedia: newRTPMedia,
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: nil Option", ErrInvalidConfig)
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// after returns a channel that receives once d has passed on clk, and the
// function that stops it. It is a one-shot timer built from the clock's
// ticker so that a fake clock drives it in tests.
func after(clk pipeline.Clock, d time.Duration) (<-chan time.Time, func()) {
	t := clk.NewTicker(max(d, time.Millisecond))
	return t.C(), t.Stop
}
