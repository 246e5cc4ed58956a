// Package pipelinetest holds fakes for testing code built on package
// pipeline and for benchmarking sessions: a fake clock, a scripted voice
// activity detector, a scripted recognizer, a scripted agent, a tone
// synthesizer, a loopback transport driven by a caller script, an event
// recorder, and a polling helper.
//
// The fakes are deterministic and cheap: on the per-frame paths (detector,
// recognizer writes, loopback steps, synthesis chunks) they do not allocate,
// so a benchmark of many concurrent sessions measures the pipeline, not the
// fakes.
package pipelinetest
