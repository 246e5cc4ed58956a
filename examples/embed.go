// Package examples holds Parley's runnable configurations, embedded in the
// binary so that `parley serve` runs the retail example with no setup.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed retail
var files embed.FS

// Retail returns the files of examples/retail (parley.yaml, intents,
// flows, knowledge articles, the demo order data), rooted at that folder.
// The file system is read-only and safe for concurrent use.
func Retail() (fs.FS, error) { return fs.Sub(files, "retail") }
