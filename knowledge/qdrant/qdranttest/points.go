package qdranttest

import (
	"context"
	"math"
	"sort"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// points is the Points service.
type points struct {
	qdrant.UnimplementedPointsServer
	s *Server
}

func completed() *qdrant.PointsOperationResponse {
	return &qdrant.PointsOperationResponse{Result: &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Completed}}
}

// Upsert inserts or replaces points.
func (p *points) Upsert(_ context.Context, req *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	col, err := p.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	staged := make([]*point, 0, len(req.GetPoints()))
	for _, ps := range req.GetPoints() {
		v := denseVector(ps.GetVectors().GetVector())
		if uint64(len(v)) != col.size {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", col.size, len(v))
		}
		if idKey(ps.GetId()) == "" {
			return nil, status.Error(codes.InvalidArgument, "Wrong input: point without an ID")
		}
		staged = append(staged, &point{id: ps.GetId(), vector: append([]float32(nil), v...), payload: clonePayload(ps.GetPayload())})
	}
	for _, pt := range staged {
		col.points[idKey(pt.id)] = pt
	}
	return completed(), nil
}

// denseVector returns the values of a dense vector in either of the
// wire forms (the dense oneof, or the deprecated data field).
func denseVector(v *qdrant.Vector) []float32 {
	if d := v.GetDense(); d != nil {
		return d.GetData()
	}
	//lint:ignore SA1019 clients before 1.12 send only the deprecated data field.
	return v.GetData()
}

// Delete deletes points by IDs or by filter.
func (p *points) Delete(_ context.Context, req *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	col, err := p.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	sel := req.GetPoints()
	if ids := sel.GetPoints(); ids != nil {
		for _, id := range ids.GetIds() {
			delete(col.points, idKey(id))
		}
		return completed(), nil
	}
	f := sel.GetFilter()
	if f == nil {
		return nil, status.Error(codes.InvalidArgument, "Wrong input: points selector without IDs or filter")
	}
	for k, pt := range col.points {
		ok, err := matches(f, pt)
		if err != nil {
			return nil, err
		}
		if ok {
			delete(col.points, k)
		}
	}
	return completed(), nil
}

// CreateFieldIndex records a payload index (searches do not need it).
func (p *points) CreateFieldIndex(_ context.Context, req *qdrant.CreateFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	col, err := p.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	col.indexes[req.GetFieldName()] = true
	return completed(), nil
}

// sorted returns the points of col matching f, by ID.
func sorted(col *collection, f *qdrant.Filter) ([]*point, error) {
	keys := make([]string, 0, len(col.points))
	for k := range col.points {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*point, 0, len(keys))
	for _, k := range keys {
		pt := col.points[k]
		ok, err := matches(f, pt)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, pt)
		}
	}
	return out, nil
}

// Scroll pages through the points matching a filter, in ID order.
func (p *points) Scroll(_ context.Context, req *qdrant.ScrollPoints) (*qdrant.ScrollResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	col, err := p.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	all, err := sorted(col, req.GetFilter())
	if err != nil {
		return nil, err
	}
	limit := int(req.GetLimit())
	if req.Limit == nil {
		limit = 10
	}
	start := 0
	if req.Offset != nil {
		from := idKey(req.GetOffset())
		start = sort.Search(len(all), func(i int) bool { return idKey(all[i].id) >= from })
	}
	resp := &qdrant.ScrollResponse{}
	for i := start; i < len(all) && i < start+limit; i++ {
		resp.Result = append(resp.Result, &qdrant.RetrievedPoint{
			Id:      all[i].id,
			Payload: payloadFor(all[i], req.GetWithPayload()),
			Vectors: vectorsFor(all[i], req.GetWithVectors()),
		})
	}
	if start+limit < len(all) {
		resp.NextPageOffset = all[start+limit].id
	}
	return resp, nil
}

// Count counts the points matching a filter.
func (p *points) Count(_ context.Context, req *qdrant.CountPoints) (*qdrant.CountResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	col, err := p.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	all, err := sorted(col, req.GetFilter())
	if err != nil {
		return nil, err
	}
	return &qdrant.CountResponse{Result: &qdrant.CountResult{Count: uint64(len(all))}}, nil
}

// Query answers nearest-neighbour queries on dense vectors, exactly.
func (p *points) Query(_ context.Context, req *qdrant.QueryPoints) (*qdrant.QueryResponse, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	col, err := p.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	in := req.GetQuery().GetNearest()
	if in == nil || len(req.GetPrefetch()) > 0 {
		return nil, status.Error(codes.Unimplemented, "this test server answers nearest queries on dense vectors only")
	}
	q := in.GetDense().GetData()
	if uint64(len(q)) != col.size {
		return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", col.size, len(q))
	}
	all, err := sorted(col, req.GetFilter())
	if err != nil {
		return nil, err
	}
	scored := make([]*qdrant.ScoredPoint, 0, len(all))
	for _, pt := range all {
		s := score(col.distance, q, pt.vector)
		if req.ScoreThreshold != nil && s < req.GetScoreThreshold() {
			continue
		}
		scored = append(scored, &qdrant.ScoredPoint{
			Id: pt.id, Score: s, Payload: payloadFor(pt, req.GetWithPayload()), Vectors: vectorsFor(pt, req.GetWithVectors()),
		})
	}
	sort.SliceStable(scored, func(i, j int) bool { return scored[i].Score > scored[j].Score })
	off, limit := int(req.GetOffset()), int(req.GetLimit())
	if req.Limit == nil {
		limit = 10
	}
	off = min(off, len(scored))
	return &qdrant.QueryResponse{Result: scored[off:min(len(scored), off+limit)]}, nil
}

// score is the similarity of q and v under distance d.
func score(d qdrant.Distance, q, v []float32) float32 {
	var dot, nq, nv float64
	for i := range q {
		dot += float64(q[i]) * float64(v[i])
		nq += float64(q[i]) * float64(q[i])
		nv += float64(v[i]) * float64(v[i])
	}
	switch d {
	case qdrant.Distance_Dot:
		return float32(dot)
	case qdrant.Distance_Euclid:
		return float32(math.Sqrt(max(nq+nv-2*dot, 0)))
	}
	if nq == 0 || nv == 0 {
		return 0
	}
	return float32(dot / math.Sqrt(nq*nv))
}

// payloadFor returns a point's payload when sel asks for it.
func payloadFor(pt *point, sel *qdrant.WithPayloadSelector) map[string]*qdrant.Value {
	if sel == nil || !sel.GetEnable() && sel.GetInclude() == nil {
		return nil
	}
	if inc := sel.GetInclude(); inc != nil {
		out := make(map[string]*qdrant.Value)
		for _, f := range inc.GetFields() {
			if v, ok := pt.payload[f]; ok {
				out[f] = v
			}
		}
		return out
	}
	return clonePayload(pt.payload)
}

// vectorsFor returns a point's vector when sel asks for it.
func vectorsFor(pt *point, sel *qdrant.WithVectorsSelector) *qdrant.VectorsOutput {
	if sel == nil || !sel.GetEnable() {
		return nil
	}
	return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vector{Vector: &qdrant.VectorOutput{
		Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: append([]float32(nil), pt.vector...)}},
	}}}
}
