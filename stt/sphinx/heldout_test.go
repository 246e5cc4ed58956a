package sphinx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/internal/speecheval"
)

// heldOutPath is the reference domain's caller utterances, which this
// package was not tuned on (settings were chosen on
// testdata/dev_utterances.yaml): the shared fixtures next to the
// repository.
const heldOutPath = "../../../shared/fixtures/retail/intents.yaml"

// heldOutSubset is the number of utterances evaluated without
// PARLEY_SPHINX_EVAL (spread over the intents; about 35 s of audio per
// condition).
const heldOutSubset = 30

// heldOutCondition is one way callers' audio reaches the recognizer, with
// the word error rate bounds measured on the subset and the full set.
type heldOutCondition struct {
	desc       string
	band       speecheval.Band
	streamRate int // 0: the band's rate
	maxSubset  float64
	maxFull    float64
	fullOnly   bool
}

// heldOutConditions are measured on the 2-core development machine with
// the en-us model of pocketsphinx-en-us 0.8+5prealpha; see the package
// documentation for the numbers. The bounds leave a margin of about 3
// errors in 100 words for another build of the engine or of flite.
func heldOutConditions() []heldOutCondition {
	return []heldOutCondition{
		{desc: "16 kHz", band: speecheval.Wideband, maxSubset: 0.22, maxFull: 0.26},
		{desc: "8 kHz mu-law on an 8 kHz stream", band: speecheval.Telephone, maxSubset: 0.40, maxFull: 0.42},
		{desc: "8 kHz mu-law upsampled to a 16 kHz stream", band: speecheval.Telephone, streamRate: 16000,
			maxSubset: 0.40, maxFull: 0.42, fullOnly: true},
	}
}

// heldOutClips synthesizes the held-out utterances (a subset unless full)
// with the flite voices in turn, one at a time so that the clustergen
// voices' excitation noise, drawn from libc's rand(), is the same from
// run to run.
func heldOutClips(t *testing.T, full bool) []speecheval.Clip {
	t.Helper()
	us, err := speecheval.LoadUtterances(heldOutPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("the held-out utterances %s are absent (the shared fixtures sit next to the repository)", heldOutPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !full {
		us = speecheval.Subset(us, heldOutSubset)
	}
	voices, closeVoices, err := speecheval.LocalVoices(false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := closeVoices(); err != nil {
			t.Error(err)
		}
	}()
	clips, err := speecheval.Synthesize(context.Background(), us, voices, speecheval.WithSynthesisConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	return clips
}

// TestHeldOutWER streams synthetic caller utterances the recognizer was
// not tuned on, each as the first utterance of a new call with the energy
// voice activity detector's segmentation, at 16 kHz and through the
// telephone band (8 kHz, G.711 mu-law), and bounds the word error rate.
// PARLEY_SPHINX_EVAL=1 runs the whole set (135 utterances) and the
// telephone band also as the session streams it (upsampled to 16 kHz,
// where the stream measures the band).
func TestHeldOutWER(t *testing.T) {
	full := os.Getenv(envEval) != ""
	clips := heldOutClips(t, full)
	// Clips are written faster than real time: the backlog holds the
	// longest whole, so that no audio is dropped.
	r := newRecognizer(t, WithMaxDecoders(2), WithBacklog(time.Minute))
	for _, c := range heldOutConditions() {
		if c.fullOnly && !full {
			continue
		}
		t.Run(c.desc, func(t *testing.T) {
			before := r.Stats().TelephoneBand
			rep, err := speecheval.EvalStream(context.Background(), r, clips, speecheval.WithBand(c.band),
				speecheval.WithStreamRate(c.streamRate), speecheval.WithConcurrency(2))
			if err != nil {
				t.Fatal(err)
			}
			logReport(t, &rep)
			bound := c.maxSubset
			if full {
				bound = c.maxFull
			}
			if rep.WER() > bound {
				t.Errorf("word error rate %.3f (%d/%d) above %.2f", rep.WER(), rep.Errors, rep.Words, bound)
			}
			if measured := r.Stats().TelephoneBand - before; c.streamRate == 16000 && measured != uint64(len(clips)) {
				t.Errorf("%d of %d upsampled telephone streams measured as telephone band", measured, len(clips))
			}
		})
	}
}

// logReport logs an evaluation's errors and its word error rate per voice.
func logReport(t *testing.T, rep *speecheval.Report) {
	t.Helper()
	perVoice := map[string]speecheval.Score{}
	for _, res := range rep.Results {
		perVoice[res.Voice] = perVoice[res.Voice].Add(res.Score)
		if res.Errors > 0 {
			t.Logf("%-22s %-12s %q -> %q (%d errors)", res.ID, res.Voice, res.Ref, res.Hyp, res.Errors)
		}
	}
	voices := make([]string, 0, len(perVoice))
	for v := range perVoice {
		voices = append(voices, v)
	}
	slices.Sort(voices)
	for _, v := range voices {
		t.Logf("%-12s word error rate %.3f (%d/%d)", v, perVoice[v].WER(), perVoice[v].Errors, perVoice[v].Words)
	}
	t.Logf("%s: word error rate %.3f (%d/%d), %.0f s of audio, %.3f s of CPU per second of audio",
		rep.Band, rep.WER(), rep.Errors, rep.Words, rep.Audio.Seconds(), rep.RTF())
}

// TestEvalTelephoneBand compares the telephone-band settings on the whole
// held-out set (or the intents file in $PARLEY_SPHINX_EVAL_SET, such as
// testdata/dev_utterances.yaml, the set they were chosen on): word error
// rate and CPU per second of audio for each condition, with band
// processing off (Config.Band wide, the engine as it was), on (auto, the
// default) and on with Config.FlatPass. Final-result latency is measured
// in real time by parley bench speech. It takes about half an hour on two
// cores.
func TestEvalTelephoneBand(t *testing.T) {
	if os.Getenv(envEval) == "" {
		t.Skipf("set %s=1 to run (about half an hour)", envEval)
	}
	var clips []speecheval.Clip
	if set := os.Getenv("PARLEY_SPHINX_EVAL_SET"); set != "" {
		us, err := speecheval.LoadUtterances(set)
		if err != nil {
			t.Fatal(err)
		}
		voices, closeVoices, err := speecheval.LocalVoices(false)
		if err != nil {
			t.Fatal(err)
		}
		defer closeVoices()
		if clips, err = speecheval.Synthesize(context.Background(), us, voices, speecheval.WithSynthesisConcurrency(1)); err != nil {
			t.Fatal(err)
		}
	} else {
		clips = heldOutClips(t, true)
	}
	settings := []struct {
		name string
		opts []Option
	}{
		{"band=wide", []Option{WithBand(BandWide)}},
		{"band=auto", []Option{WithBand(BandAuto)}},
		{"band=auto flat_pass", []Option{WithBand(BandAuto), WithFlatPass(true)}},
	}
	var table []string
	for _, s := range settings {
		r := newRecognizer(t, append([]Option{WithMaxDecoders(2), WithBacklog(time.Minute)}, s.opts...)...)
		for _, c := range heldOutConditions() {
			rep, err := speecheval.EvalStream(context.Background(), r, clips, speecheval.WithBand(c.band),
				speecheval.WithStreamRate(c.streamRate), speecheval.WithConcurrency(2))
			if err != nil {
				t.Fatal(err)
			}
			table = append(table, fmt.Sprintf("%-20s %-42s WER %.3f (%d/%d)  RTF %.3f", s.name, c.desc,
				rep.WER(), rep.Errors, rep.Words, rep.RTF()))
			t.Log(table[len(table)-1])
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d clips:\n%s", len(clips), strings.Join(table, "\n"))
}
