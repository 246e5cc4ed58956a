// Package vadeval evaluates voice activity detectors on labelled audio that
// it generates, so that anyone can re-run the numbers without downloading a
// data set.
//
// Speech comes from the flite and espeak-ng command-line synthesizers
// (several voices, 8 to 22 kHz, resampled to 16 kHz), joined with silences
// and labelled frame by frame from the clean signal's energy (Label). Build
// mixes it with white, pink and brown noise at chosen SNRs and adds material
// without speech: stationary noise, a noise that gets 20 dB louder, DTMF key
// presses (ITU-T Q.23), chords and tone sweeps. Run scores detectors on every
// condition: frame-level precision, recall, F1, false-positive rate, onset
// delay, CPU per second of audio and, for gated detectors, how often the
// model ran. Everything is seeded, so a report is reproducible on the same
// synthesizer versions.
//
// The package's tests and `parley vad eval` use it.
package vadeval
