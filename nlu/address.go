package nlu

import "strings"

// Street addresses: a house number then a street name ending in a street
// word. English "four twelve oak street" is "412 oak street" (house numbers
// are said in groups: "two twenty five" is 225); Mandarin "枫树街二二五号"
// is "枫树街225号".

// maxStreetWords bounds the words of a street name before its street word.
const maxStreetWords = 3

// isStreetWordEN reports whether w ends an English street name.
func isStreetWordEN(w string) bool {
	switch w {
	case "street", "st", "avenue", "ave", "road", "rd", "drive", "dr", "lane", "ln", "boulevard", "blvd",
		"way", "court", "ct", "place", "pl", "circle", "parkway", "pkwy", "terrace", "highway", "hwy",
		"trail", "square", "loop", "alley", "row", "path", "pike", "crescent", "plaza":
		return true
	}
	return false
}

// isStreetCharZH reports whether a Han character ends a Mandarin street
// name.
func isStreetCharZH(s string) bool {
	switch s {
	case "路", "街", "道", "巷", "弄":
		return true
	}
	return false
}

// address finds the last street address of the utterance. When the
// caller was asked for an address (expected), a house number followed by
// words to the end of the utterance is one even without a street word
// ("eighteen pine" is "18 pine").
func (f *filler) address(expected bool) string {
	if f.x.lang == "zh" {
		return f.addressZH()
	}
	best, bestEnt, bestEnd := "", -1, 0
	for i, e := range f.x.ents {
		if f.used[i] || !digitLike(e) || len(e.Value) > 6 {
			continue
		}
		j := e.to
		for ; j < len(f.x.toks) && j-e.to < maxStreetWords+1; j++ {
			t := f.x.toks[j].text
			if isStreetWordEN(t) && j > e.to {
				best, bestEnt, bestEnd = e.Value+" "+joinTokens(f.x.toks[e.to:j+1]), i, j+1
				break
			}
			if f.x.taken[j] || isFunctionWordEN(t) && t != "new" && t != "down" && t != "up" {
				break
			}
		}
		if expected && bestEnt < 0 && j == len(f.x.toks) && j > e.to && j-e.to <= maxStreetWords {
			best, bestEnt, bestEnd = e.Value+" "+joinTokens(f.x.toks[e.to:j]), i, j
		}
	}
	if bestEnt >= 0 {
		f.used[bestEnt] = true
		f.spans = append(f.spans, slotSpan{f.x.ents[bestEnt].from, bestEnd})
	}
	return best
}

// addressZH finds "<name>(路|街|道|巷)<number>号".
func (f *filler) addressZH() string {
	toks := f.x.toks
	best := ""
	for i := 1; i+2 < len(toks); i++ {
		if !isStreetCharZH(toks[i].text) {
			continue
		}
		r, ok := f.x.zhRunAtAny(i + 1)
		if !ok || f.x.tok(r.to) != "号" {
			continue
		}
		from := i
		for j := i - 1; j >= 0 && i-j <= 4 && toks[j].han && !strings.Contains("我的是在到改成为新址地把寄送", toks[j].text); j-- {
			from = j
		}
		if from == i {
			continue
		}
		var b strings.Builder
		for _, t := range toks[from : i+1] {
			b.WriteString(t.text)
		}
		if r.hasUnit {
			v, ok := r.value(toks)
			if !ok {
				continue
			}
			b.WriteString(formatInt(v))
		} else {
			b.Write(r.appendDigits(toks, nil))
		}
		b.WriteString("号")
		best = b.String()
		f.spans = append(f.spans, slotSpan{from, r.to + 1})
	}
	return best
}

// joinTokens joins the tokens' texts with spaces.
func joinTokens(toks []token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// zhRunAtAny returns the numeral run at token i whether or not an
// extractor took it.
func (x *extraction) zhRunAtAny(i int) (zhRun, bool) {
	if i < 0 || i >= len(x.toks) || !zhNumeral(x.toks[i]) {
		return zhRun{}, false
	}
	return scanZhRun(x.toks, i), true
}

// formatInt writes v in decimal.
func formatInt(v int64) string {
	return string(formatNumber(nil, v, false))
}
