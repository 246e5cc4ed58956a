//go:build !race

package vad_test

// raceEnabled reports a build with the race detector.
const raceEnabled = false
