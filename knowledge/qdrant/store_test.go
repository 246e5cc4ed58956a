package qdrant_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	qdrantpb "github.com/qdrant/go-client/qdrant"
	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/hashed"
	"github.com/parley-voice/parley/knowledge/internal/kbtest"
	"github.com/parley-voice/parley/knowledge/knowledgetest"
	"github.com/parley-voice/parley/knowledge/qdrant"
	"github.com/parley-voice/parley/knowledge/qdrant/qdranttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServer starts a fake Qdrant for the test.
func startServer(t *testing.T, opts ...qdranttest.Option) *qdranttest.Server {
	t.Helper()
	srv, err := qdranttest.Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// config returns a configuration for srv with a collection of its own.
func config(srv *qdranttest.Server, collection string) qdrant.Config {
	c := qdrant.DefaultConfig()
	c.URL = "http://" + srv.Addr()
	c.Collection = collection
	c.Timeout = 5 * time.Second
	return c
}

func open(t *testing.T, c qdrant.Config) *qdrant.Store {
	t.Helper()
	s, err := qdrant.Open(context.Background(), qdrant.WithConfig(c), qdrant.WithEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreSuite(t *testing.T) {
	srv := startServer(t)
	n := 0
	knowledgetest.StoreSuite(t, func(t *testing.T) knowledge.Store {
		n++
		return open(t, config(srv, fmt.Sprintf("suite_%d", n)))
	})
}

// TestRealQdrant runs the suite against the server at QDRANT_URL (its
// gRPC port), in collections it creates and deletes.
func TestRealQdrant(t *testing.T) {
	url := os.Getenv(qdrant.EnvURL)
	if url == "" {
		t.Skip("QDRANT_URL is not set: no real Qdrant to test against (e.g. QDRANT_URL=http://localhost:6334)")
	}
	prefix := fmt.Sprintf("parley_test_%d", time.Now().UnixNano())
	n := 0
	knowledgetest.StoreSuite(t, func(t *testing.T) knowledge.Store {
		n++
		c := qdrant.DefaultConfig().FromEnv(os.Getenv)
		c.Collection = fmt.Sprintf("%s_%d", prefix, n)
		s, err := qdrant.Open(context.Background(), qdrant.WithConfig(c))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dropCollections(t, c) })
		return s
	})
}

// dropCollections deletes the collections of a test store on the real
// server.
func dropCollections(t *testing.T, c qdrant.Config) {
	s, err := qdrant.Open(context.Background(), qdrant.WithConfig(c))
	if err != nil {
		t.Logf("cleaning up %s: %v", c.Collection, err)
		return
	}
	defer s.Close()
	if err := s.Drop(context.Background()); err != nil {
		t.Logf("cleaning up %s: %v", c.Collection, err)
	}
}

func TestBaseOverQdrant(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t)
	emb, err := hashed.New()
	if err != nil {
		t.Fatal(err)
	}
	b, err := knowledge.Open(open(t, config(srv, "kb")), emb)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := b.Ingest(ctx, kbtest.KBDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 23 || srv.Points("kb_documents") != 23 || srv.Points("kb") != rep.TotalChunks {
		t.Errorf("ingest %+v left %d documents and %d chunks in Qdrant", rep, srv.Points("kb_documents"), srv.Points("kb"))
	}
	hits, err := b.Search(ctx, "退款多久到账", knowledge.SearchOptions{K: 3, Language: "zh"})
	if err != nil || len(hits) == 0 || hits[0].Doc != "zh/refund-timing.md" || hits[0].VectorRank == 0 {
		t.Errorf("Search = %+v, %v; want zh/refund-timing.md first, found by vector too", hits, err)
	}
	b.Close()

	// A second node opening the same collection sees the same base.
	b2, err := knowledge.Open(open(t, config(srv, "kb")), emb)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if b2.Len() != rep.TotalChunks {
		t.Errorf("reopened base has %d chunks, want %d", b2.Len(), rep.TotalChunks)
	}
	rep, err = b2.Ingest(ctx, kbtest.KBDir(t))
	if err != nil || rep.Unchanged != 23 {
		t.Errorf("re-ingest: %+v, %v; want 23 unchanged", rep, err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, qdranttest.WithAPIKey("secret"))
	c := config(srv, "errs")
	c.APIKey = "secret"
	s := open(t, c)
	defer s.Close()

	srv.SetFailure(status.Error(codes.Unavailable, "connection refused"))
	if _, err := s.Documents(ctx); !errors.Is(err, qdrant.ErrUnavailable) {
		t.Errorf("Documents while the server is down = %v, want ErrUnavailable", err)
	}
	srv.SetFailure(status.Error(codes.Internal, "disk full"))
	err := s.Put(ctx, knowledge.Document{Path: "a.md", Embedder: "e"}, nil)
	if !errors.Is(err, qdrant.ErrServer) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Put on a failing server = %v, want ErrServer with its message", err)
	}
	srv.SetFailure(nil)

	bad := c
	bad.APIKey = "wrong"
	if _, err := qdrant.Open(ctx, qdrant.WithConfig(bad), qdrant.WithEnv(nil)); !errors.Is(err, qdrant.ErrAuth) {
		t.Errorf("Open with a wrong key = %v, want ErrAuth", err)
	}
	addr := srv.Addr()
	srv.Close()
	down := qdrant.DefaultConfig()
	down.URL, down.Timeout = "http://"+addr, 2*time.Second
	if _, err := qdrant.Open(ctx, qdrant.WithConfig(down), qdrant.WithEnv(nil)); !errors.Is(err, qdrant.ErrUnavailable) {
		t.Errorf("Open of a stopped server = %v, want ErrUnavailable", err)
	}
}

func TestForeignPoints(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t)
	s := open(t, config(srv, "shared"))
	defer s.Close()
	// Another program's point in the registry.
	err := s.Put(ctx, knowledge.Document{Path: "a.md", Hash: "h", Embedder: "e"}, []knowledge.Record{
		{Chunk: knowledge.Chunk{ID: "a.md#0", Doc: "a.md", Text: "t", Language: "en"}, Vector: []float32{1, 0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.MutatePayload("shared_documents", func(p map[string]*qdrantpb.Value) { delete(p, "hash") })
	if _, err := s.Documents(ctx); !errors.Is(err, qdrant.ErrPayload) {
		t.Errorf("Documents with a foreign point = %v, want ErrPayload", err)
	}
}

func TestDimensionsChangeAfterEmptying(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t)
	s := open(t, config(srv, "dims"))
	defer s.Close()
	rec := func(v ...float32) []knowledge.Record {
		return []knowledge.Record{{Chunk: knowledge.Chunk{ID: "a.md#0", Doc: "a.md", Text: "t", Language: "en"}, Vector: v}}
	}
	if err := s.Put(ctx, knowledge.Document{Path: "a.md", Embedder: "e1"}, rec(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, knowledge.Document{Path: "a.md", Embedder: "e2"}, rec(1, 0, 0)); err != nil {
		t.Fatalf("replacing the only document with vectors of another length: %v", err)
	}
	hits, err := s.Nearest(ctx, []float32{1, 0, 0}, 1, "")
	if err != nil || len(hits) != 1 {
		t.Errorf("Nearest after the change = %v, %v", hits, err)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		desc  string
		edit  func(*qdrant.Config)
		field string
	}{
		{"defaults", func(*qdrant.Config) {}, ""},
		{"https URL", func(c *qdrant.Config) { c.URL = "https://xyz.cloud.qdrant.io:6334" }, ""},
		{"URL without scheme", func(c *qdrant.Config) { c.URL = "localhost:6334" }, "url"},
		{"URL with a bad port", func(c *qdrant.Config) { c.URL = "http://localhost:99999" }, "url"},
		{"empty host", func(c *qdrant.Config) { c.Host = "" }, "host"},
		{"URL as host", func(c *qdrant.Config) { c.Host = "http://x" }, "host"},
		{"port 0", func(c *qdrant.Config) { c.Port = 0 }, "port"},
		{"collection with a slash", func(c *qdrant.Config) { c.Collection = "a/b" }, "collection"},
		{"empty collection", func(c *qdrant.Config) { c.Collection = "" }, "collection"},
		{"zero timeout", func(c *qdrant.Config) { c.Timeout = 0 }, "timeout"},
	}
	for _, tc := range tests {
		c := qdrant.DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.desc, err)
		case tc.field != "" && (err == nil || !strings.Contains(err.Error(), tc.field+":") || !errors.Is(err, knowledge.ErrInvalidConfig)):
			t.Errorf("%s: Validate = %v, want an ErrInvalidConfig naming %s", tc.desc, err, tc.field)
		}
	}
	env := map[string]string{qdrant.EnvURL: "http://q:6334", qdrant.EnvAPIKey: "k"}
	c := qdrant.DefaultConfig().FromEnv(func(k string) string { return env[k] })
	if c.URL != "http://q:6334" || c.APIKey != "k" || strings.Contains(c.String(), "k}") {
		t.Errorf("FromEnv = %+v (String %s)", c, c)
	}
}
