package knowledge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// IngestReport says what an Ingest did.
type IngestReport struct {
	// Added, Updated, Unchanged and Removed count documents: new files,
	// files whose content changed, files skipped because their SHA-256
	// did not change, and documents whose file is gone.
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
	// Chunks is the number of chunks written by this ingest.
	Chunks int `json:"chunks"`
	// TotalChunks is the number of chunks in the base afterwards.
	TotalChunks int `json:"total_chunks"`
	// Failed lists the files that could not be ingested; their previous
	// version, if any, stays in the store.
	Failed []FileError `json:"-"`
	// Duration is how long the ingest took.
	Duration time.Duration `json:"duration_ns"`
}

// IngestProgress is reported after each file Ingest looks at.
type IngestProgress struct {
	// Done is the number of files looked at so far, Total the number
	// found.
	Done, Total int
	// Path is the file just looked at, relative to the folder.
	Path string
	// Action is what happened to it: "added", "updated", "unchanged" or
	// "failed".
	Action string
}

// Ingest makes the base mirror the articles in folder dir: Markdown,
// text and HTML files (see Supported) anywhere below it, except hidden
// files and folders. Unchanged files (same SHA-256) are skipped, changed
// files replaced, and documents whose file is gone removed, so ingest one
// folder per store. A file that cannot be read is reported in
// IngestReport.Failed and the ingest goes on; an embedder or store error
// stops it (what was stored until then stays, and the next Ingest
// resumes). It returns ctx.Err() when ctx ends first.
func (b *Base) Ingest(ctx context.Context, dir string) (IngestReport, error) {
	var rep IngestReport
	if b.closed.Load() {
		return rep, ErrClosed
	}
	b.ingestMu.Lock()
	defer b.ingestMu.Unlock()
	if b.closed.Load() {
		return rep, ErrClosed
	}
	start := b.now()
	files, err := listFiles(dir)
	if err != nil {
		return rep, err
	}
	stored, err := b.store.Documents(ctx)
	if err != nil {
		return rep, fmt.Errorf("knowledge: reading the store: %w", err)
	}
	seen := make(map[string]bool, len(files))
	for i, rel := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if b.closed.Load() {
			return rep, ErrClosed // Close waits for this ingest to stop
		}
		seen[rel] = true
		action, err := b.ingestFile(ctx, dir, rel, stored, &rep)
		if err != nil {
			return rep, err
		}
		if b.prog != nil {
			b.prog(IngestProgress{Done: i + 1, Total: len(files), Path: rel, Action: action})
		}
	}
	if err := b.removeGone(ctx, stored, seen, &rep); err != nil {
		return rep, err
	}
	rep.TotalChunks = b.Len()
	rep.Duration = b.now().Sub(start)
	b.log.Info("knowledge: ingested", "dir", dir, "added", rep.Added, "updated", rep.Updated,
		"unchanged", rep.Unchanged, "removed", rep.Removed, "failed", len(rep.Failed), "chunks", rep.TotalChunks)
	return rep, nil
}

// removeGone deletes the stored documents whose file was not seen.
func (b *Base) removeGone(ctx context.Context, stored map[string]Document, seen map[string]bool, rep *IngestReport) error {
	gone := make([]string, 0)
	for path := range stored {
		if !seen[path] {
			gone = append(gone, path)
		}
	}
	sort.Strings(gone)
	for _, path := range gone {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := b.store.Delete(ctx, path); err != nil {
			return fmt.Errorf("knowledge: removing %s: %w", path, err)
		}
		b.unindex(path)
		rep.Removed++
	}
	return nil
}

// ingestFile stores file rel when it is new or changed and returns what
// it did.
func (b *Base) ingestFile(ctx context.Context, dir, rel string, stored map[string]Document, rep *IngestReport) (string, error) {
	data, err := readLimited(filepath.Join(dir, filepath.FromSlash(rel)), b.cfg.MaxFileBytes)
	if err != nil {
		rep.Failed = append(rep.Failed, FileError{Path: rel, Err: err})
		b.log.Warn("knowledge: file not ingested", "path", rel, "err", err)
		return "failed", nil
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	old, had := stored[rel]
	if had && old.Hash == hash && old.Embedder == b.emb.Name() {
		rep.Unchanged++
		return "unchanged", nil
	}
	art := Extract(rel, data)
	lang := DetectLanguage(rel, art.Language, articleText(art))
	chunks := Chunks(rel, lang, art, b.cfg.ChunkTokens, b.cfg.OverlapTokens)
	records, err := b.embed(ctx, chunks)
	if err != nil {
		return "", fmt.Errorf("knowledge: embedding %s: %w", rel, err)
	}
	doc := Document{Path: rel, Hash: hash, Title: art.Title, Language: lang, Embedder: b.emb.Name(), Ingested: b.now()}
	if err := b.store.Put(ctx, doc, records); err != nil {
		return "", fmt.Errorf("knowledge: storing %s: %w", rel, err)
	}
	b.unindex(rel)
	b.index(chunks)
	rep.Chunks += len(chunks)
	if had {
		rep.Updated++
		return "updated", nil
	}
	rep.Added++
	return "added", nil
}

// embed returns chunks with their vectors.
func (b *Base) embed(ctx context.Context, chunks []Chunk) ([]Record, error) {
	if len(chunks) == 0 {
		return nil, nil
	}
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = EmbedText(c)
	}
	vecs, err := b.emb.Embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	if len(vecs) != len(chunks) {
		return nil, fmt.Errorf("%w: %d vectors for %d texts", ErrEmbedding, len(vecs), len(chunks))
	}
	records := make([]Record, len(chunks))
	for i, c := range chunks {
		if len(vecs[i]) != b.emb.Dimensions() {
			return nil, fmt.Errorf("%w: a vector of %d values, want %d", ErrEmbedding, len(vecs[i]), b.emb.Dimensions())
		}
		records[i] = Record{Chunk: c, Vector: vecs[i]}
	}
	return records, nil
}

// articleText returns an article's title and text, for language
// detection.
func articleText(a Article) string {
	var sb strings.Builder
	sb.WriteString(a.Title)
	for _, s := range a.Sections {
		for _, p := range s.Paragraphs {
			sb.WriteByte('\n')
			sb.WriteString(p)
		}
	}
	return sb.String()
}

// listFiles returns the supported files below dir, relative to it with
// forward slashes, sorted; hidden files and folders are skipped.
func listFiles(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		if err == nil {
			err = fmt.Errorf("%s is a file", dir)
		}
		return nil, fmt.Errorf("%w: %w", ErrNotFolder, err)
	}
	// A folder given through a symbolic link is walked as the folder it
	// names (WalkDir does not follow a link at its root).
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !Supported(name) || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotFolder, err)
	}
	sort.Strings(files)
	return files, nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFile, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFile, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: larger than max_file_bytes (%d bytes): raise knowledge.max_file_bytes or split the file", ErrFile, limit)
	}
	return data, nil
}
