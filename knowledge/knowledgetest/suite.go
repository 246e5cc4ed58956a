package knowledgetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/knowledge"
)

// suiteDims is the vector length the suite uses.
const suiteDims = 8

// StoreSuite runs the conformance tests of knowledge.Store against the
// stores open returns: a new, empty store on each call, which the suite
// closes. Stores may return vectors at unit length from Records, and
// ScoredRecords without their vector from Nearest. Run it from each
// store's tests:
//
//	func TestStore(t *testing.T) { knowledgetest.StoreSuite(t, openMyStore) }
func StoreSuite(t *testing.T, open func(t *testing.T) knowledge.Store) {
	tests := []struct {
		desc string
		run  func(t *testing.T, s knowledge.Store)
	}{
		{"an empty store has nothing", suiteEmpty},
		{"put documents and read them back", suitePutRead},
		{"nearest ranks by cosine and filters by language", suiteNearest},
		{"put replaces a document's chunks", suiteReplace},
		{"delete removes a document, unknown ones too", suiteDelete},
		{"a document without chunks is recorded", suiteEmptyDoc},
		{"vectors of another embedder are refused until the store is empty", suiteMismatch},
		{"invalid records are refused", suiteInvalid},
		{"records stops at the callback's error", suiteRecordsError},
		{"concurrent searches and writes", suiteConcurrent},
		{"closed store", suiteClosed},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.run(t, s)
		})
	}
}

// basis returns the unit vector along dimension i, scaled by scale.
func basis(i int, scale float32) []float32 {
	v := make([]float32, suiteDims)
	v[i%suiteDims] = scale
	return v
}

// doc returns a document and records for it, one per vector.
func doc(path, lang, embedder string, vecs ...[]float32) (knowledge.Document, []knowledge.Record) {
	d := knowledge.Document{
		Path: path, Hash: fmt.Sprintf("%064x", len(path)), Title: "Title of " + path,
		Language: lang, Embedder: embedder, Ingested: time.UnixMilli(1767225600123).UTC(),
	}
	recs := make([]knowledge.Record, len(vecs))
	for i, v := range vecs {
		recs[i] = knowledge.Record{Chunk: knowledge.Chunk{
			ID: knowledge.ChunkID(path, i), Doc: path, Index: i, Title: d.Title,
			Heading: d.Title + " > Part " + fmt.Sprint(i), Text: fmt.Sprintf("text %d of %s", i, path), Language: lang,
		}, Vector: v}
	}
	return d, recs
}

func put(t *testing.T, s knowledge.Store, d knowledge.Document, recs []knowledge.Record) {
	t.Helper()
	if err := s.Put(context.Background(), d, recs); err != nil {
		t.Fatalf("Put(%s): %v", d.Path, err)
	}
}

// records returns the stored records by ID.
func records(t *testing.T, s knowledge.Store) map[string]knowledge.Record {
	t.Helper()
	out := make(map[string]knowledge.Record)
	err := s.Records(context.Background(), func(r knowledge.Record) error {
		if _, dup := out[r.ID]; dup {
			t.Errorf("Records gave %s twice", r.ID)
		}
		out[r.ID] = r
		return nil
	})
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	return out
}

// cosine returns the cosine similarity of a and b.
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func suiteEmpty(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	docs, err := s.Documents(ctx)
	if err != nil || len(docs) != 0 {
		t.Errorf("Documents = %v, %v; want none", docs, err)
	}
	if name, err := s.Embedder(ctx); err != nil || name != "" {
		t.Errorf("Embedder = %q, %v; want \"\"", name, err)
	}
	if hits, err := s.Nearest(ctx, basis(0, 1), 3, ""); err != nil || len(hits) != 0 {
		t.Errorf("Nearest = %v, %v; want none", hits, err)
	}
	if recs := records(t, s); len(recs) != 0 {
		t.Errorf("Records gave %d records, want none", len(recs))
	}
}

func suitePutRead(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	da, ra := doc("a.md", "en", "emb-1", basis(0, 2), basis(1, 0.5))
	db, rb := doc("zh/b.md", "zh", "emb-1", basis(2, 1))
	put(t, s, da, ra)
	put(t, s, db, rb)
	docs, err := s.Documents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []knowledge.Document{da, db} {
		got, ok := docs[want.Path]
		if !ok || got.Path != want.Path || got.Hash != want.Hash || got.Title != want.Title ||
			got.Language != want.Language || got.Embedder != want.Embedder || !got.Ingested.Equal(want.Ingested) {
			t.Errorf("Documents[%s] = %+v, want %+v", want.Path, got, want)
		}
	}
	if len(docs) != 2 {
		t.Errorf("Documents has %d entries, want 2", len(docs))
	}
	got := records(t, s)
	for _, want := range append(ra, rb...) {
		r, ok := got[want.ID]
		if !ok || r.Chunk != want.Chunk {
			t.Errorf("record %s = %+v, want %+v", want.ID, r.Chunk, want.Chunk)
			continue
		}
		if len(r.Vector) != suiteDims || cosine(r.Vector, want.Vector) < 0.9999 {
			t.Errorf("record %s vector %v, want the direction of %v", want.ID, r.Vector, want.Vector)
		}
	}
	if name, err := s.Embedder(ctx); err != nil || name != "emb-1" {
		t.Errorf("Embedder = %q, %v; want emb-1", name, err)
	}
}

func suiteNearest(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	mix := func(a, b float32) []float32 { v := basis(0, a); v[1] = b; return v }
	da, ra := doc("a.md", "en", "e", mix(1, 0), mix(1, 1), mix(0, 1), basis(3, 1))
	db, rb := doc("zh/a.md", "zh", "e", mix(1, 0.1))
	put(t, s, da, ra)
	put(t, s, db, rb)
	vecs := make(map[string][]float32)
	for _, r := range append(ra, rb...) {
		vecs[r.ID] = r.Vector
	}
	tests := []struct {
		desc string
		q    []float32
		k    int
		lang string
		want []string
	}{
		{"all languages, best first", mix(3, 0), 3, "", []string{"a.md#0", "zh/a.md#0", "a.md#1"}},
		{"k larger than the store", mix(0, 2), 10, "", []string{"a.md#2", "a.md#1", "zh/a.md#0", "a.md#0", "a.md#3"}},
		{"language filter", mix(3, 0), 3, "zh", []string{"zh/a.md#0"}},
		{"language filter keeps order", mix(0, 1), 2, "en", []string{"a.md#2", "a.md#1"}},
		{"language without chunks", mix(1, 0), 3, "fr", nil},
	}
	for _, tc := range tests {
		hits, err := s.Nearest(ctx, tc.q, tc.k, tc.lang)
		if err != nil {
			t.Errorf("%s: %v", tc.desc, err)
			continue
		}
		var ids []string
		for i, h := range hits {
			ids = append(ids, h.ID)
			if want := cosine(vecs[h.ID], tc.q); math.Abs(h.Similarity-want) > 1e-4 {
				t.Errorf("%s: %s similarity %v, cosine of its vector %v", tc.desc, h.ID, h.Similarity, want)
			}
			if i > 0 && h.Similarity > hits[i-1].Similarity+1e-6 {
				t.Errorf("%s: hits out of order: %v", tc.desc, ids)
			}
			if h.Text == "" || h.Doc == "" {
				t.Errorf("%s: hit %s without its chunk: %+v", tc.desc, h.ID, h.Chunk)
			}
		}
		// The last two candidates of "k larger" tie at 0; compare the
		// unambiguous prefix.
		if fmt.Sprint(ids[:min(len(ids), 3)]) != fmt.Sprint(tc.want[:min(len(tc.want), 3)]) || len(ids) != len(tc.want) {
			t.Errorf("%s: Nearest = %v, want %v", tc.desc, ids, tc.want)
		}
	}
}

func suiteReplace(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	d, r := doc("a.md", "en", "e", basis(0, 1), basis(1, 1), basis(2, 1))
	put(t, s, d, r)
	d2, r2 := doc("a.md", "en", "e", basis(5, 1))
	d2.Hash = "changed"
	put(t, s, d2, r2)
	got := records(t, s)
	if len(got) != 1 || got["a.md#0"].Vector == nil || cosine(got["a.md#0"].Vector, basis(5, 1)) < 0.9999 {
		t.Errorf("after replacing, records = %v; want only the new a.md#0", got)
	}
	hits, err := s.Nearest(ctx, basis(2, 1), 5, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.ID != "a.md#0" {
			t.Errorf("Nearest found the replaced chunk %s", h.ID)
		}
	}
	docs, _ := s.Documents(ctx)
	if docs["a.md"].Hash != "changed" {
		t.Errorf("document hash %q after replacing, want changed", docs["a.md"].Hash)
	}
}

func suiteDelete(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	da, ra := doc("a.md", "en", "e", basis(0, 1))
	db, rb := doc("b.md", "en", "e", basis(1, 1))
	put(t, s, da, ra)
	put(t, s, db, rb)
	if err := s.Delete(ctx, "a.md"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "never-stored.md"); err != nil {
		t.Errorf("deleting an unknown document: %v", err)
	}
	docs, _ := s.Documents(ctx)
	if _, ok := docs["a.md"]; ok || len(docs) != 1 {
		t.Errorf("Documents after delete = %v", docs)
	}
	hits, _ := s.Nearest(ctx, basis(0, 1), 5, "")
	if len(hits) != 1 || hits[0].ID != "b.md#0" {
		t.Errorf("Nearest after delete = %v, want b.md#0 only", hits)
	}
}

func suiteEmptyDoc(t *testing.T, s knowledge.Store) {
	d, _ := doc("empty.txt", "en", "e")
	put(t, s, d, nil)
	docs, err := s.Documents(context.Background())
	if err != nil || docs["empty.txt"].Hash != d.Hash {
		t.Errorf("Documents = %v, %v; want empty.txt", docs, err)
	}
	if name, _ := s.Embedder(context.Background()); name != "e" {
		t.Errorf("Embedder = %q, want e", name)
	}
}

func suiteMismatch(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	da, ra := doc("a.md", "en", "emb-1", basis(0, 1))
	put(t, s, da, ra)
	db, rb := doc("b.md", "en", "emb-2", basis(1, 1))
	if err := s.Put(ctx, db, rb); !errors.Is(err, knowledge.ErrEmbedderMismatch) {
		t.Fatalf("Put with another embedder: %v, want ErrEmbedderMismatch", err)
	}
	if err := s.Delete(ctx, "a.md"); err != nil {
		t.Fatal(err)
	}
	put(t, s, db, rb)
	if name, _ := s.Embedder(ctx); name != "emb-2" {
		t.Errorf("Embedder = %q after emptying and refilling, want emb-2", name)
	}
}

func suiteInvalid(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	da, ra := doc("a.md", "en", "e", basis(0, 1))
	put(t, s, da, ra)
	other, otherRecs := doc("b.md", "en", "e", basis(0, 1))
	_, foreign := doc("c.md", "en", "e", basis(0, 1))
	short := append([]knowledge.Record(nil), otherRecs...)
	short[0].Vector = []float32{1, 0}
	zero := append([]knowledge.Record(nil), otherRecs...)
	zero[0].Vector = make([]float32, suiteDims)
	nan := append([]knowledge.Record(nil), otherRecs...)
	nan[0].Vector = basis(0, float32(math.NaN()))
	dup := []knowledge.Record{otherRecs[0], otherRecs[0]}
	tests := []struct {
		desc string
		recs []knowledge.Record
	}{
		{"record of another document", foreign},
		{"vector of another length", short},
		{"zero vector", zero},
		{"NaN in a vector", nan},
		{"repeated chunk ID", dup},
	}
	for _, tc := range tests {
		if err := s.Put(ctx, other, tc.recs); !errors.Is(err, knowledge.ErrInvalidRecord) {
			t.Errorf("%s: Put = %v, want ErrInvalidRecord", tc.desc, err)
		}
	}
	if docs, _ := s.Documents(ctx); len(docs) != 1 {
		t.Errorf("refused puts left documents behind: %v", docs)
	}
}

func suiteRecordsError(t *testing.T, s knowledge.Store) {
	d, r := doc("a.md", "en", "e", basis(0, 1), basis(1, 1), basis(2, 1))
	put(t, s, d, r)
	stop := errors.New("stop here")
	calls := 0
	err := s.Records(context.Background(), func(knowledge.Record) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Records = %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func suiteConcurrent(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	for i := range 4 {
		d, r := doc(fmt.Sprintf("d%d.md", i), "en", "e", basis(i, 1), basis(i+1, 1))
		put(t, s, d, r)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := s.Nearest(ctx, basis(g+i, 1), 3, "en"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 10 {
			d, r := doc(fmt.Sprintf("w%d.md", i%3), "en", "e", basis(i, 1))
			if err := s.Put(ctx, d, r); err != nil {
				errs <- err
				return
			}
			if i%2 == 1 {
				if err := s.Delete(ctx, d.Path); err != nil {
					errs <- err
					return
				}
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func suiteClosed(t *testing.T, s knowledge.Store) {
	ctx := context.Background()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	d, r := doc("a.md", "en", "e", basis(0, 1))
	if err := s.Put(ctx, d, r); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Put after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Nearest(ctx, basis(0, 1), 1, ""); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Nearest after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Documents(ctx); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Documents after Close: %v, want ErrClosed", err)
	}
}
