package hashed

import "slices"

// feature is one hashed feature of a text.
type feature struct {
	hash   uint64
	weight float64 // summed over count occurrences
	count  int
}

// appendFeature appends the feature of kind k with text a (and b, for
// word pairs) and weight w; zero weights are left out.
func appendFeature(dst []feature, k byte, a, b string, w float64) []feature {
	if w <= 0 {
		return dst
	}
	// FNV-1a, 64 bits, over kind, a, a separator and b.
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	h = (h ^ uint64(k)) * prime
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * prime
	}
	if b != "" {
		h = (h ^ 0x1f) * prime
		for i := 0; i < len(b); i++ {
			h = (h ^ uint64(b[i])) * prime
		}
	}
	// Mix the bits so that the bucket (high half) and the sign (low bit)
	// are independent (the finaliser of MurmurHash3).
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return append(dst, feature{hash: h, weight: w, count: 1})
}

// merge sorts features by hash and merges repeats, summing their counts
// and weights; it reuses fs.
func merge(fs []feature) []feature {
	slices.SortFunc(fs, func(a, b feature) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	out := fs[:0]
	for _, f := range fs {
		if n := len(out); n > 0 && out[n-1].hash == f.hash {
			out[n-1].count += f.count
			out[n-1].weight += f.weight
			continue
		}
		out = append(out, f)
	}
	return out
}
