package nlu

import "strconv"

// zhDigit returns the value of a Chinese digit character (幺 and 洞 are the
// telephone forms of 1 and 0, 两 is 2 before a unit).
func zhDigit(s string) (int64, bool) {
	switch s {
	case "零", "〇", "洞", "0":
		return 0, true
	case "一", "幺", "壹", "1":
		return 1, true
	case "二", "两", "贰", "2":
		return 2, true
	case "三", "叁", "3":
		return 3, true
	case "四", "肆", "4":
		return 4, true
	case "五", "伍", "5":
		return 5, true
	case "六", "陆", "6":
		return 6, true
	case "七", "柒", "7":
		return 7, true
	case "八", "捌", "8":
		return 8, true
	case "九", "玖", "9":
		return 9, true
	}
	return 0, false
}

// zhUnit returns the value of a Chinese number unit character.
func zhUnit(s string) (int64, bool) {
	switch s {
	case "十", "拾":
		return 10, true
	case "百", "佰":
		return 100, true
	case "千", "仟":
		return 1000, true
	case "万":
		return 10000, true
	case "亿":
		return 100000000, true
	}
	return 0, false
}

// zhNumeral reports whether the token is a Chinese numeral character or
// ASCII digits.
func zhNumeral(t token) bool {
	if !t.han {
		return isASCIIDigits(t.text)
	}
	if _, ok := zhDigit(t.text); ok {
		return true
	}
	_, ok := zhUnit(t.text)
	return ok
}

// zhRun is a stretch of Chinese numerals (and ASCII digits) in the tokens.
type zhRun struct {
	// from and to are token indices, to exclusive.
	from, to int
	// hasUnit is set when the run holds 十, 百, 千, 万 or 亿: a cardinal
	// ("一百二十五") rather than digits read one by one ("四八二七").
	hasUnit bool
}

// scanZhRun returns the numeral run starting at i. The run ends at the
// first token that is not a numeral; an ASCII token ends a run of Han
// numerals and the reverse.
func scanZhRun(toks []token, i int) zhRun {
	r := zhRun{from: i}
	j := i
	for j < len(toks) && zhNumeral(toks[j]) && toks[j].han == toks[i].han {
		if _, ok := zhUnit(toks[j].text); ok {
			r.hasUnit = true
		}
		j++
		if !toks[i].han {
			break // one ASCII digit token is a run of its own
		}
	}
	r.to = j
	return r
}

// appendDigits appends the run read digit by digit ("四八二七" is 4827);
// it is meaningful when !hasUnit.
func (r zhRun) appendDigits(toks []token, b []byte) []byte {
	for _, t := range toks[r.from:r.to] {
		if !t.han {
			b = append(b, t.text...)
			continue
		}
		d, _ := zhDigit(t.text)
		b = append(b, byte('0'+d))
	}
	return b
}

// numDigits is the length of the run read digit by digit.
func (r zhRun) numDigits(toks []token) int {
	n := 0
	for _, t := range toks[r.from:r.to] {
		if t.han {
			n++
		} else {
			n += len(t.text)
		}
	}
	return n
}

// value returns the run as a cardinal: "一百二十五" is 125, "两百" 200,
// "十五" 15, "三千五" 3500 (a trailing digit after a unit is one unit
// lower), "四八二七" 4827. ok is false for a value that does not fit in an
// int64.
func (r zhRun) value(toks []token) (int64, bool) {
	if !r.hasUnit {
		if r.numDigits(toks) > 18 {
			return 0, false
		}
		v, err := strconv.ParseInt(string(r.appendDigits(toks, nil)), 10, 64)
		return v, err == nil
	}
	var total, section, digit int64
	lastUnit := int64(0)
	sawDigit := false
	for _, t := range toks[r.from:r.to] {
		if d, ok := zhDigit(t.text); ok {
			digit, sawDigit = d, true
			continue
		}
		u, _ := zhUnit(t.text)
		if u >= 10000 {
			section += digit
			if section == 0 {
				section = 1
			}
			total = (total + section) * u
			section, digit, sawDigit, lastUnit = 0, 0, false, u
			continue
		}
		if !sawDigit {
			digit = 1 // "十五" is 15
		}
		section += digit * u
		digit, sawDigit, lastUnit = 0, false, u
		if total > 1<<52 || section > 1<<52 {
			return 0, false
		}
	}
	if sawDigit {
		// "三千五" is 3500, "一百五" 150: a lone digit after a unit above ten
		// counts in the unit below; after 十 or a 零 it is units.
		if lastUnit >= 100 && !endsWithZero(toks, r) {
			digit *= lastUnit / 10
		}
		section += digit
	}
	return total + section, true
}

// endsWithZero reports whether a 零 comes right before the run's last digit
// ("一百零五" is 105, not 150).
func endsWithZero(toks []token, r zhRun) bool {
	if r.to-r.from < 2 {
		return false
	}
	d, ok := zhDigit(toks[r.to-2].text)
	return ok && d == 0
}

// boolInt is 1 for true and 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
