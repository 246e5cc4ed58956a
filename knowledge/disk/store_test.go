package disk_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/disk"
	"github.com/parley-voice/parley/knowledge/hashed"
	"github.com/parley-voice/parley/knowledge/internal/kbtest"
	"github.com/parley-voice/parley/knowledge/knowledgetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStoreSuite(t *testing.T) {
	knowledgetest.StoreSuite(t, func(t *testing.T) knowledge.Store {
		s, err := disk.Open(context.Background(), disk.WithPath(filepath.Join(t.TempDir(), "kb", "knowledge.db")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// openBase opens a Base over a disk store at path with the hashed
// embedder.
func openBase(t testing.TB, path string, opts ...knowledge.Option) *knowledge.Base {
	t.Helper()
	s, err := disk.Open(context.Background(), disk.WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	emb, err := hashed.New()
	if err != nil {
		t.Fatal(err)
	}
	b, err := knowledge.Open(s, emb, opts...)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	return b
}

func TestSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	kb := kbtest.KBDir(t)
	path := filepath.Join(t.TempDir(), "knowledge.db")
	b := openBase(t, path)
	rep, err := b.Ingest(ctx, kb)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 23 || rep.TotalChunks == 0 {
		t.Fatalf("first ingest: %+v, want 23 documents added", rep)
	}
	before, err := b.Search(ctx, "how long do i have to return a jacket", knowledge.SearchOptions{K: 3, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b = openBase(t, path)
	defer b.Close()
	if b.Len() != rep.TotalChunks {
		t.Errorf("reopened base has %d chunks, want %d", b.Len(), rep.TotalChunks)
	}
	after, err := b.Search(ctx, "how long do i have to return a jacket", knowledge.SearchOptions{K: 3, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) == 0 || after[0].Doc != "returns-policy.md" {
		t.Errorf("after restart the best hit is %v, want returns-policy.md", after)
	}
	for i := range before {
		if i >= len(after) || before[i].ID != after[i].ID || before[i].LexicalRank != after[i].LexicalRank || before[i].VectorRank != after[i].VectorRank {
			t.Errorf("hit %d differs after restart: %+v vs %+v", i, before[i], after[min(i, len(after)-1)])
		}
	}
	rep, err = b.Ingest(ctx, kb)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unchanged != 23 || rep.Added+rep.Updated+rep.Removed != 0 || rep.Chunks != 0 {
		t.Errorf("re-ingest after restart: %+v, want all 23 unchanged", rep)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not a database ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.db")
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`, `INSERT INTO meta VALUES('schema_version', '99')`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	tests := []struct {
		desc string
		opts []disk.Option
		want error
	}{
		{"empty path", []disk.Option{disk.WithPath(" ")}, disk.ErrConfig},
		{"negative busy timeout", []disk.Option{disk.WithConfig(disk.Config{Path: "x.db", BusyTimeout: -time.Second})}, disk.ErrConfig},
		{"a folder as the file", []disk.Option{disk.WithPath(dir)}, disk.ErrOpen},
		{"a file that is not SQLite", []disk.Option{disk.WithPath(notDB)}, disk.ErrSchema},
		{"a newer schema", []disk.Option{disk.WithPath(newer)}, disk.ErrSchema},
	}
	for _, tc := range tests {
		s, err := disk.Open(context.Background(), tc.opts...)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Open = %v, want %v", tc.desc, err, tc.want)
		}
		if err == nil {
			s.Close()
		}
	}
}

func TestCorruptVector(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := disk.Open(ctx, disk.WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(ctx, knowledge.Document{Path: "a.md", Hash: "h", Embedder: "e"}, []knowledge.Record{
		{Chunk: knowledge.Chunk{ID: "a.md#0", Doc: "a.md", Text: "x", Language: "en"}, Vector: []float32{1, 0, 0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE chunks SET vector = x'0000803f00'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := disk.Open(ctx, disk.WithPath(path)); !errors.Is(err, disk.ErrCorrupt) {
		t.Errorf("Open of a file with a 5-byte vector = %v, want ErrCorrupt", err)
		if err == nil {
			s.Close()
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*disk.Config)
		field string
	}{
		{"defaults", func(*disk.Config) {}, ""},
		{"empty path", func(c *disk.Config) { c.Path = "" }, "path"},
		{"NUL in path", func(c *disk.Config) { c.Path = "a\x00b" }, "path"},
		{"busy timeout too long", func(c *disk.Config) { c.BusyTimeout = 2 * time.Hour }, "busy_timeout"},
	}
	for _, tc := range tests {
		c := disk.DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.desc, err)
		case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field+":") || !errors.Is(err, knowledge.ErrInvalidConfig)):
			t.Errorf("%s: Validate = %v, want an ErrInvalidConfig naming %s", tc.desc, err, tc.field)
		}
	}
}

func TestWALAndSingleFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "k.db")
	s, err := disk.Open(ctx, disk.WithPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path = %s, want %s", s.Path(), path)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}
