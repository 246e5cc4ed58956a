// Package server wires Parley together: it loads the configuration, builds
// the speech, voice activity and agent providers it names, and runs the
// transports and the HTTP API. Only cmd/parley imports it.
//
// # parley serve
//
// Server (New, Run) answers calls on SIP (bridge/sip), WebRTC (WHIP,
// bridge/webrtc) and Twilio Media Streams (bridge/ws), all sending bot audio
// on one shared audio.Pacer. Each call gets a pipeline.Session with its own
// voice activity detector and agent, the recognizer and synthesizer every
// call shares, the transport as its Flusher (barge-in), and a dual-channel
// recording (server/recording) as its interceptor. One goroutine per call
// follows the session's events: it keeps the call record (server/records:
// inserted live at the start, completed at the end), feeds the live events
// of GET /api/events, and carries out the agent's actions: end_call hangs
// up once the goodbye was heard, send_dtmf plays digits, handoff goes to
// Handoffs (by default a blind transfer to the queue's transfer_to).
//
// HTTP (a Go 1.22 ServeMux): GET /api/calls, GET /api/calls/{id},
// GET /api/calls/{id}/recording.wav (with ranges), GET /api/events (SSE or
// WebSocket), GET /metrics (Prometheus, a registry of its own), GET
// /healthz, POST /whip, GET /media/twilio and the softphone at /. Errors are
// JSON objects {"error": "..."}.
//
// Run's graceful shutdown refuses new calls (bridge.ErrBusy: SIP 503, HTTP
// 503; /healthz answers 503), lets live calls go on for shutdown.grace,
// hangs up the rest, and flushes their records and recordings before
// closing the engines.
package server
