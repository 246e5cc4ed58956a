package bridgetest

import (
	"fmt"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// errBadFrame reports a frame a pipeline.Session would refuse, wrapping
// pipeline.ErrBadFrame so that transports see the same error as in
// production.
func errBadFrame(f audio.Frame) error {
	return fmt.Errorf("%w: %d samples at %d Hz (want %d Hz)", pipeline.ErrBadFrame, len(f.Samples), f.Rate, audio.PipelineRate)
}
