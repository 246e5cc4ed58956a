package vadeval

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestBuild(t *testing.T) {
	s, err := NewSynthesizer()
	if errors.Is(err, ErrNoSynthesizer) {
		t.Skip("flite and espeak-ng are not installed (make deps installs them)")
	}
	if err != nil {
		t.Fatal(err)
	}
	voices := Voices()[:1]
	if !s.Has(Flite) {
		voices = Voices()[4:5]
	}
	opts := Options{Voices: voices, Sentences: Sentences()[1:3], SNRs: []float64{10}, Colors: []NoiseColor{Pink}, NonSpeechSeconds: 2}
	conds, err := Build(context.Background(), s, opts)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range conds {
		names = append(names, c.Name)
		if len(c.Labels) != len(c.Samples)/FrameSamples {
			t.Errorf("%s: %d labels for %d samples", c.Name, len(c.Labels), len(c.Samples))
		}
		speech := slices.Contains(c.Labels, true)
		if speech != (c.Group != NonSpeech) {
			t.Errorf("%s (%s): has speech labels %v", c.Name, c.Group, speech)
		}
	}
	want := []string{"clean", "pink 10dB", "pure pink", "pink step +20dB", "dtmf", "chords pure", "chords harmonic", "sweeps"}
	if !slices.Equal(names, want) {
		t.Errorf("conditions %v, want %v", names, want)
	}
	// The same seed gives the same material.
	again, err := Build(context.Background(), s, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range conds {
		if !slices.Equal(conds[i].Samples, again[i].Samples) {
			t.Errorf("%s differs between two builds", conds[i].Name)
		}
	}
}

func TestSpeakUnknownVoice(t *testing.T) {
	s, err := NewSynthesizer()
	if err != nil {
		t.Skip(err)
	}
	if _, err := s.Speak(context.Background(), Voice{Engine: "festival", Name: "x"}, "hi"); !errors.Is(err, ErrSynthesis) {
		t.Errorf("an engine that is not installed: %v", err)
	}
}
