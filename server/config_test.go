package server_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/server"
)

func TestParseConfig(t *testing.T) {
	cfg, err := server.ParseConfig("parley.yaml", []byte(`
language: en
stt:
  provider: sphinx
  budget: 2s
tts:
  provider: flite
  fallback: [espeak]
  voice: awb
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.STT.Budget != 2*time.Second || cfg.TTS.Voice != "awb" || cfg.TTS.Fallback[0] != "espeak" {
		t.Errorf("config = %+v", cfg)
	}
	// Unspecified fields keep their defaults.
	if cfg.VAD.Detector != server.DefaultConfig().VAD.Detector || cfg.TTS.Budget != 800*time.Millisecond {
		t.Errorf("defaults lost: %+v", cfg)
	}
	if _, err := server.ParseConfig("empty.yaml", nil); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		desc  string
		yaml  string
		line  int
		field string
		want  string
	}{
		{"unknown field", "language: en\nstt:\n  provider: sphinx\n  provder: x\n", 4, "provder", "unknown field"},
		{"unknown recognizer", "stt:\n  provider: whisper\n", 2, "stt.provider", "use sphinx or openai"},
		{"unknown fallback", "tts:\n  provider: flite\n  fallback: [festival]\n", 3, "tts.fallback", "use flite, espeak or openai"},
		{"bad duration", "stt:\n  budget: soon\n", 2, "", "cannot unmarshal"},
		{"budget out of range", "language: en\nstt:\n  budget: 10ms\n", 3, "stt.budget", "between 100ms and 1m"},
		{"empty language", "language: \"\"\n", 1, "language", "must not be empty"},
		{"vad section", "vad:\n  detector: magic\n", 2, "vad.detector", "magic"},
		{"malformed yaml", "stt: [\n", 1, "", ""},
	}
	for _, tc := range tests {
		_, err := server.ParseConfig("parley.yaml", []byte(tc.yaml))
		var ce *server.ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, server.ErrConfig) {
			t.Errorf("%s: err = %v, want a *ConfigError", tc.desc, err)
			continue
		}
		if ce.File != "parley.yaml" || ce.Line != tc.line || ce.Field != tc.field || !strings.Contains(ce.Error(), tc.want) {
			t.Errorf("%s: err = %q (line %d field %q), want line %d field %q containing %q",
				tc.desc, ce.Error(), ce.Line, ce.Field, tc.line, tc.field, tc.want)
		}
		if !strings.HasPrefix(ce.Error(), "parley.yaml:") {
			t.Errorf("%s: %q does not start with the file name", tc.desc, ce.Error())
		}
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := server.LoadConfig(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !errors.Is(err, server.ErrConfig) {
		t.Errorf("err = %v", err)
	}
}
