package server

import "errors"

var (
	// ErrConfig reports a configuration that cannot be used; the wrapping
	// *ConfigError says where and why.
	ErrConfig = errors.New("server: invalid configuration")
	// ErrProvider reports a speech provider that could not be set up (a
	// missing model, library or key); the message says what to install or
	// set.
	ErrProvider = errors.New("server: speech provider unavailable")
	// ErrHandoff means a handoff to a human could not be carried out: the
	// queue has no transfer target, or the transport could not transfer.
	// The caller is told and the call ends; configure handoff.queues.
	ErrHandoff = errors.New("server: handoff failed")
	// ErrListen means a listener could not be opened: the address is in
	// use or not allowed; change http.listen (or the transport's address)
	// or stop the other process.
	ErrListen = errors.New("server: cannot listen")
	// ErrClosed means the server was closed or has already run; build a
	// new one.
	ErrClosed = errors.New("server: closed")
)
