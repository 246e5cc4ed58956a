package sphinx

import (
	"context"
	"testing"
	"time"

	"github.com/parley-voice/parley/pipeline"
	"github.com/parley-voice/parley/pipeline/audio"
)

// TestEndOfSpeechPostRoll checks when a stream ends an utterance after the
// session reports the end of speech: at once when the frames the session
// still called speech were quiet for at least the post-roll (its
// segmenter's hangover), else after the rest of the post-roll.
func TestEndOfSpeechPostRoll(t *testing.T) {
	frame := audio.SamplesFor(16000, audio.FrameDuration)
	tests := []struct {
		desc      string
		quietProb float32       // the score of the hangover frames
		hangover  time.Duration // quiet frames still reported as speech
		voicedAt0 bool          // whether the speech frames score as voiced
		wantTrail time.Duration // audio still to queue after the end of speech
	}{
		{"a hangover longer than the post-roll ends at once", 0.1, 300 * time.Millisecond, true, 0},
		{"a short hangover leaves the rest of the post-roll", 0.1, 80 * time.Millisecond, true, DefaultPostRoll - 80*time.Millisecond},
		{"voiced frames up to the end: the whole post-roll", 0.9, 300 * time.Millisecond, true, DefaultPostRoll},
		{"scores that never say voiced: the whole post-roll", 0, 300 * time.Millisecond, false, DefaultPostRoll},
	}
	r := shared(t)
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			st, col := openStream(t, r, context.Background(), pipeline.RecognitionConfig{Rate: 16000})
			speech := loadClip(t, "yes_slt.wav").pcm
			write := func(samples []int16, v pipeline.Voice) {
				for i := 0; i+frame <= len(samples); i += frame {
					if err := st.WriteVoice(audio.Frame{Rate: 16000, Samples: samples[i : i+frame]}, v); err != nil {
						t.Fatal(err)
					}
				}
			}
			voiced := float32(0)
			if tc.voicedAt0 {
				voiced = 0.9
			}
			write(silence(300*time.Millisecond), pipeline.Voice{Prob: 0.05})
			write(speech, pipeline.Voice{Prob: voiced, Speaking: true, Pad: 60 * time.Millisecond})
			write(silence(tc.hangover), pipeline.Voice{Prob: tc.quietProb, Speaking: true, Pad: 60 * time.Millisecond})
			write(silence(audio.FrameDuration), pipeline.Voice{Prob: 0.05, Pad: 60 * time.Millisecond})
			trail := sampleTime(max(st.trail, 0))
			if !st.inUtt {
				trail = 0
			}
			// The frame that ended speech was queued up to the trail.
			if want := max(tc.wantTrail-audio.FrameDuration, 0); trail != want {
				t.Errorf("post-roll still to queue %v (in utterance %v), want %v", trail, st.inUtt, want)
			}
			if tc.wantTrail == 0 {
				if f := col.waitFinals(t, 1)[0]; f.Text == "" {
					t.Errorf("empty final for %q", "yes")
				}
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
