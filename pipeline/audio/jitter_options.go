package audio

import (
	"fmt"
	"time"
)

// jitterConfig holds the options of a JitterBuffer.
type jitterConfig struct {
	clockRate   int
	minDepth    time.Duration
	maxDepth    time.Duration
	initDepth   time.Duration
	mode        ConcealMode
	concealer   Concealer
	shrinkAfter time.Duration
	maxPayload  int
	now         func() time.Time
}

// JitterOption configures a JitterBuffer. Options validate their argument
// and make NewJitterBuffer fail with ErrInvalidOption when it is out of
// range.
type JitterOption func(*jitterConfig) error

// WithClockRate sets the RTP clock rate of the payload in Hz (RFC 3551):
// 8000 for G.711, 48000 for Opus whatever rate it is decoded at. The default
// is the buffer's output rate.
func WithClockRate(hz int) JitterOption {
	return func(c *jitterConfig) error {
		if hz < 1000 || hz > 192000 || hz%50 != 0 {
			return fmt.Errorf("%w: WithClockRate(%d): want 1000..192000 Hz, a multiple of 50 (a whole number of ticks per 20 ms)", ErrInvalidOption, hz)
		}
		c.clockRate = hz
		return nil
	}
}

// WithJitterDepth bounds the adaptive playout delay: it never drops below
// minDepth (the latency floor, default 40 ms) and never grows beyond
// maxDepth (default 300 ms, at most 2 s). Larger values ride out worse
// networks at the cost of conversational delay.
func WithJitterDepth(minDepth, maxDepth time.Duration) JitterOption {
	return func(c *jitterConfig) error {
		if minDepth < 0 || maxDepth < FrameDuration || minDepth > maxDepth || maxDepth > 2*time.Second {
			return fmt.Errorf("%w: WithJitterDepth(%v, %v): want 0 <= min <= max, 20ms <= max <= 2s", ErrInvalidOption, minDepth, maxDepth)
		}
		c.minDepth, c.maxDepth = minDepth, maxDepth
		return nil
	}
}

// WithInitialJitterDepth sets the playout delay used before the network has
// been measured (default 60 ms); it is clamped to the WithJitterDepth bounds.
func WithInitialJitterDepth(d time.Duration) JitterOption {
	return func(c *jitterConfig) error {
		if d < 0 || d > 2*time.Second {
			return fmt.Errorf("%w: WithInitialJitterDepth(%v): want 0..2s", ErrInvalidOption, d)
		}
		c.initDepth = d
		return nil
	}
}

// WithConcealment selects how lost audio is filled in (default ConcealAuto).
func WithConcealment(mode ConcealMode) JitterOption {
	return func(c *jitterConfig) error {
		if mode < ConcealAuto || mode > ConcealRepeat {
			return fmt.Errorf("%w: WithConcealment(%d): want ConcealAuto, ConcealSilence or ConcealRepeat", ErrInvalidOption, mode)
		}
		c.mode = mode
		return nil
	}
}

// WithConcealer installs a custom concealment hook, used instead of the
// WithConcealment mode. It is called from Pop only.
func WithConcealer(cc Concealer) JitterOption {
	return func(c *jitterConfig) error {
		if cc == nil {
			return fmt.Errorf("%w: WithConcealer(nil)", ErrInvalidOption)
		}
		c.concealer = cc
		return nil
	}
}

// WithShrinkAfter sets how long the network must stay calm before the
// playout delay shrinks by one frame (default 2 s). Shorter values cut delay
// sooner but risk more underruns on bursty networks.
func WithShrinkAfter(d time.Duration) JitterOption {
	return func(c *jitterConfig) error {
		if d < 0 || d > time.Minute {
			return fmt.Errorf("%w: WithShrinkAfter(%v): want 0..1m", ErrInvalidOption, d)
		}
		c.shrinkAfter = d
		return nil
	}
}

// WithMaxPayload sets the largest payload accepted, in bytes (default 1500,
// one Ethernet MTU); larger packets are dropped as invalid. Together with the
// maximum depth it bounds the buffer's memory.
func WithMaxPayload(n int) JitterOption {
	return func(c *jitterConfig) error {
		if n < 1 || n > 65535 {
			return fmt.Errorf("%w: WithMaxPayload(%d): want 1..65535 bytes", ErrInvalidOption, n)
		}
		c.maxPayload = n
		return nil
	}
}

// WithJitterNow sets the clock used to time packet arrivals and delay
// changes (default time.Now). Tests pass a fake clock.
func WithJitterNow(now func() time.Time) JitterOption {
	return func(c *jitterConfig) error {
		if now == nil {
			return fmt.Errorf("%w: WithJitterNow(nil)", ErrInvalidOption)
		}
		c.now = now
		return nil
	}
}
