package nlu

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// heldOutTexts returns the utterances of a held-out file.
func heldOutTexts(b *testing.B, file string) []string {
	b.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			b.Fatal(err)
		}
		out = append(out, l.Text)
	}
	return out
}

// BenchmarkParse parses the held-out utterances in turn and reports the
// median and 99th percentile of one Parse (p50-us, p99-us) besides the mean.
func BenchmarkParse(b *testing.B) {
	p := retailParser(b)
	for _, lang := range []string{"en", "zh"} {
		b.Run(lang, func(b *testing.B) {
			texts := heldOutTexts(b, "heldout."+lang+".jsonl")
			ctx := context.Background()
			opts := ParseOptions{Language: lang, Now: testNow}
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := p.Parse(ctx, texts[i%len(texts)], opts); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1e3, "p50-us")
			b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds())/1e3, "p99-us")
		})
	}
}

// BenchmarkNew measures training the English and Mandarin retail domains.
func BenchmarkNew(b *testing.B) {
	en, err := LoadDomain(examplesEN)
	if err != nil {
		b.Fatal(err)
	}
	zh, err := LoadDomain(examplesZH)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := New(en, WithDomain(zh)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractEntities measures the entity extractors alone.
func BenchmarkExtractEntities(b *testing.B) {
	texts := []string{
		"my order is four eight two seven one six three and i was charged forty two fifty on december third",
		"my email is jane dot doe at example dot com call me at five five five one two three four five six seven",
		"订单四八二七一六三下周二下午三点半扣了我二十五块五",
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ExtractEntities(texts[i%len(texts)], ExtractOptions{Now: testNow})
	}
}
