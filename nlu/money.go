package nlu

import (
	"strconv"
	"strings"
)

// Money in English. Recognized forms, in US dollars with two decimals:
//
//	"$42.50", "$42", "42.50 dollars"              written amounts
//	"eighty nine dollars", "a hundred bucks"     89.00, 100.00
//	"twelve dollars and five cents"              12.05
//	"forty two dollars fifty"                    42.50
//	"fifty cents"                                0.50
//	"charged forty two fifty", "charge of nineteen ninety nine"
//	                                             42.50, 19.99: two numbers after
//	                                             a word about money
//	"charged fifty"                              50.00: one number right after
//	                                             such a word, ending the clause

// isDollarWord reports whether w names dollars.
func isDollarWord(w string) bool {
	switch w {
	case "dollar", "dollars", "buck", "bucks", "usd":
		return true
	}
	return false
}

// isCentWord reports whether w names cents.
func isCentWord(w string) bool {
	return w == "cent" || w == "cents"
}

// isMoneyCue reports whether w is about charging or paying, so that the
// numbers after it are an amount.
func isMoneyCue(w string) bool {
	switch w {
	case "charged", "charge", "charges", "billed", "bill", "paid", "pay", "paying", "cost", "costs", "price",
		"priced", "refund", "refunded", "overcharged", "overcharge", "amount", "total", "balance", "fee", "fees",
		"owe", "owed", "spent", "spend", "credited", "debited", "worth":
		return true
	}
	return false
}

// moneyEN finds the amounts of money.
func (x *extraction) moneyEN() {
	for i := 0; i < len(x.toks); i++ {
		if x.taken[i] {
			continue
		}
		if x.toks[i].text == "$" {
			x.dollarSign(i)
			continue
		}
		if isDecimal(x.toks[i].text) && isDollarWord(x.tok(i+1)) {
			x.writtenAmount(x.toks[i].text, i, i+2)
			continue
		}
		r, ok := x.runStarting(i)
		if !ok {
			continue
		}
		x.spokenAmount(r)
	}
}

// dollarSign reads "$42.50", "$42" and "$ forty two".
func (x *extraction) dollarSign(i int) {
	next := x.tok(i + 1)
	if isDecimal(next) || isASCIIDigits(next) {
		x.writtenAmount(next, i, i+2)
		return
	}
	if r, ok := x.runStarting(i + 1); ok {
		if d, c, to, ok := x.amountRun(r, true); ok {
			x.buf = appendMoney(x.buf[:0], d, c)
			x.add(EntityMoney, i, to, 0)
		}
	}
}

// writtenAmount records "42.5" or "42" over tokens [from, to) as money.
func (x *extraction) writtenAmount(w string, from, to int) {
	whole, frac, _ := strings.Cut(w, ".")
	if len(whole) > 15 {
		return
	}
	d, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return
	}
	c := 0
	switch len(frac) {
	case 0:
	case 1:
		c = int(frac[0]-'0') * 10
	default:
		c = int(frac[0]-'0')*10 + int(frac[1]-'0')
	}
	x.buf = appendMoney(x.buf[:0], d, c)
	x.add(EntityMoney, from, to, 0)
}

// spokenAmount reads an amount that starts with the number run r.
func (x *extraction) spokenAmount(r numRun) {
	// "fifty cents"
	if isCentWord(x.tok(r.to)) {
		if v, _, ok := r.cardinal(); ok && v < 100 {
			x.buf = appendMoney(x.buf[:0], 0, int(v))
			x.add(EntityMoney, r.from, r.to+1, 0)
		}
		return
	}
	cue := x.moneyCueBefore(r.from)
	d, c, to, ok := x.amountRun(r, cue)
	if !ok {
		return
	}
	x.buf = appendMoney(x.buf[:0], d, c)
	x.add(EntityMoney, r.from, to, 0)
}

// amountRun reads the dollars and cents that start with run r: a run
// followed by a dollar word (and perhaps cents), or, when cued, two
// numbers ("forty two fifty") or one number ending the clause.
func (x *extraction) amountRun(r numRun, cued bool) (dollars int64, cents, to int, ok bool) {
	if isDollarWord(x.tok(r.to)) {
		if v, _, ok := r.cardinal(); ok {
			c, end := x.centsAfter(r.to + 1)
			return v, c, end, true
		}
		if d, c, ok := pairAmount(r); ok {
			return d, c, r.to + 1, true
		}
		return 0, 0, 0, false
	}
	if !cued {
		return 0, 0, 0, false
	}
	if d, c, ok := pairAmount(r); ok {
		return d, c, r.to, true
	}
	if v, half, ok := r.cardinal(); ok && !half && v > 0 && r.groups[0].kind != gArabic && endsClause(x.tok(r.to)) {
		return v, 0, r.to, true
	}
	return 0, 0, 0, false
}

// centsAfter reads the cents after "dollars": "and five cents", "fifty",
// "fifty cents". It returns 0 and i when there are none.
func (x *extraction) centsAfter(i int) (int, int) {
	j := i
	and := x.tok(j) == "and"
	if and {
		j++
	}
	r, ok := x.runStarting(j)
	if !ok {
		return 0, i
	}
	v, _, ok := r.cardinal()
	if !ok || v >= 100 {
		return 0, i
	}
	if isCentWord(x.tok(r.to)) {
		return int(v), r.to + 1
	}
	if and {
		return 0, i // "five dollars and two items"
	}
	return int(v), r.to
}

// pairAmount reads a run of two numbers as dollars and cents: "forty two
// fifty" (42.50), "nineteen ninety nine" (19.99), "six oh five" (6.05).
func pairAmount(r numRun) (int64, int, bool) {
	g := r.groups
	var d, c numGroup
	switch {
	case len(g) == 2:
		d, c = g[0], g[1]
		if c.kind != gTeen && c.kind != gTens && c.kind != gCompound {
			return 0, 0, false
		}
	case len(g) == 3 && g[1].kind == gDigit && g[1].value == 0 && g[2].kind == gDigit:
		d, c = g[0], g[2]
	default:
		return 0, 0, false
	}
	if d.kind == gArabic || d.kind == gRepeat || d.value <= 0 || d.value > 9999 || c.value > 99 {
		return 0, 0, false
	}
	return d.value, int(c.value), true
}

// moneyCueBefore reports whether a word about money comes within three
// tokens before token i.
func (x *extraction) moneyCueBefore(i int) bool {
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if isMoneyCue(x.toks[j].text) {
			return true
		}
		if x.taken[j] {
			return false
		}
	}
	return false
}

// endsClause reports whether w can follow an amount that ends a clause
// ("charged fifty on my card"), as opposed to a counted noun ("charged two
// times").
func endsClause(w string) bool {
	switch w {
	case "", "and", "on", "for", "to", "instead", "but", "which", "that", "when", "even", "though", "so",
		"yesterday", "today", "last", "this", "from", "at", "in", "again", "please", "not", "or", "i",
		"then", "twice", "extra", "more", "too":
		return true
	}
	return false
}
