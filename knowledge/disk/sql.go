package disk

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/parley-voice/parley/knowledge"
)

// schema returns the statements that create the tables; they are
// idempotent.
func schema() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS documents (
		path TEXT PRIMARY KEY,
		hash TEXT NOT NULL,
		title TEXT NOT NULL,
		language TEXT NOT NULL,
		embedder TEXT NOT NULL,
		ingested_ms INTEGER NOT NULL
	)`,
		`CREATE TABLE IF NOT EXISTS chunks (
		id TEXT PRIMARY KEY,
		doc TEXT NOT NULL REFERENCES documents(path) ON DELETE CASCADE,
		idx INTEGER NOT NULL,
		title TEXT NOT NULL,
		heading TEXT NOT NULL,
		text TEXT NOT NULL,
		language TEXT NOT NULL,
		vector BLOB NOT NULL
	)`,
		`CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc, idx)`,
	}
}

// init creates the tables of a new file and checks the schema version of
// an existing one.
func (s *Store) init(ctx context.Context) error {
	var version string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&version)
	switch {
	case err == nil && version == schemaVersion:
		return nil
	case err == nil:
		return fmt.Errorf("%w: %s has schema version %s, this version reads %s", ErrSchema, s.path, version, schemaVersion)
	case err != nil && containsFold(err.Error(), "unable to open"):
		return fmt.Errorf("%w: %s: %w", ErrOpen, s.path, err)
	case !errors.Is(err, sql.ErrNoRows) && !isNoSuchTable(err):
		return fmt.Errorf("%w: %s: %w", ErrSchema, s.path, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrOpen, s.path, err)
	}
	defer tx.Rollback()
	for _, stmt := range schema() {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrSchema, s.path, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)`, schemaVersion); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSchema, s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrOpen, s.path, err)
	}
	return nil
}

// isNoSuchTable reports whether err says the meta table is missing (a new
// file).
func isNoSuchTable(err error) bool {
	return err != nil && containsFold(err.Error(), "no such table")
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFoldASCII(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// load reads every document and chunk into memory.
func (s *Store) load(ctx context.Context) error {
	docs := make(map[string]knowledge.Document)
	rows, err := s.db.QueryContext(ctx, `SELECT path, hash, title, language, embedder, ingested_ms FROM documents`)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSchema, s.path, err)
	}
	for rows.Next() {
		var d knowledge.Document
		var ms int64
		if err := rows.Scan(&d.Path, &d.Hash, &d.Title, &d.Language, &d.Embedder, &ms); err != nil {
			rows.Close()
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		d.Ingested = time.UnixMilli(ms).UTC()
		docs[d.Path] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	byDoc := make(map[string][]knowledge.Record, len(docs))
	rows, err = s.db.QueryContext(ctx, `SELECT id, doc, idx, title, heading, text, language, vector FROM chunks ORDER BY doc, idx`)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSchema, s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r knowledge.Record
		var blob []byte
		if err := rows.Scan(&r.ID, &r.Doc, &r.Index, &r.Title, &r.Heading, &r.Text, &r.Language, &blob); err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if r.Vector, err = decodeVector(blob); err != nil {
			return fmt.Errorf("%w: chunk %s: %w", ErrCorrupt, r.ID, err)
		}
		byDoc[r.Doc] = append(byDoc[r.Doc], r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	for path, d := range docs {
		if err := s.mem.Apply(d, byDoc[path]); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
		}
	}
	return nil
}

// Put replaces doc's chunks with records in one transaction, then in
// memory.
func (s *Store) Put(ctx context.Context, doc knowledge.Document, records []knowledge.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return knowledge.ErrClosed
	}
	if err := s.mem.Check(doc, records); err != nil {
		return err
	}
	if err := s.write(ctx, doc, records); err != nil {
		return fmt.Errorf("knowledge/disk: writing %s: %w", doc.Path, err)
	}
	return s.mem.Apply(doc, records)
}

// write stores doc and its records in one transaction.
func (s *Store) write(ctx context.Context, doc knowledge.Document, records []knowledge.Record) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE doc = ?`, doc.Path); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO documents(path, hash, title, language, embedder, ingested_ms) VALUES(?, ?, ?, ?, ?, ?)`,
		doc.Path, doc.Hash, doc.Title, doc.Language, doc.Embedder, doc.Ingested.UnixMilli())
	if err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO chunks(id, doc, idx, title, heading, text, language, vector) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	buf := make([]byte, 0, 4*len(firstVector(records)))
	for _, r := range records {
		buf = encodeVector(buf[:0], r.Vector)
		if _, err := stmt.ExecContext(ctx, r.ID, r.Doc, r.Index, r.Title, r.Heading, r.Text, r.Language, buf); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func firstVector(records []knowledge.Record) []float32 {
	if len(records) == 0 {
		return nil
	}
	return records[0].Vector
}

// Delete removes a document and its chunks; an unknown document is not
// an error.
func (s *Store) Delete(ctx context.Context, path string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return knowledge.ErrClosed
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("knowledge/disk: deleting %s: %w", path, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE doc = ?`, path); err != nil {
		return fmt.Errorf("knowledge/disk: deleting %s: %w", path, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE path = ?`, path); err != nil {
		return fmt.Errorf("knowledge/disk: deleting %s: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("knowledge/disk: deleting %s: %w", path, err)
	}
	s.mem.Remove(path)
	return nil
}

// encodeVector appends v to dst as little-endian IEEE 754 float32s.
func encodeVector(dst []byte, v []float32) []byte {
	for _, f := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
	}
	return dst
}

// decodeVector reads a vector written by encodeVector.
func decodeVector(b []byte) ([]float32, error) {
	if len(b) == 0 || len(b)%4 != 0 {
		return nil, fmt.Errorf("vector BLOB of %d bytes is not a whole number of float32s", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
