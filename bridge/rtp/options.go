package rtp

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// Defaults of the options.
const (
	// DefaultRTCPInterval is the mean interval between RTCP reports
	// (RFC 3550 section 6.2 minimum), randomised by +-50%.
	DefaultRTCPInterval = 5 * time.Second
	// DefaultDTMFTone and DefaultDTMFGap are the length of each RFC 4733
	// event SendDTMF plays and the pause after it.
	DefaultDTMFTone = 100 * time.Millisecond
	DefaultDTMFGap  = 60 * time.Millisecond
	// MaxPendingDTMF bounds the digits SendDTMF queues.
	MaxPendingDTMF = 64
)

// Option configures a Session. Options validate their argument and make
// NewSession fail with ErrInvalidConfig when it is out of range.
type Option func(*options) error

// options holds the settings of a Session.
type options struct {
	pacer        *audio.Pacer
	log          *slog.Logger
	callID       string
	now          func() time.Time
	rtcpInterval time.Duration
	dtmfTone     time.Duration
	dtmfGap      time.Duration
	jitter       []audio.JitterOption
}

// defaultOptions returns the options before any Option is applied.
func defaultOptions() options {
	return options{
		log: slog.New(slog.DiscardHandler), now: time.Now,
		rtcpInterval: DefaultRTCPInterval, dtmfTone: DefaultDTMFTone, dtmfGap: DefaultDTMFGap,
	}
}

// WithPacer sends the session's audio on p's ticks (shared by all calls)
// instead of a pacer of its own. The caller owns p and closes it after
// the sessions.
func WithPacer(p *audio.Pacer) Option {
	return func(o *options) error {
		if p == nil {
			return fmt.Errorf("%w: WithPacer(nil)", ErrInvalidConfig)
		}
		o.pacer = p
		return nil
	}
}

// WithLogger sets the logger (default: discard). Every record carries
// the call_id of WithCallID when one is given.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrInvalidConfig)
		}
		o.log = l
		return nil
	}
}

// WithCallID names the call (bridge.Info.ID) in the session's logs.
func WithCallID(id string) Option {
	return func(o *options) error {
		o.callID = id
		return nil
	}
}

// WithNow sets the clock that times the media timeout, RTCP reports,
// keypad events and packet arrivals (default time.Now). Tests pass a fake
// clock; sending stays on the pacer's clock.
func WithNow(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return fmt.Errorf("%w: WithNow(nil)", ErrInvalidConfig)
		}
		o.now = now
		return nil
	}
}

// WithRTCPInterval sets the mean interval between RTCP reports, 100 ms to
// 1 min (default 5 s); each interval is randomised by +-50% (RFC 3550
// section 6.3.1).
func WithRTCPInterval(d time.Duration) Option {
	return func(o *options) error {
		if d < 100*time.Millisecond || d > time.Minute {
			return fmt.Errorf("%w: WithRTCPInterval(%v): want 100ms..1m", ErrInvalidConfig, d)
		}
		o.rtcpInterval = d
		return nil
	}
}

// WithDTMFTiming sets how long each digit SendDTMF plays (40 ms..1 s,
// default 100 ms) and the pause after it (20 ms..1 s, default 60 ms).
// Both are rounded up to whole 20 ms frames.
func WithDTMFTiming(tone, gap time.Duration) Option {
	return func(o *options) error {
		if tone < 40*time.Millisecond || tone > time.Second || gap < 20*time.Millisecond || gap > time.Second {
			return fmt.Errorf("%w: WithDTMFTiming(%v, %v): want a tone of 40ms..1s and a gap of 20ms..1s", ErrInvalidConfig, tone, gap)
		}
		o.dtmfTone, o.dtmfGap = tone, gap
		return nil
	}
}

// WithJitterOptions passes options to the session's jitter buffer (for
// example audio.WithJitterDepth to trade delay for robustness). The
// buffer's clock rate and clock are the session's (the codec's RTP clock
// and WithNow): audio.WithClockRate and audio.WithJitterNow are
// overridden. An invalid option makes negotiation fail.
func WithJitterOptions(opts ...audio.JitterOption) Option {
	return func(o *options) error {
		o.jitter = append(o.jitter, opts...)
		return nil
	}
}

// frames rounds d up to whole 20 ms frames.
func frames(d time.Duration) int {
	return int((d + audio.FrameDuration - 1) / audio.FrameDuration)
}
