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
)
