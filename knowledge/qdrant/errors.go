package qdrant

import (
	"errors"
	"fmt"

	"github.com/parley-voice/parley/knowledge"
)

// Sentinel errors of this package (test with errors.Is). Each message
// says what to do.
var (
	// ErrConfig means a configuration value or option out of range; the
	// message names the YAML field. It wraps knowledge.ErrInvalidConfig.
	ErrConfig = fmt.Errorf("knowledge/qdrant: %w", knowledge.ErrInvalidConfig)
	// ErrUnavailable means the server could not be reached or did not
	// answer in time.
	ErrUnavailable = errors.New("knowledge/qdrant: the server is unavailable: check knowledge.qdrant.url (the gRPC port, 6334) and that Qdrant runs")
	// ErrAuth means the server refused the API key.
	ErrAuth = errors.New("knowledge/qdrant: the server refused the API key: set QDRANT_API_KEY or knowledge.qdrant.api_key")
	// ErrServer means the server answered a call with an error; the
	// message holds the server's.
	ErrServer = errors.New("knowledge/qdrant: the server refused the request")
	// ErrPayload means a stored point whose payload is not a chunk or a
	// document this package wrote: the collection is shared with another
	// program; configure a collection of its own.
	ErrPayload = errors.New("knowledge/qdrant: a point of the collection was not written by Parley: set knowledge.qdrant.collection to a collection of its own")
)
