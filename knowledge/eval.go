package knowledge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Question is a held-out caller question and the article that answers
// it, one line of a questions file: {"question": "...", "doc": "path.md"}.
type Question struct {
	// Question is asked as a caller says it (as a recognizer returns it).
	Question string `json:"question"`
	// Doc is the path, relative to the ingested folder, of the article
	// that answers it.
	Doc string `json:"doc"`
}

// ReadQuestions reads a questions file: one JSON object per line, blank
// lines and lines starting with '#' ignored. An invalid line fails with
// ErrQuestions naming it. At most 1 MiB per line.
func ReadQuestions(r io.Reader) ([]Question, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var qs []Question
	for line := 1; sc.Scan(); line++ {
		t := bytes.TrimSpace(sc.Bytes())
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		var q Question
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrQuestions, line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%w: line %d: more than one JSON value", ErrQuestions, line)
		}
		q.Question, q.Doc = strings.TrimSpace(q.Question), strings.TrimSpace(q.Doc)
		if q.Question == "" || q.Doc == "" {
			return nil, fmt.Errorf("%w: line %d: question and doc must not be empty", ErrQuestions, line)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrQuestions, err)
	}
	return qs, nil
}

// EvalOptions configures Evaluate.
type EvalOptions struct {
	// Language is passed to every search (SearchOptions.Language).
	Language string
	// K is how many hits each search returns; 0 means 3.
	K int
	// Now is the clock that times searches; nil means time.Now.
	Now func() time.Time
}

// EvalReport is the outcome of an evaluation.
type EvalReport struct {
	// Questions is how many questions were asked.
	Questions int `json:"questions"`
	// Top1 and Top3 are the shares of questions whose article is the
	// first hit, or among the first three hits.
	Top1 float64 `json:"top1"`
	Top3 float64 `json:"top3"`
	// MRR is the mean reciprocal rank of the right article among the K
	// hits (0 when absent).
	MRR float64 `json:"mrr"`
	// P50 and P99 are the median and 99th percentile search latency.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Misses are the questions whose article was not among the first
	// three hits, with what came first instead.
	Misses []Miss `json:"misses,omitempty"`
}

// Miss is a question answered from the wrong articles.
type Miss struct {
	Question
	// Got lists the articles of the first hits, best first.
	Got []string `json:"got"`
}

// Evaluate asks s every question and measures how often the right
// article comes first and among the first three hits. It returns ctx's
// error when ctx ends, and the first search error.
func Evaluate(ctx context.Context, s Searcher, qs []Question, opts EvalOptions) (EvalReport, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	k := opts.K
	if k <= 0 {
		k = 3
	}
	rep := EvalReport{Questions: len(qs)}
	lat := make([]time.Duration, 0, len(qs))
	var top1, top3 int
	for _, q := range qs {
		start := now()
		hits, err := s.Search(ctx, q.Question, SearchOptions{K: k, Language: opts.Language})
		lat = append(lat, now().Sub(start))
		if err != nil {
			return rep, fmt.Errorf("knowledge: evaluating %q: %w", q.Question, err)
		}
		rank := 0
		for i, h := range hits {
			if h.Doc == q.Doc {
				rank = i + 1
				break
			}
		}
		if rank == 1 {
			top1++
		}
		if rank >= 1 && rank <= 3 {
			top3++
		} else {
			m := Miss{Question: q}
			for _, h := range hits {
				m.Got = append(m.Got, h.Doc)
			}
			rep.Misses = append(rep.Misses, m)
		}
		if rank > 0 {
			rep.MRR += 1 / float64(rank)
		}
	}
	if len(qs) > 0 {
		n := float64(len(qs))
		rep.Top1, rep.Top3, rep.MRR = float64(top1)/n, float64(top3)/n, rep.MRR/n
		slices.Sort(lat)
		rep.P50, rep.P99 = Percentile(lat, 0.50), Percentile(lat, 0.99)
	}
	return rep, nil
}

// Percentile returns the q-quantile (0..1) of sorted durations by the
// nearest-rank method; 0 for none.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
