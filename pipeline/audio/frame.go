package audio

import (
	"fmt"
	"time"
)

// FrameDuration is the duration of one frame on Parley's media paths (20 ms,
// the RTP packetisation interval used by telephony and WebRTC).
const FrameDuration = 20 * time.Millisecond

// Supported sample rates, in Hz.
const (
	Rate8k  = 8000
	Rate16k = 16000
	Rate24k = 24000
	Rate48k = 48000
)

// PipelineRate is the rate the inside of a call runs at: transports convert to
// it at their edge.
const PipelineRate = Rate16k

// Frame is a chunk of mono PCM16 audio at an explicit sample rate.
//
// A Frame does not own its Samples: whoever produced it may reuse the backing
// array once the consumer returns, so a consumer that keeps audio beyond the
// call that handed it over must copy it (see Clone).
type Frame struct {
	// Rate is the sample rate in Hz.
	Rate int
	// Samples holds signed 16-bit linear PCM, one channel.
	Samples []int16
}

// NewFrame returns a silent frame of duration d at rate hz.
func NewFrame(hz int, d time.Duration) Frame {
	return Frame{Rate: hz, Samples: make([]int16, SamplesFor(hz, d))}
}

// SamplesFor returns how many samples at rate hz last d.
func SamplesFor(hz int, d time.Duration) int {
	return int(int64(hz) * int64(d) / int64(time.Second))
}

// Duration returns how long the frame lasts; zero if Rate is not set.
func (f Frame) Duration() time.Duration {
	if f.Rate <= 0 {
		return 0
	}
	return time.Duration(len(f.Samples)) * time.Second / time.Duration(f.Rate)
}

// Clone returns a copy of f that shares no memory with it.
func (f Frame) Clone() Frame {
	s := make([]int16, len(f.Samples))
	copy(s, f.Samples)
	return Frame{Rate: f.Rate, Samples: s}
}

// Validate reports whether f has a supported rate and a whole number of
// milliseconds of audio.
func (f Frame) Validate() error {
	if !SupportedRate(f.Rate) {
		return fmt.Errorf("%w: %d Hz (want 8000, 16000, 24000 or 48000)", ErrUnsupportedRate, f.Rate)
	}
	if len(f.Samples)%(f.Rate/1000) != 0 {
		return fmt.Errorf("%w: %d samples at %d Hz is not a whole number of milliseconds", ErrBadFrame, len(f.Samples), f.Rate)
	}
	return nil
}

// SupportedRate reports whether hz is one of the rates Parley converts between.
func SupportedRate(hz int) bool {
	switch hz {
	case Rate8k, Rate16k, Rate24k, Rate48k:
		return true
	}
	return false
}
