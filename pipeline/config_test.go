package pipeline_test

import (
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-voice/parley/pipeline"
)

func TestConfigYAML(t *testing.T) {
	src := `
language: zh
output_buffer: 1500ms
turn:
  vad:
    min_speech: 120ms
  end_of_turn:
    silence: 800ms
    final_timeout: -1ns
    continuation_words: [and, 然后]
  barge_in:
    min_speech: 60ms
    backchannels: ["uh huh", 嗯]
`
	cfg := pipeline.DefaultConfig()
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c := cfg.WithDefaults()
	switch {
	case c.Language != "zh" || c.OutputBuffer != 1500*time.Millisecond:
		t.Errorf("call fields %+v", c)
	case c.Turn.VAD.MinSpeech != 120*time.Millisecond || c.Turn.VAD.OnsetThreshold != 0.5:
		t.Errorf("vad %+v", c.Turn.VAD)
	case c.Turn.EndOfTurn.Silence != 800*time.Millisecond || c.Turn.EndOfTurn.FinalTimeout >= 0:
		t.Errorf("end of turn %+v", c.Turn.EndOfTurn)
	case len(c.Turn.EndOfTurn.ContinuationWords) != 2 || c.Turn.EndOfTurn.CompleteSilence != 350*time.Millisecond:
		t.Errorf("end of turn %+v", c.Turn.EndOfTurn)
	case c.Turn.BargeIn.MinSpeech != 60*time.Millisecond || len(c.Turn.BargeIn.Backchannels) != 2:
		t.Errorf("barge-in %+v", c.Turn.BargeIn)
	}
}
