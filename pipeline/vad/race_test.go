//go:build race

package vad_test

// raceEnabled reports a build with the race detector, which slows the
// floating-point code of the evaluation about a hundredfold.
const raceEnabled = true
