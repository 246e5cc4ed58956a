package disk

import (
	"errors"
	"fmt"

	"github.com/parley-voice/parley/knowledge"
)

// Sentinel errors of this package (test with errors.Is).
var (
	// ErrConfig means a configuration value or option out of range; the
	// message names the YAML field. It wraps knowledge.ErrInvalidConfig.
	ErrConfig = fmt.Errorf("knowledge/disk: %w", knowledge.ErrInvalidConfig)
	// ErrOpen means the database file could not be opened or created:
	// check the path and its folder's permissions.
	ErrOpen = errors.New("knowledge/disk: cannot open the database: check knowledge.disk.path and its folder's permissions")
	// ErrSchema means a file that is not a knowledge store, or one
	// written by a newer version of Parley.
	ErrSchema = errors.New("knowledge/disk: the database is not a knowledge store this version can read: point knowledge.disk.path at a new file")
	// ErrCorrupt means a stored row that cannot be read back (a vector
	// BLOB of the wrong size): re-ingest into a new file.
	ErrCorrupt = errors.New("knowledge/disk: corrupt row: re-ingest into a new file (parley kb ingest --rebuild)")
)
