package openai_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeServer speaks the OpenAI embeddings wire format
// (POST /v1/embeddings) with deterministic vectors, and fails the
// requests its script tells it to.
type fakeServer struct {
	t    *testing.T
	dims int // natural length of the model's vectors
	key  string

	mu       sync.Mutex
	script   []fakeReply // replies to the next requests, then success
	requests []embeddingRequest
}

// fakeReply is a scripted answer.
type fakeReply struct {
	status int
	header map[string]string
	body   string
}

// embeddingRequest is the request body of /v1/embeddings.
type embeddingRequest struct {
	Input          []string `json:"input"`
	Model          string   `json:"model"`
	EncodingFormat string   `json:"encoding_format"`
	Dimensions     int      `json:"dimensions"`
}

func newFakeServer(t *testing.T, dims int) (*fakeServer, *httptest.Server) {
	f := &fakeServer{t: t, dims: dims, key: "sk-test-0123456789"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// then scripts the next replies.
func (f *fakeServer) then(replies ...fakeReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, replies...)
}

// calls returns the requests received.
func (f *fakeServer) calls() []embeddingRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]embeddingRequest(nil), f.requests...)
}

func apiErrorBody(msg, typ, code string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}})
	return string(b)
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "404 page not found")
		return
	}
	var req embeddingRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, apiErrorBody("invalid JSON: "+err.Error(), "invalid_request_error", ""), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	var reply *fakeReply
	if len(f.script) > 0 {
		reply = &f.script[0]
		f.script = f.script[1:]
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if reply != nil {
		for k, v := range reply.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(reply.status)
		fmt.Fprint(w, reply.body)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.key {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, apiErrorBody("Incorrect API key provided: sk-wr***.", "invalid_request_error", "invalid_api_key"))
		return
	}
	if req.Model != "text-embedding-3-small" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, apiErrorBody(fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", req.Model), "invalid_request_error", "model_not_found"))
		return
	}
	json.NewEncoder(w).Encode(f.answer(req))
}

// answer returns the embeddings of req's inputs.
func (f *fakeServer) answer(req embeddingRequest) map[string]any {
	dims := f.dims
	if req.Dimensions > 0 {
		dims = req.Dimensions
	}
	data := make([]map[string]any, len(req.Input))
	// Answer in reverse order: clients must sort by index.
	for i := range req.Input {
		j := len(req.Input) - 1 - i
		v := fakeVector(req.Input[j], dims)
		item := map[string]any{"object": "embedding", "index": j, "embedding": v}
		if req.EncodingFormat == "base64" {
			buf := make([]byte, 0, 4*len(v))
			for _, x := range v {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
			item["embedding"] = base64.StdEncoding.EncodeToString(buf)
		}
		data[i] = item
	}
	return map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": len(req.Input), "total_tokens": len(req.Input)},
	}
}

// fakeVector is a deterministic unit vector for text: its words hashed
// into dims dimensions.
func fakeVector(text string, dims int) []float32 {
	v := make([]float32, dims)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%uint32(dims)]++
	}
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	if n == 0 {
		v[0], n = 1, 1
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}
