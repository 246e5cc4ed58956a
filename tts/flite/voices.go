package flite

import (
	"fmt"
	"strings"

	"github.com/parley-voice/parley/tts"
)

// voiceID indexes the voices registered by the C side (bridge.h).
type voiceID int

// The built-in voices, in the order of bridge.h.
const (
	voiceSLT voiceID = iota
	voiceRMS
	voiceAWB
	voiceKAL
	voiceKAL16
	numVoices
)

// voiceInfo returns the name, BCP 47 language and gender of voice v.
func voiceInfo(v voiceID) (name, language, gender string) {
	switch v {
	case voiceSLT:
		return "slt", "en-US", "female"
	case voiceRMS:
		return "rms", "en-US", "male"
	case voiceAWB:
		return "awb", "en-GB", "male"
	case voiceKAL:
		return "kal", "en-US", "male"
	case voiceKAL16:
		return "kal16", "en-US", "male"
	}
	return "", "", ""
}

// voiceNames lists the built-in voice names, for error messages.
func voiceNames() string {
	names := make([]string, 0, numVoices)
	for v := range numVoices {
		name, _, _ := voiceInfo(v)
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

// lookupVoice finds a voice by its short name ("slt") or flite's long name
// ("cmu_us_slt"), ignoring case.
func lookupVoice(name string) (voiceID, error) {
	key := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "cmu_us_")
	for v := range numVoices {
		if n, _, _ := voiceInfo(v); n == key {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w %q: the flite voices are %s", ErrUnknownVoice, name, voiceNames())
}

// voiceList returns the voices with their native rates.
func voiceList() []tts.Voice {
	list := make([]tts.Voice, 0, numVoices)
	for v := range numVoices {
		name, lang, gender := voiceInfo(v)
		list = append(list, tts.Voice{Name: name, Language: lang, Gender: gender, Rate: nativeRate(v)})
	}
	return list
}
