package qdrant

import (
	"crypto/sha1"
	"fmt"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"github.com/parley-voice/parley/knowledge"
)

// Payload keys of chunk points.
const (
	keyID       = "id"
	keyDoc      = "doc"
	keyIndex    = "index"
	keyTitle    = "title"
	keyHeading  = "heading"
	keyText     = "text"
	keyLanguage = "language"
)

// Payload keys of document registry points.
const (
	keyPath     = "path"
	keyHash     = "hash"
	keyEmbedder = "embedder"
	keyIngested = "ingested_ms"
)

// pointID returns the UUID (version 5, RFC 9562 section 5.5) of a chunk
// ID or document path, within a namespace of this package, since Qdrant
// point IDs are numbers or UUIDs.
func pointID(kind, name string) *qdrant.PointId {
	// Namespace: the UUID of "parley-voice/knowledge" in the URL
	// namespace, fixed forever.
	ns := [16]byte{0x5c, 0x8e, 0x2f, 0x1a, 0x4b, 0x7d, 0x5e, 0x3c, 0x9a, 0x10, 0x2b, 0x6f, 0x71, 0x0d, 0xe4, 0x93}
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(kind + ":" + name))
	sum := h.Sum(nil)
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return qdrant.NewIDUUID(fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]))
}

// chunkPoint returns the point of a record.
func chunkPoint(r knowledge.Record) *qdrant.PointStruct {
	return &qdrant.PointStruct{
		Id:      pointID("chunk", r.ID),
		Vectors: qdrant.NewVectorsDense(r.Vector),
		Payload: map[string]*qdrant.Value{
			keyID:       qdrant.NewValueString(r.ID),
			keyDoc:      qdrant.NewValueString(r.Doc),
			keyIndex:    qdrant.NewValueInt(int64(r.Index)),
			keyTitle:    qdrant.NewValueString(r.Title),
			keyHeading:  qdrant.NewValueString(r.Heading),
			keyText:     qdrant.NewValueString(r.Text),
			keyLanguage: qdrant.NewValueString(r.Language),
		},
	}
}

// docPoint returns the registry point of a document.
func docPoint(d knowledge.Document) *qdrant.PointStruct {
	return &qdrant.PointStruct{
		Id:      pointID("doc", d.Path),
		Vectors: qdrant.NewVectorsDense([]float32{1}),
		Payload: map[string]*qdrant.Value{
			keyPath:     qdrant.NewValueString(d.Path),
			keyHash:     qdrant.NewValueString(d.Hash),
			keyTitle:    qdrant.NewValueString(d.Title),
			keyLanguage: qdrant.NewValueString(d.Language),
			keyEmbedder: qdrant.NewValueString(d.Embedder),
			keyIngested: qdrant.NewValueInt(d.Ingested.UnixMilli()),
		},
	}
}

// payload reads typed fields of a payload, remembering the first field
// missing or of the wrong type.
type payload struct {
	m   map[string]*qdrant.Value
	bad string
}

func (p *payload) str(key string) string {
	v, ok := p.m[key].GetKind().(*qdrant.Value_StringValue)
	if !ok {
		p.fail(key)
		return ""
	}
	return v.StringValue
}

func (p *payload) int(key string) int64 {
	switch v := p.m[key].GetKind().(type) {
	case *qdrant.Value_IntegerValue:
		return v.IntegerValue
	case *qdrant.Value_DoubleValue:
		return int64(v.DoubleValue)
	}
	p.fail(key)
	return 0
}

func (p *payload) fail(key string) {
	if p.bad == "" {
		p.bad = key
	}
}

func (p *payload) err() error {
	if p.bad == "" {
		return nil
	}
	return fmt.Errorf("%w: payload field %q missing or of the wrong type", ErrPayload, p.bad)
}

// chunkOf reads a chunk from a point's payload.
func chunkOf(m map[string]*qdrant.Value) (knowledge.Chunk, error) {
	p := payload{m: m}
	c := knowledge.Chunk{
		ID: p.str(keyID), Doc: p.str(keyDoc), Index: int(p.int(keyIndex)), Title: p.str(keyTitle),
		Heading: p.str(keyHeading), Text: p.str(keyText), Language: p.str(keyLanguage),
	}
	return c, p.err()
}

// documentOf reads a document from a registry point's payload.
func documentOf(m map[string]*qdrant.Value) (knowledge.Document, error) {
	p := payload{m: m}
	d := knowledge.Document{
		Path: p.str(keyPath), Hash: p.str(keyHash), Title: p.str(keyTitle), Language: p.str(keyLanguage),
		Embedder: p.str(keyEmbedder), Ingested: time.UnixMilli(p.int(keyIngested)).UTC(),
	}
	return d, p.err()
}

// vectorOf returns a point's dense vector in either wire form.
func vectorOf(v *qdrant.VectorsOutput) []float32 {
	out := v.GetVector()
	if d := out.GetDense(); d != nil {
		return d.GetData()
	}
	//lint:ignore SA1019 servers before 1.12 fill only the deprecated data field.
	return out.GetData()
}
