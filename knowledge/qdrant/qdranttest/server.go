// Package qdranttest is an in-memory Qdrant for tests: a gRPC server
// speaking the Points, Collections and Qdrant (health) services of
// github.com/qdrant/go-client with exact (brute-force) search, payload
// filters (match, range, has_id, nested filters), scrolling by ID, an
// optional API key, and injectable failures. It implements what a
// knowledge store needs, not all of Qdrant: other calls answer
// codes.Unimplemented.
package qdranttest

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Version is the Qdrant version the server reports.
const Version = "1.17.0"

// Server is an in-memory Qdrant. It is safe for concurrent use.
type Server struct {
	grpc *grpc.Server
	lis  net.Listener
	done chan struct{}

	mu          sync.Mutex
	collections map[string]*collection
	apiKey      string
	fail        error
	calls       map[string]int
}

// collection is one collection's points.
type collection struct {
	size     uint64
	distance qdrant.Distance
	points   map[string]*point
	indexes  map[string]bool
}

// point is one stored point.
type point struct {
	id      *qdrant.PointId
	vector  []float32
	payload map[string]*qdrant.Value
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey makes the server refuse calls without this key in the
// "api-key" metadata, as Qdrant does with service.api_key set.
func WithAPIKey(key string) Option { return func(s *Server) { s.apiKey = key } }

// Start starts a server on a free port of 127.0.0.1. Stop it with Close.
func Start(opts ...Option) (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{lis: lis, done: make(chan struct{}), collections: make(map[string]*collection), calls: make(map[string]int)}
	for _, o := range opts {
		o(s)
	}
	s.grpc = grpc.NewServer(grpc.UnaryInterceptor(s.intercept))
	qdrant.RegisterQdrantServer(s.grpc, health{})
	qdrant.RegisterCollectionsServer(s.grpc, &collections{s: s})
	qdrant.RegisterPointsServer(s.grpc, &points{s: s})
	go func() {
		defer close(s.done)
		s.grpc.Serve(lis)
	}()
	return s, nil
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// Host returns the server's host.
func (s *Server) Host() string { return s.lis.Addr().(*net.TCPAddr).IP.String() }

// Port returns the server's port.
func (s *Server) Port() int { return s.lis.Addr().(*net.TCPAddr).Port }

// Close stops the server and waits for it.
func (s *Server) Close() {
	s.grpc.Stop()
	<-s.done
}

// SetFailure makes every call fail with err (a gRPC status error, such
// as status.Error(codes.Unavailable, "...")) until it is set to nil.
func (s *Server) SetFailure(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// Calls returns how many times the RPC named method ("Upsert", "Query")
// was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Points returns the number of points in a collection, -1 when it does
// not exist.
func (s *Server) Points(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.collections[name]
	if !ok {
		return -1
	}
	return len(c.points)
}

// Collections returns the names of the collections, sorted.
func (s *Server) Collections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.collections {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// intercept checks the API key, applies the injected failure and counts
// calls.
func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	method := info.FullMethod[strings.LastIndexByte(info.FullMethod, '/')+1:]
	s.mu.Lock()
	s.calls[method]++
	fail, key := s.fail, s.apiKey
	s.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	if key != "" {
		md, _ := metadata.FromIncomingContext(ctx)
		if got := md.Get("api-key"); len(got) != 1 || got[0] != key {
			return nil, status.Error(codes.Unauthenticated, "Invalid api-key")
		}
	}
	return handler(ctx, req)
}

// collection returns the named collection or a NotFound status, as
// Qdrant answers.
func (s *Server) collection(name string) (*collection, error) {
	c, ok := s.collections[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

// idKey returns a map key for a point ID.
func idKey(id *qdrant.PointId) string {
	if id == nil {
		return ""
	}
	switch v := id.PointIdOptions.(type) {
	case *qdrant.PointId_Num:
		return fmt.Sprintf("n:%020d", v.Num)
	case *qdrant.PointId_Uuid:
		return "u:" + strings.ToLower(v.Uuid)
	}
	return ""
}

// clonePayload deep-copies a payload.
func clonePayload(p map[string]*qdrant.Value) map[string]*qdrant.Value {
	out := make(map[string]*qdrant.Value, len(p))
	for k, v := range p {
		out[k] = proto.Clone(v).(*qdrant.Value)
	}
	return out
}

// health answers HealthCheck.
type health struct {
	qdrant.UnimplementedQdrantServer
}

// HealthCheck reports the server's version.
func (health) HealthCheck(context.Context, *qdrant.HealthCheckRequest) (*qdrant.HealthCheckReply, error) {
	return &qdrant.HealthCheckReply{Title: "qdrant - vector search engine", Version: Version}, nil
}

// collections is the Collections service.
type collections struct {
	qdrant.UnimplementedCollectionsServer
	s *Server
}

// Create creates a collection of single unnamed dense vectors.
func (c *collections) Create(_ context.Context, req *qdrant.CreateCollection) (*qdrant.CollectionOperationResponse, error) {
	params := req.GetVectorsConfig().GetParams()
	if params == nil || params.GetSize() == 0 {
		return nil, status.Error(codes.InvalidArgument, "Wrong input: this test server keeps single unnamed dense vectors: give vectors_config.params.size")
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if _, ok := c.s.collections[req.GetCollectionName()]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Wrong input: Collection `%s` already exists!", req.GetCollectionName())
	}
	c.s.collections[req.GetCollectionName()] = &collection{
		size: params.GetSize(), distance: params.GetDistance(), points: make(map[string]*point), indexes: make(map[string]bool),
	}
	return &qdrant.CollectionOperationResponse{Result: true}, nil
}

// Delete deletes a collection; deleting a missing one answers false.
func (c *collections) Delete(_ context.Context, req *qdrant.DeleteCollection) (*qdrant.CollectionOperationResponse, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	_, ok := c.s.collections[req.GetCollectionName()]
	delete(c.s.collections, req.GetCollectionName())
	return &qdrant.CollectionOperationResponse{Result: ok}, nil
}

// Get describes a collection.
func (c *collections) Get(_ context.Context, req *qdrant.GetCollectionInfoRequest) (*qdrant.GetCollectionInfoResponse, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	col, err := c.s.collection(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	n := uint64(len(col.points))
	return &qdrant.GetCollectionInfoResponse{Result: &qdrant.CollectionInfo{
		Status:      qdrant.CollectionStatus_Green,
		PointsCount: &n,
		Config: &qdrant.CollectionConfig{Params: &qdrant.CollectionParams{
			ShardNumber:   1,
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: col.size, Distance: col.distance}),
		}},
	}}, nil
}

// List lists the collections.
func (c *collections) List(context.Context, *qdrant.ListCollectionsRequest) (*qdrant.ListCollectionsResponse, error) {
	var out []*qdrant.CollectionDescription
	for _, n := range c.s.Collections() {
		out = append(out, &qdrant.CollectionDescription{Name: n})
	}
	return &qdrant.ListCollectionsResponse{Collections: out}, nil
}

// CollectionExists reports whether a collection exists.
func (c *collections) CollectionExists(_ context.Context, req *qdrant.CollectionExistsRequest) (*qdrant.CollectionExistsResponse, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	_, ok := c.s.collections[req.GetCollectionName()]
	return &qdrant.CollectionExistsResponse{Result: &qdrant.CollectionExists{Exists: ok}}, nil
}

// MutatePayload calls fn on the payload of every point of a collection,
// to plant points that another program wrote.
func (s *Server) MutatePayload(name string, fn func(map[string]*qdrant.Value)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.collections[name]; ok {
		for _, p := range c.points {
			fn(p.payload)
		}
	}
}
