package vecindex

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// bruteForce ranks rows by cosine the slow, obvious way.
func bruteForce(vecs map[string][]float32, langs map[string]string, q []float32, k int, lang string) []string {
	type scored struct {
		id string
		s  float64
	}
	var all []scored
	for id, v := range vecs {
		if lang != "" && langs[id] != lang {
			continue
		}
		var dot, nq, nv float64
		for i := range q {
			dot += float64(q[i]) * float64(v[i])
			nq += float64(q[i]) * float64(q[i])
			nv += float64(v[i]) * float64(v[i])
		}
		all = append(all, scored{id, dot / math.Sqrt(nq*nv)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s > all[j].s })
	var out []string
	for i := 0; i < len(all) && i < k; i++ {
		out = append(out, all[i].id)
	}
	return out
}

func randomVector(r *rand.Rand, dims int, sparse bool) []float32 {
	v := make([]float32, dims)
	for i := range v {
		if !sparse || r.IntN(8) == 0 {
			v[i] = float32(r.NormFloat64())
		}
	}
	v[r.IntN(dims)] += 0.5 // never all zero
	return v
}

func TestSearchMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const dims = 37 // not a multiple of the unrolled loop
	x := New[string](dims)
	vecs := map[string][]float32{}
	langs := map[string]string{}
	for i := range 300 {
		id := fmt.Sprintf("c%d", i)
		lang := []string{"en", "zh"}[i%2]
		v := randomVector(r, dims, i%3 == 0)
		if err := x.Add(id, lang, v, id); err != nil {
			t.Fatal(err)
		}
		vecs[id], langs[id] = v, lang
	}
	// Remove some rows and replace others, to exercise the swaps.
	for i := 0; i < 300; i += 7 {
		id := fmt.Sprintf("c%d", i)
		x.Remove(id)
		delete(vecs, id)
	}
	for i := 1; i < 300; i += 11 {
		id := fmt.Sprintf("c%d", i)
		if _, ok := vecs[id]; !ok {
			continue
		}
		v := randomVector(r, dims, false)
		if err := x.Add(id, langs[id], v, id); err != nil {
			t.Fatal(err)
		}
		vecs[id] = v
	}
	if x.Len() != len(vecs) {
		t.Fatalf("Len = %d, want %d", x.Len(), len(vecs))
	}
	tests := []struct {
		desc   string
		k      int
		lang   string
		sparse bool
	}{
		{"top 10, all languages", 10, "", false},
		{"top 5, one language", 5, "zh", false},
		{"sparse query", 20, "en", true},
		{"k above the row count", 1000, "", false},
	}
	for _, tc := range tests {
		for range 20 {
			q := randomVector(r, dims, tc.sparse)
			got, err := x.Search(q, tc.k, tc.lang, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteForce(vecs, langs, q, tc.k, tc.lang)
			if len(got) != len(want) {
				t.Fatalf("%s: %d results, want %d", tc.desc, len(got), len(want))
			}
			for i := range got {
				if got[i].Payload != want[i] {
					t.Fatalf("%s: result %d is %s, want %s", tc.desc, i, got[i].Payload, want[i])
				}
			}
		}
	}
}

func TestErrors(t *testing.T) {
	x := New[int](3)
	tests := []struct {
		desc string
		err  error
		want error
	}{
		{"short vector", x.Add("a", "en", []float32{1, 2}, 0), ErrDimensions},
		{"zero vector", x.Add("a", "en", []float32{0, 0, 0}, 0), ErrVector},
		{"NaN", x.Add("a", "en", []float32{float32(math.NaN()), 0, 1}, 0), ErrVector},
		{"infinite", x.Add("a", "en", []float32{float32(math.Inf(1)), 0, 1}, 0), ErrVector},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.desc, tc.err, tc.want)
		}
	}
	if err := x.Add("a", "en", []float32{1, 0, 0}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Search([]float32{1, 0}, 1, "", nil); !errors.Is(err, ErrDimensions) {
		t.Errorf("short query: %v", err)
	}
	if res, err := x.Search([]float32{1, 0, 0}, 3, "fr", nil); err != nil || len(res) != 0 {
		t.Errorf("unknown language: %v, %v", res, err)
	}
	x.Remove("missing")
	if v, ok := x.Vector("a", nil); !ok || v[0] != 1 {
		t.Errorf("Vector = %v, %v", v, ok)
	}
}

func BenchmarkSearch10kSparse(b *testing.B) { benchSearch(b, true) }
func BenchmarkSearch10kDense(b *testing.B)  { benchSearch(b, false) }

func benchSearch(b *testing.B, sparse bool) {
	r := rand.New(rand.NewPCG(3, 4))
	const dims = 1024
	x := New[int](dims)
	for i := range 10000 {
		if err := x.Add(fmt.Sprint(i), "en", randomVector(r, dims, true), i); err != nil {
			b.Fatal(err)
		}
	}
	q := randomVector(r, dims, false)
	if sparse {
		q = make([]float32, dims)
		for range 100 {
			q[r.IntN(dims)] = 1
		}
	}
	dst := make([]Result[int], 0, 50)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = x.Search(q, 50, "en", dst); err != nil {
			b.Fatal(err)
		}
	}
}
