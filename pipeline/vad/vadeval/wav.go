package vadeval

import (
	"bytes"
	"fmt"
	"math"

	"github.com/parley-voice/parley/pipeline/audio"
)

// decodeTo16k decodes a WAV file (any rate, any channel count; a streamed
// header whose data size overstates the audio is accepted) to mono PCM16 at
// Rate.
func decodeTo16k(data []byte) ([]int16, error) {
	// eSpeak NG streams to stdout with a placeholder data size near 2 GiB;
	// the reader stops at the end of the bytes actually present.
	w, err := audio.ReadWAV(bytes.NewReader(data), audio.WithMaxWAVBytes(math.MaxUint32))
	if err != nil {
		return nil, err
	}
	mono := w.Mono(nil)
	if w.Rate == Rate {
		return mono, nil
	}
	out, err := audio.Resample(nil, mono, w.Rate, Rate)
	if err != nil {
		return nil, fmt.Errorf("resampling %d Hz: %w", w.Rate, err)
	}
	return out, nil
}
