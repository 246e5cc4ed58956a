package records

import "errors"

// Sentinel errors of this package (wrapped; test with errors.Is).
var (
	// ErrNotFound means no call has the requested id: check the id (it is
	// the one in the call's logs and in GET /api/calls).
	ErrNotFound = errors.New("records: no call with that id")
	// ErrClosed means the store was closed; open it again.
	ErrClosed = errors.New("records: store closed")
	// ErrOpen means the database file could not be opened or created:
	// check records.path and the permissions of its folder.
	ErrOpen = errors.New("records: cannot open the call records database: check records.path and its folder's permissions")
	// ErrSchema means a file that is not a call records database, or one
	// written by a newer version of Parley: point records.path at a new
	// file or upgrade Parley.
	ErrSchema = errors.New("records: the database is not a call records database this version can read")
	// ErrInvalid means a record or query that cannot be stored or run (an
	// empty id, a malformed cursor, a negative limit); the message says
	// which field.
	ErrInvalid = errors.New("records: invalid record or query")
	// ErrConfig means an option out of range; the message names it.
	ErrConfig = errors.New("records: invalid option")
)
