package speecheval

import (
	"errors"
	"fmt"

	"github.com/parley-voice/parley/tts/espeak"
	"github.com/parley-voice/parley/tts/flite"
)

// FliteVoices returns the flite voices of the evaluation corpus, in the
// order utterances are dealt to them: slt (US female), rms (US male), awb
// (Scottish male) and kal16 (US male diphone voice).
func FliteVoices() []string { return []string{"slt", "rms", "awb", "kal16"} }

// EspeakVoice is the espeak-ng voice of the evaluation corpus.
const EspeakVoice = "en-us"

// LocalVoices returns the corpus voices of Parley's local synthesizers:
// the FliteVoices of tts/flite and, when withEspeak is set, EspeakVoice of
// tts/espeak after them. The synthesizers are the caller's: call the
// returned close function when done (it is safe to call more than once).
// Errors wrap ErrSynthesis and say what to install.
func LocalVoices(withEspeak bool) ([]Voice, func() error, error) {
	fl, err := flite.New()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: flite: %w (install flite1-dev: make deps)", ErrSynthesis, err)
	}
	var voices []Voice
	for _, name := range FliteVoices() {
		voices = append(voices, Voice{Name: "flite/" + name, Synth: fl, Voice: name})
	}
	closers := []func() error{fl.Close}
	if withEspeak {
		es, err := espeak.New()
		if err != nil {
			_ = fl.Close()
			return nil, nil, fmt.Errorf("%w: espeak-ng: %w (install libespeak-ng-dev: make deps)", ErrSynthesis, err)
		}
		voices = append(voices, Voice{Name: "espeak/" + EspeakVoice, Synth: es, Voice: EspeakVoice})
		closers = append(closers, es.Close)
	}
	closeAll := func() error {
		var errs []error
		for _, c := range closers {
			errs = append(errs, c())
		}
		return errors.Join(errs...)
	}
	return voices, closeAll, nil
}
