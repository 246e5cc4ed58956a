package knowledge

import "errors"

// ErrEmbedderMismatch is returned when vectors of one embedder are put into
// a store filled by another: re-ingest the folder from scratch (delete the
// store, or point the configuration at a new one) after changing embedders.
var ErrEmbedderMismatch = errors.New("knowledge: the store holds vectors of another embedder")
