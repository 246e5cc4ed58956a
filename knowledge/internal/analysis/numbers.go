package analysis

import "strconv"

// parseNumber reads spoken English number words at the start of words
// ("forty", "two", "hundred") and returns their value as digits and how
// many words it used; used is 0 when words does not start with a number
// word. A run of single digits ("four eight two seven") is read as the
// digit string a caller spells ("4827"); otherwise words combine as a
// number is said ("one hundred twenty five" -> "125"), and a word that
// cannot continue the number ends it.
func parseNumber(words []string) (digits string, used int) {
	if len(words) == 0 {
		return "", 0
	}
	if _, ok := unitValue(words[0]); ok && len(words) > 1 {
		if s, n := spelledDigits(words); n > 1 {
			return s, n
		}
	}
	var total, cur int64
	last := none
	for used < len(words) {
		w := words[used]
		if v, ok := unitValue(w); ok && (last == none || last == tens || last == hundred) {
			cur += v
			last = unit
		} else if v, ok := teenValue(w); ok && (last == none || last == hundred) {
			cur += v
			last = teen
		} else if v, ok := tensValue(w); ok && (last == none || last == hundred) {
			cur += v
			last = tens
		} else if w == "hundred" && (last == unit || last == teen || last == tens || last == none) {
			if last == none {
				cur = 1
			}
			cur *= 100
			last = hundred
		} else if (w == "thousand" || w == "million") && last != none && last != scale {
			mul := int64(1000)
			if w == "million" {
				mul = 1000000
			}
			total += cur * mul
			cur = 0
			last = scale
		} else if w == "and" && last == hundred && used+1 < len(words) && isNumberWord(words[used+1]) {
			// "one hundred and five"
		} else {
			break
		}
		used++
	}
	if last == none {
		return "", 0
	}
	return strconv.FormatInt(total+cur, 10), used
}

// Parts of a spoken number, for parseNumber's grammar.
const (
	none = iota
	unit
	teen
	tens
	hundred
	scale
)

// spelledDigits reads a run of single-digit words ("oh" counts as zero
// inside a run) as a digit string.
func spelledDigits(words []string) (string, int) {
	b := make([]byte, 0, len(words))
	n := 0
	for _, w := range words {
		v, ok := unitValue(w)
		if !ok && w == "oh" && n > 0 {
			v, ok = 0, true
		}
		if !ok {
			break
		}
		b = append(b, byte('0'+v))
		n++
	}
	return string(b), n
}

func isNumberWord(w string) bool {
	_, u := unitValue(w)
	_, t := teenValue(w)
	_, d := tensValue(w)
	return u || t || d || w == "hundred"
}

func unitValue(w string) (int64, bool) {
	switch w {
	case "zero":
		return 0, true
	case "one":
		return 1, true
	case "two":
		return 2, true
	case "three":
		return 3, true
	case "four":
		return 4, true
	case "five":
		return 5, true
	case "six":
		return 6, true
	case "seven":
		return 7, true
	case "eight":
		return 8, true
	case "nine":
		return 9, true
	}
	return 0, false
}

func teenValue(w string) (int64, bool) {
	switch w {
	case "ten":
		return 10, true
	case "eleven":
		return 11, true
	case "twelve":
		return 12, true
	case "thirteen":
		return 13, true
	case "fourteen":
		return 14, true
	case "fifteen":
		return 15, true
	case "sixteen":
		return 16, true
	case "seventeen":
		return 17, true
	case "eighteen":
		return 18, true
	case "nineteen":
		return 19, true
	}
	return 0, false
}

func tensValue(w string) (int64, bool) {
	switch w {
	case "twenty":
		return 20, true
	case "thirty":
		return 30, true
	case "forty":
		return 40, true
	case "fifty":
		return 50, true
	case "sixty":
		return 60, true
	case "seventy":
		return 70, true
	case "eighty":
		return 80, true
	case "ninety":
		return 90, true
	}
	return 0, false
}
