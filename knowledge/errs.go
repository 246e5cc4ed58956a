package knowledge

import (
	"errors"
	"fmt"
)

// More sentinel errors of this package (ErrEmbedderMismatch is in
// errors.go). Test with errors.Is; each message says what to do.
var (
	// ErrInvalidConfig means a configuration value or option out of
	// range; the message names the YAML field. Configuration errors of
	// the subpackages (hashed, openai, disk, qdrant) wrap it too.
	ErrInvalidConfig = errors.New("knowledge: invalid configuration")
	// ErrClosed means a Base or Store was used after Close.
	ErrClosed = errors.New("knowledge: used after Close")
	// ErrNotFolder means Ingest was given a path that is not a readable
	// folder: pass the folder that holds the articles.
	ErrNotFolder = errors.New("knowledge: not a readable folder: pass the folder that holds the .md, .txt and .html articles")
	// ErrEmbedding means the embedder answered with the wrong number of
	// vectors or vectors of the wrong length: check the embedder's
	// dimensions setting.
	ErrEmbedding = errors.New("knowledge: the embedder returned unusable vectors: check its model and dimensions settings")
	// ErrFile means one file could not be ingested (unreadable, too
	// large); Ingest reports it in IngestReport.Failed and goes on with
	// the other files.
	ErrFile = errors.New("knowledge: file not ingested")
	// ErrQuestions means an evaluation file that is not valid JSON lines
	// of {"question","doc"}; the message names the line.
	ErrQuestions = errors.New("knowledge: invalid questions file: each line must be {\"question\": \"...\", \"doc\": \"path.md\"}")
)

// FileError is a file that Ingest could not take in.
type FileError struct {
	// Path is the file's path relative to the ingested folder.
	Path string
	// Err says why; it wraps ErrFile.
	Err error
}

// Error returns the path and the reason.
func (e FileError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }

// Unwrap returns the reason.
func (e FileError) Unwrap() error { return e.Err }

// ErrInvalidRecord means records given to Store.Put that do not belong
// together: a record of another document, a repeated chunk ID, a vector
// of another length than the store's, or a vector that is zero or not
// finite.
var ErrInvalidRecord = errors.New("knowledge: invalid record")
