package vad

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// A minimal reader and writer of the protocol buffers wire format
// (https://protobuf.dev/programming-guides/encoding/), enough to read the
// weights out of an ONNX model file and to write a new ONNX graph around
// them. The reader never panics on malformed input: model files come from
// the user's disk.

// Wire types.
const (
	pbVarint  = 0
	pbFixed64 = 1
	pbBytes   = 2
	pbFixed32 = 5
)

// errPB is wrapped by every malformed-input error of the reader.
var errPB = errors.New("malformed protocol buffer")

// pbField is one field of an encoded message. For pbBytes, b aliases the
// input; for the other wire types, u holds the value.
type pbField struct {
	num  int
	wire int
	u    uint64
	b    []byte
}

// pbParse splits an encoded message into its fields, in order.
func pbParse(b []byte) ([]pbField, error) {
	var out []pbField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, fmt.Errorf("%w: bad field key", errPB)
		}
		b = b[n:]
		f := pbField{num: int(key >> 3), wire: int(key & 7)}
		if key>>3 == 0 || key>>3 > math.MaxInt32 {
			return nil, fmt.Errorf("%w: field number %d", errPB, key>>3)
		}
		switch f.wire {
		case pbVarint:
			f.u, n = binary.Uvarint(b)
			if n <= 0 {
				return nil, fmt.Errorf("%w: bad varint in field %d", errPB, f.num)
			}
			b = b[n:]
		case pbFixed64:
			if len(b) < 8 {
				return nil, fmt.Errorf("%w: short fixed64 in field %d", errPB, f.num)
			}
			f.u, b = binary.LittleEndian.Uint64(b), b[8:]
		case pbFixed32:
			if len(b) < 4 {
				return nil, fmt.Errorf("%w: short fixed32 in field %d", errPB, f.num)
			}
			f.u, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		case pbBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, fmt.Errorf("%w: bad length in field %d", errPB, f.num)
			}
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, fmt.Errorf("%w: wire type %d in field %d", errPB, f.wire, f.num)
		}
		out = append(out, f)
	}
	return out, nil
}

// pbFirstString returns the first length-delimited field num as a string.
func pbFirstString(fs []pbField, num int) string {
	for _, f := range fs {
		if f.num == num && f.wire == pbBytes {
			return string(f.b)
		}
	}
	return ""
}

// pbInt64s collects the repeated int64 field num, packed or not.
func pbInt64s(fs []pbField, num int) ([]int64, error) {
	var out []int64
	for _, f := range fs {
		if f.num != num {
			continue
		}
		switch f.wire {
		case pbVarint:
			out = append(out, int64(f.u))
		case pbBytes:
			for b := f.b; len(b) > 0; {
				v, n := binary.Uvarint(b)
				if n <= 0 {
					return nil, fmt.Errorf("%w: bad packed varint in field %d", errPB, num)
				}
				out = append(out, int64(v))
				b = b[n:]
			}
		default:
			return nil, fmt.Errorf("%w: wire type %d for int64 field %d", errPB, f.wire, num)
		}
	}
	return out, nil
}

// pbFloat32s collects the repeated float field num, packed or not.
func pbFloat32s(fs []pbField, num int) ([]float32, error) {
	var out []float32
	for _, f := range fs {
		if f.num != num {
			continue
		}
		switch f.wire {
		case pbFixed32:
			out = append(out, math.Float32frombits(uint32(f.u)))
		case pbBytes:
			if len(f.b)%4 != 0 {
				return nil, fmt.Errorf("%w: packed floats of %d bytes in field %d", errPB, len(f.b), num)
			}
			for i := 0; i < len(f.b); i += 4 {
				out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(f.b[i:])))
			}
		default:
			return nil, fmt.Errorf("%w: wire type %d for float field %d", errPB, f.wire, num)
		}
	}
	return out, nil
}

// pbWriter appends an encoded message to buf.
type pbWriter struct{ buf []byte }

func (w *pbWriter) key(num, wire int) {
	w.buf = binary.AppendUvarint(w.buf, uint64(num)<<3|uint64(wire))
}

// varint writes an integer field (int32, int64, enum, bool).
func (w *pbWriter) varint(num int, v int64) {
	w.key(num, pbVarint)
	w.buf = binary.AppendUvarint(w.buf, uint64(v))
}

// bytes writes a length-delimited field.
func (w *pbWriter) bytes(num int, b []byte) {
	w.key(num, pbBytes)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(b)))
	w.buf = append(w.buf, b...)
}

func (w *pbWriter) str(num int, s string) { w.bytes(num, []byte(s)) }

// float32 writes a float field.
func (w *pbWriter) float32(num int, v float32) {
	w.key(num, pbFixed32)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(v))
}

// packedInt64s writes a repeated int64 field in packed form.
func (w *pbWriter) packedInt64s(num int, vs []int64) {
	var p []byte
	for _, v := range vs {
		p = binary.AppendUvarint(p, uint64(v))
	}
	w.bytes(num, p)
}

// msg writes a nested message built by fill.
func (w *pbWriter) msg(num int, fill func(m *pbWriter)) {
	var m pbWriter
	fill(&m)
	w.bytes(num, m.buf)
}
