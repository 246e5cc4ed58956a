package vadeval

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
)

// Engine names a command-line speech synthesizer.
type Engine string

// Synthesizers used for evaluation speech.
const (
	// Flite is CMU Flite (Debian package flite).
	Flite Engine = "flite"
	// EspeakNG is eSpeak NG (Debian package espeak-ng).
	EspeakNG Engine = "espeak-ng"
)

// Voice is one synthetic speaker.
type Voice struct {
	Engine Engine
	// Name is the engine's voice name (flite -voice, espeak-ng -v).
	Name string
}

// String returns engine:name, e.g. "flite:slt".
func (v Voice) String() string { return string(v.Engine) + ":" + v.Name }

// Voices returns the evaluation speakers: four Flite voices (slt, rms, awb at
// 16 kHz; kal at 8 kHz, i.e. telephone-band speech once resampled) and three
// eSpeak NG voices (22.05 kHz).
func Voices() []Voice {
	return []Voice{
		{Flite, "slt"}, {Flite, "rms"}, {Flite, "awb"}, {Flite, "kal"},
		{EspeakNG, "en-us"}, {EspeakNG, "en-gb"}, {EspeakNG, "en-us+f3"},
	}
}

// Sentences returns the evaluation texts: what callers say to a contact
// centre, from a word to a long request.
func Sentences() []string {
	return []string{
		"Hello?",
		"I would like to return the jacket I bought last week.",
		"Yes.",
		"My order number is four five seven, two nine one, eight.",
		"Can you tell me when the store on Main Street opens tomorrow?",
		"No, that is not what I asked for.",
		"I need to speak to a person, please.",
		"The package arrived damaged, and the box was wet.",
		"Okay, thank you very much for your help.",
		"Could you check whether the blue one is available in a medium size?",
		"Uh huh.",
		"I have been waiting on hold for twenty minutes.",
	}
}

// Synthesizer runs the speech synthesis commands.
type Synthesizer struct {
	paths map[Engine]string
}

// NewSynthesizer finds flite and espeak-ng on PATH. It fails with
// ErrNoSynthesizer when neither is there; Missing lists absent ones.
func NewSynthesizer() (*Synthesizer, error) {
	s := &Synthesizer{paths: map[Engine]string{}}
	for _, e := range []Engine{Flite, EspeakNG} {
		if p, err := exec.LookPath(string(e)); err == nil {
			s.paths[e] = p
		}
	}
	if len(s.paths) == 0 {
		return nil, ErrNoSynthesizer
	}
	return s, nil
}

// Has reports whether engine e is installed.
func (s *Synthesizer) Has(e Engine) bool { _, ok := s.paths[e]; return ok }

// Missing lists the engines not installed.
func (s *Synthesizer) Missing() []Engine {
	var out []Engine
	for _, e := range []Engine{Flite, EspeakNG} {
		if !s.Has(e) {
			out = append(out, e)
		}
	}
	return out
}

// Speak synthesises text with voice v and returns it at Rate as full-scale
// floats.
func (s *Synthesizer) Speak(ctx context.Context, v Voice, text string) ([]float64, error) {
	path, ok := s.paths[v.Engine]
	if !ok {
		return nil, fmt.Errorf("%w: %s is not installed", ErrSynthesis, v.Engine)
	}
	var cmd *exec.Cmd
	switch v.Engine {
	case Flite:
		cmd = exec.CommandContext(ctx, path, "-voice", v.Name, "-t", text, "-o", "/dev/stdout")
	case EspeakNG:
		cmd = exec.CommandContext(ctx, path, "-v", v.Name, "--stdout", text)
	default:
		return nil, fmt.Errorf("%w: unknown engine %q", ErrSynthesis, v.Engine)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v: %s", ErrSynthesis, v, err, bytes.TrimSpace(errOut.Bytes()))
	}
	pcm, err := decodeTo16k(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %s output: %w", ErrSynthesis, v, err)
	}
	return fromPCM(pcm), nil
}
