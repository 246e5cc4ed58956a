package nlu

import (
	"strconv"
)

// nwKind classifies an English number word.
type nwKind uint8

const (
	nwNone     nwKind = iota
	nwDigit           // zero..nine, oh
	nwTeen            // ten..nineteen
	nwTens            // twenty..ninety
	nwHundred         // hundred
	nwThousand        // thousand
	nwMillion         // million
	nwRepeat          // double, triple: the next digit said two or three times
	nwArabic          // a token of ASCII digits
)

// numberWord classifies an English number word and gives its value (the
// repeat count for nwRepeat).
func numberWord(w string) (nwKind, int64) {
	switch w {
	case "zero", "oh", "o":
		return nwDigit, 0
	case "one":
		return nwDigit, 1
	case "two":
		return nwDigit, 2
	case "three":
		return nwDigit, 3
	case "four":
		return nwDigit, 4
	case "five":
		return nwDigit, 5
	case "six":
		return nwDigit, 6
	case "seven":
		return nwDigit, 7
	case "eight":
		return nwDigit, 8
	case "nine":
		return nwDigit, 9
	case "ten":
		return nwTeen, 10
	case "eleven":
		return nwTeen, 11
	case "twelve":
		return nwTeen, 12
	case "thirteen":
		return nwTeen, 13
	case "fourteen":
		return nwTeen, 14
	case "fifteen":
		return nwTeen, 15
	case "sixteen":
		return nwTeen, 16
	case "seventeen":
		return nwTeen, 17
	case "eighteen":
		return nwTeen, 18
	case "nineteen":
		return nwTeen, 19
	case "twenty":
		return nwTens, 20
	case "thirty":
		return nwTens, 30
	case "forty", "fourty":
		return nwTens, 40
	case "fifty":
		return nwTens, 50
	case "sixty":
		return nwTens, 60
	case "seventy":
		return nwTens, 70
	case "eighty":
		return nwTens, 80
	case "ninety":
		return nwTens, 90
	case "hundred":
		return nwHundred, 100
	case "thousand":
		return nwThousand, 1000
	case "million":
		return nwMillion, 1000000
	case "double":
		return nwRepeat, 2
	case "triple":
		return nwRepeat, 3
	}
	if isASCIIDigits(w) {
		return nwArabic, 0
	}
	return nwNone, 0
}

// isASCIIDigits reports whether w is a non-empty string of ASCII digits.
func isASCIIDigits(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// gKind says how a group of a number run was spoken.
type gKind uint8

const (
	gDigit    gKind = iota + 1 // one digit word: "four", "oh"
	gRepeat                    // "double five", "triple oh"
	gTeen                      // "twelve"
	gTens                      // "forty"
	gCompound                  // "forty two"
	gScaled                    // built with hundred, thousand or million
	gArabic                    // written digits "4827163"
)

// numGroup is one number of a run: a run "forty two fifty" has the groups
// 42 and 50; "four eight two" has three one-digit groups.
type numGroup struct {
	value int64
	// width is the number of digits the group writes, counting the
	// leading zeros of "oh five" style digits and of "double oh".
	width int
	kind  gKind
	// from and to are the group's token indices, to exclusive.
	from, to int
	// text is the written digits of a gArabic group.
	text string
}

// appendDigits appends the group as written digits.
func (g numGroup) appendDigits(b []byte) []byte {
	if g.kind == gArabic {
		return append(b, g.text...)
	}
	n := len(b)
	b = strconv.AppendInt(b, g.value, 10)
	for pad := g.width - (len(b) - n); pad > 0; pad-- {
		b = append(b, 0)
		copy(b[n+1:], b[n:])
		b[n] = '0'
	}
	return b
}

// numRun is a stretch of adjacent number words, split into groups.
type numRun struct {
	// from and to are token indices, to exclusive; they include a trailing
	// "and a half".
	from, to int
	groups   []numGroup
	// half is set when the run ends in "and a half" (or "a half").
	half bool
}

// digitsOnly reports whether every group is single digits ("four eight
// two", "double five", "4827163").
func (r numRun) digitsOnly() bool {
	for _, g := range r.groups {
		if g.kind != gDigit && g.kind != gRepeat && g.kind != gArabic {
			return false
		}
	}
	return true
}

// appendDigits appends the run as one digit string: each group's digits in
// turn ("forty eight twenty seven" is 4827).
func (r numRun) appendDigits(b []byte) []byte {
	for _, g := range r.groups {
		b = g.appendDigits(b)
	}
	return b
}

// numberAt reports whether the token at i starts a number: a number word,
// "oh" or "o" followed by another number word, "a" before a scale word,
// or "double"/"triple" before a digit word.
func numberAt(toks []token, i int) bool {
	if i >= len(toks) || toks[i].han {
		return false
	}
	k, _ := numberWord(toks[i].text)
	switch {
	case k == nwNone:
		return toks[i].text == "a" && i+1 < len(toks) && isScale(toks[i+1].text)
	case toks[i].text == "oh" || toks[i].text == "o":
		return adjacentNumber(toks, i)
	case k == nwRepeat:
		if i+1 >= len(toks) {
			return false
		}
		k2, _ := numberWord(toks[i+1].text)
		return k2 == nwDigit
	case k == nwHundred || k == nwThousand || k == nwMillion:
		return false
	}
	return true
}

// adjacentNumber reports whether the token before or after i is a number
// word other than "oh", so that "oh" there means zero.
func adjacentNumber(toks []token, i int) bool {
	for _, j := range [2]int{i - 1, i + 1} {
		if j < 0 || j >= len(toks) {
			continue
		}
		k, _ := numberWord(toks[j].text)
		if k == nwDigit && toks[j].text != "oh" && toks[j].text != "o" || k == nwTeen || k == nwTens || k == nwArabic || k == nwRepeat {
			return true
		}
		if (toks[j].text == "oh" || toks[j].text == "o") && j == i+1 && adjacentNumberSkip(toks, j, i) {
			return true
		}
	}
	return false
}

// adjacentNumberSkip looks past a chain of "oh"s starting at j (coming from
// i) for a real number word.
func adjacentNumberSkip(toks []token, j, from int) bool {
	for ; j < len(toks); j++ {
		t := toks[j].text
		if t == "oh" || t == "o" {
			continue
		}
		k, _ := numberWord(t)
		return k == nwDigit || k == nwTeen || k == nwTens || k == nwArabic || k == nwRepeat
	}
	return false
}

// isScale reports whether w is hundred, thousand or million.
func isScale(w string) bool {
	return w == "hundred" || w == "thousand" || w == "million"
}

// parseRun parses the number run starting at token i (numberAt(toks, i)
// must hold) and appends its groups to buf. It returns the run, whose groups
// alias buf.
func parseRun(toks []token, i int, buf []numGroup) numRun {
	run := numRun{from: i}
	start := len(buf)
	for i < len(toks) && numberAt(toks, i) {
		g, next := parseGroup(toks, i)
		if next <= i {
			break
		}
		buf = append(buf, g)
		i = next
	}
	run.to = i
	run.groups = buf[start:]
	// "nine and a half", "nine a half" (recognizers drop "and").
	if len(run.groups) > 0 {
		j := i
		if j < len(toks) && toks[j].text == "and" {
			j++
		}
		if j+1 < len(toks) && toks[j].text == "a" && toks[j+1].text == "half" {
			run.half = true
			run.to = j + 2
		}
	}
	return run
}

// parseGroup parses one cardinal (or one digit, or a repeated digit)
// starting at token i and returns it with the index after it.
func parseGroup(toks []token, i int) (numGroup, int) {
	g := numGroup{from: i}
	t := toks[i].text
	k, v := numberWord(t)
	switch {
	case k == nwArabic:
		g.kind, g.text, g.width = gArabic, t, len(t)
		if len(t) <= 18 {
			g.value, _ = strconv.ParseInt(t, 10, 64)
		}
		g.to = i + 1
		return g, i + 1
	case k == nwRepeat:
		_, d := numberWord(toks[i+1].text)
		n := int(v)
		for ; n > 0; n-- {
			g.value = g.value*10 + d
		}
		g.kind, g.width, g.to = gRepeat, int(v), i+2
		return g, i + 2
	case k == nwDigit && v == 0:
		g.kind, g.width, g.to = gDigit, 1, i+1
		return g, i + 1
	case t == "a":
		k, v = nwDigit, 1
	}
	return parseCardinal(toks, i, k, v)
}

// parseCardinal reads a cardinal number starting with the word at i of
// kind k and value v: "one hundred and five", "two thousand twenty six",
// "nineteen hundred".
func parseCardinal(toks []token, i int, k nwKind, v int64) (numGroup, int) {
	g := numGroup{from: i}
	var big, sub int64 // big: millions and thousands; sub: the part below
	last := k
	sub = v
	kind := startKind(k)
	j := i + 1
	for j < len(toks) {
		nk, nv := numberWord(toks[j].text)
		if toks[j].text == "and" && (last == nwHundred || last == nwThousand || last == nwMillion) && j+1 < len(toks) {
			ak, _ := numberWord(toks[j+1].text)
			if ak == nwDigit && toks[j+1].text != "oh" && toks[j+1].text != "o" || ak == nwTeen || ak == nwTens {
				j++
				continue
			}
			break
		}
		ok := true
		switch {
		case nk == nwHundred && sub > 0 && sub < 100 && last != nwHundred:
			sub *= 100
			kind = gScaled
		case nk == nwThousand && sub > 0 && sub < 1000 && big%1000000 == 0,
			nk == nwMillion && sub > 0 && sub < 1000 && big == 0:
			big += sub * nv
			sub = 0
			kind = gScaled
		case nk == nwDigit && nv > 0 && toks[j].text != "o" && toks[j].text != "oh" && (last == nwTens || last == nwHundred || last == nwThousand || last == nwMillion) && sub%10 == 0:
			sub += nv
			if kind == gTens {
				kind = gCompound
			}
		case (nk == nwTeen || nk == nwTens) && (last == nwHundred || last == nwThousand || last == nwMillion):
			sub += nv
		default:
			ok = false
		}
		if !ok {
			break
		}
		last = nk
		j++
	}
	g.value = big + sub
	g.kind = kind
	g.width = len(strconv.FormatInt(g.value, 10))
	g.to = j
	return g, j
}

// startKind is the group kind of a cardinal's first word.
func startKind(k nwKind) gKind {
	switch k {
	case nwTeen:
		return gTeen
	case nwTens:
		return gTens
	}
	return gDigit
}

// cardinal returns the run's value as one number when it is a single
// cardinal group, with a possible half ("nine and a half" is 9.5).
func (r numRun) cardinal() (value int64, half, ok bool) {
	if len(r.groups) != 1 {
		return 0, false, false
	}
	g := r.groups[0]
	if g.kind == gArabic && len(g.text) > 18 {
		return 0, false, false
	}
	return g.value, r.half, true
}

// formatNumber writes a number with an optional half: "9", "9.5".
func formatNumber(b []byte, v int64, half bool) []byte {
	b = strconv.AppendInt(b, v, 10)
	if half {
		b = append(b, ".5"...)
	}
	return b
}
