package qdrant

import (
	"context"
	"fmt"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/parley-voice/parley/knowledge"
	"github.com/parley-voice/parley/knowledge/internal/memstore"
)

// Documents lists the stored documents by path.
func (s *Store) Documents(ctx context.Context) (map[string]knowledge.Document, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	out := make(map[string]knowledge.Document)
	err := s.scroll(ctx, s.docs, nil, false, func(p *qdrant.RetrievedPoint) error {
		d, err := documentOf(p.GetPayload())
		if err != nil {
			return err
		}
		out[d.Path] = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Embedder names the embedder of the stored documents, "" when there are
// none.
func (s *Store) Embedder(ctx context.Context) (string, error) {
	if err := s.check(ctx); err != nil {
		return "", err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	pts, err := s.client.Scroll(cctx, &qdrant.ScrollPoints{
		CollectionName: s.docs, Limit: qdrant.PtrOf(uint32(1)), WithPayload: qdrant.NewWithPayloadInclude(keyEmbedder),
	})
	if err != nil {
		return "", classify(err)
	}
	if len(pts) == 0 {
		return "", nil
	}
	p := payload{m: pts[0].GetPayload()}
	name := p.str(keyEmbedder)
	return name, p.err()
}

// Put replaces doc's chunks with records: it upserts the new chunks,
// deletes the old ones beyond them, then records the document.
func (s *Store) Put(ctx context.Context, doc knowledge.Document, records []knowledge.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.checkPut(ctx, doc, records); err != nil {
		return err
	}
	if len(records) > 0 {
		if err := s.prepare(ctx, doc.Path, len(records[0].Vector)); err != nil {
			return err
		}
		for start := 0; start < len(records); start += batchSize {
			pts := make([]*qdrant.PointStruct, 0, batchSize)
			for _, r := range records[start:min(start+batchSize, len(records))] {
				pts = append(pts, chunkPoint(r))
			}
			if err := s.upsert(ctx, s.chunks, pts); err != nil {
				return err
			}
		}
	}
	if err := s.deleteChunks(ctx, doc.Path, len(records)); err != nil {
		return err
	}
	return s.upsert(ctx, s.docs, []*qdrant.PointStruct{docPoint(doc)})
}

// checkPut refuses vectors of another embedder than the other documents'
// and records that do not belong together.
func (s *Store) checkPut(ctx context.Context, doc knowledge.Document, records []knowledge.Record) error {
	if doc.Path == "" {
		return fmt.Errorf("%w: document without a path", knowledge.ErrInvalidRecord)
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	others, err := s.client.Scroll(cctx, &qdrant.ScrollPoints{
		CollectionName: s.docs,
		Filter: &qdrant.Filter{MustNot: []*qdrant.Condition{
			qdrant.NewMatchKeyword(keyPath, doc.Path), qdrant.NewMatchKeyword(keyEmbedder, doc.Embedder),
		}},
		Limit: qdrant.PtrOf(uint32(1)), WithPayload: qdrant.NewWithPayloadInclude(keyEmbedder),
	})
	if err != nil {
		return classify(err)
	}
	if len(others) > 0 {
		p := payload{m: others[0].GetPayload()}
		return fmt.Errorf("%w: it holds vectors of %q, not %q: re-ingest from scratch (parley kb ingest --rebuild)", knowledge.ErrEmbedderMismatch, p.str(keyEmbedder), doc.Embedder)
	}
	dims := 0
	if n, err := s.otherChunks(ctx, doc.Path); err != nil {
		return err
	} else if n > 0 {
		dims = int(s.dims.Load())
	}
	return memstore.CheckRecords(doc, records, dims)
}

// otherChunks counts the chunks of documents other than path.
func (s *Store) otherChunks(ctx context.Context, path string) (uint64, error) {
	if s.dims.Load() == 0 {
		return 0, nil
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	n, err := s.client.Count(cctx, &qdrant.CountPoints{
		CollectionName: s.chunks,
		Filter:         &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewMatchKeyword(keyDoc, path)}},
		Exact:          qdrant.PtrOf(true),
	})
	return n, classify(err)
}

// prepare makes the chunk collection hold vectors of dims values:
// creating it, or re-creating it when it holds no other document's
// chunks and another size.
func (s *Store) prepare(ctx context.Context, path string, dims int) error {
	if cur := int(s.dims.Load()); cur == dims {
		return nil
	} else if cur != 0 {
		// checkPut found no other chunks: the collection may be
		// replaced.
		cctx, cancel := s.call(ctx)
		err := s.client.DeleteCollection(cctx, s.chunks)
		cancel()
		if err != nil {
			return classify(err)
		}
	}
	if err := s.ensure(ctx, s.chunks, uint64(dims), qdrant.Distance_Cosine, keyDoc, keyLanguage); err != nil {
		return err
	}
	return s.loadDims(ctx)
}

// upsert writes points and waits until they are searchable.
func (s *Store) upsert(ctx context.Context, collection string, pts []*qdrant.PointStruct) error {
	cctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.client.Upsert(cctx, &qdrant.UpsertPoints{CollectionName: collection, Points: pts, Wait: qdrant.PtrOf(true)})
	return classify(err)
}

// deleteChunks deletes document path's chunks of index from on.
func (s *Store) deleteChunks(ctx context.Context, path string, from int) error {
	if s.dims.Load() == 0 {
		return nil
	}
	f := matchDoc(path)
	if from > 0 {
		f.Must = append(f.Must, qdrant.NewRange(keyIndex, &qdrant.Range{Gte: qdrant.PtrOf(float64(from))}))
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.client.Delete(cctx, &qdrant.DeletePoints{CollectionName: s.chunks, Points: qdrant.NewPointsSelectorFilter(f), Wait: qdrant.PtrOf(true)})
	return classify(err)
}

// Delete removes a document and its chunks; an unknown document is not
// an error.
func (s *Store) Delete(ctx context.Context, path string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.deleteChunks(ctx, path, 0); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.client.Delete(cctx, &qdrant.DeletePoints{CollectionName: s.docs, Points: qdrant.NewPointsSelector(pointID("doc", path)), Wait: qdrant.PtrOf(true)})
	return classify(err)
}

// Records calls fn for every stored chunk with its vector, page by page.
func (s *Store) Records(ctx context.Context, fn func(knowledge.Record) error) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if s.dims.Load() == 0 {
		return nil
	}
	return s.scroll(ctx, s.chunks, nil, true, func(p *qdrant.RetrievedPoint) error {
		c, err := chunkOf(p.GetPayload())
		if err != nil {
			return err
		}
		return fn(knowledge.Record{Chunk: c, Vector: vectorOf(p.GetVectors())})
	})
}

// Nearest returns the k chunks most similar to v by cosine, restricted to
// language when it is not empty; their Vector is nil.
func (s *Store) Nearest(ctx context.Context, v []float32, k int, language string) ([]knowledge.ScoredRecord, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	dims := int(s.dims.Load())
	if dims == 0 || k <= 0 {
		return nil, nil
	}
	if len(v) != dims {
		return nil, fmt.Errorf("%w: a query vector of %d values for a store of %d", knowledge.ErrInvalidRecord, len(v), dims)
	}
	req := &qdrant.QueryPoints{
		CollectionName: s.chunks, Query: qdrant.NewQueryDense(v), Limit: qdrant.PtrOf(uint64(k)),
		WithPayload: qdrant.NewWithPayload(true),
	}
	if language != "" {
		req.Filter = &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword(keyLanguage, language)}}
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	pts, err := s.client.Query(cctx, req)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]knowledge.ScoredRecord, 0, len(pts))
	for _, p := range pts {
		c, err := chunkOf(p.GetPayload())
		if err != nil {
			return nil, err
		}
		out = append(out, knowledge.ScoredRecord{Record: knowledge.Record{Chunk: c}, Similarity: float64(p.GetScore())})
	}
	return out, nil
}

// Drop deletes both collections of the store and re-creates an empty
// registry: the store is empty afterwards.
func (s *Store) Drop(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for _, name := range []string{s.chunks, s.docs} {
		cctx, cancel := s.call(ctx)
		err := s.client.DeleteCollection(cctx, name)
		cancel()
		if err != nil && status.Code(err) != codes.NotFound {
			return classify(err)
		}
	}
	s.dims.Store(0)
	return s.ensure(ctx, s.docs, 1, qdrant.Distance_Dot, keyPath, keyEmbedder)
}
