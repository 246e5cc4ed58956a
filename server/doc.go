// Package server wires Parley together: it loads the configuration, builds
// the speech, voice activity and agent providers it names, and runs the
// transports and the HTTP API. Only cmd/parley imports it.
package server
