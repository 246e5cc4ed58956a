package recording

import "errors"

// Sentinel errors of this package (wrapped; test with errors.Is).
var (
	// ErrConfig means a configuration value or option out of range; the
	// message names the field as it appears in parley.yaml.
	ErrConfig = errors.New("recording: invalid configuration")
	// ErrWrite means the recording file could not be created or written
	// (a full disk, a missing folder, no permission): check
	// recordings.dir. The call itself is not affected.
	ErrWrite = errors.New("recording: cannot write the recording file")
)
