package flow

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Spoken forms of values, so that text-to-speech reads an order number digit
// by digit and an amount as money. Every function accepts the values a slot
// (a string) or a JSON tool result (string, float64) holds, and returns a
// value it cannot read unchanged, so that a template never fails on data.

var enOnes = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}

var enTens = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

var enOrdinals = map[string]string{"one": "first", "two": "second", "three": "third", "five": "fifth",
	"eight": "eighth", "nine": "ninth", "twelve": "twelfth"}

var zhDigits = [...]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// isZH reports whether lang is a Chinese tag ("zh", "zh-CN", "cmn").
func isZH(lang string) bool {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	return base == "zh" || base == "cmn"
}

// toString renders a template argument as text: strings as they are,
// integral floats without decimals.
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// spellDigits reads v character by character: digits as words, letters one
// by one, anything else (dashes, spaces) dropped.
func spellDigits(lang string, v any) string {
	s := toString(v)
	var parts []string
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if isZH(lang) {
				parts = append(parts, zhDigits[r-'0'])
			} else {
				parts = append(parts, enOnes[r-'0'])
			}
		case unicode.IsLetter(r):
			parts = append(parts, strings.ToUpper(string(r)))
		}
	}
	if isZH(lang) {
		return strings.Join(parts, "")
	}
	return strings.Join(parts, " ")
}

// numberWords reads a whole number: "forty two", "四十二".
func numberWords(lang string, v any) string {
	s := toString(v)
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if ferr != nil || f != math.Trunc(f) {
			return s
		}
		n = int64(f)
	}
	if isZH(lang) {
		return zhNumber(n)
	}
	return enNumber(n)
}

// enNumber reads n in English words, up to the trillions.
func enNumber(n int64) string {
	if n < 0 {
		return "minus " + enNumber(-n)
	}
	if n < 20 {
		return enOnes[n]
	}
	if n < 100 {
		if n%10 == 0 {
			return enTens[n/10]
		}
		return enTens[n/10] + " " + enOnes[n%10]
	}
	if n < 1000 {
		out := enOnes[n/100] + " hundred"
		if n%100 != 0 {
			out += " " + enNumber(n%100)
		}
		return out
	}
	scales := []struct {
		size int64
		name string
	}{{1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}}
	for _, sc := range scales {
		if n >= sc.size {
			out := enNumber(n/sc.size) + " " + sc.name
			if n%sc.size != 0 {
				out += " " + enNumber(n%sc.size)
			}
			return out
		}
	}
	return strconv.FormatInt(n, 10)
}

// enOrdinal reads n as an English ordinal: "fifth", "twenty first".
func enOrdinal(n int64) string {
	words := enNumber(n)
	head, last := "", words
	if i := strings.LastIndexByte(words, ' '); i >= 0 {
		head, last = words[:i+1], words[i+1:]
	}
	switch {
	case enOrdinals[last] != "":
		last = enOrdinals[last]
	case strings.HasSuffix(last, "y"):
		last = strings.TrimSuffix(last, "y") + "ieth"
	default:
		last += "th"
	}
	return head + last
}

// zhNumber reads n in Chinese numerals: 四十二, 一百零五, 十五.
func zhNumber(n int64) string {
	if n < 0 {
		return "负" + zhNumber(-n)
	}
	if n == 0 {
		return zhDigits[0]
	}
	if n >= 1e8 {
		return zhJoin(zhNumber(n/1e8)+"亿", n%1e8, 1e7)
	}
	if n >= 1e4 {
		return zhJoin(zhNumber(n/1e4)+"万", n%1e4, 1e3)
	}
	units := [...]string{"", "十", "百", "千"}
	var b strings.Builder
	zero := false
	for p := 3; p >= 0; p-- {
		d := (n / int64(math.Pow10(p))) % 10
		switch {
		case d == 0:
			zero = b.Len() > 0
		default:
			if zero {
				b.WriteString(zhDigits[0])
				zero = false
			}
			if !(d == 1 && p == 1 && b.Len() == 0) { // 十五, not 一十五
				b.WriteString(zhDigits[d])
			}
			b.WriteString(units[p])
		}
	}
	return b.String()
}

// zhJoin appends the rest of a number after a 万 or 亿 group, with a 零 when
// the rest is smaller than its place.
func zhJoin(head string, rest, place int64) string {
	switch {
	case rest == 0:
		return head
	case rest < place:
		return head + zhDigits[0] + zhNumber(rest)
	}
	return head + zhNumber(rest)
}

// moneyWords reads US dollars: "forty two dollars and fifty cents",
// "四十二美元五十美分".
func moneyWords(lang string, v any) string {
	s := strings.TrimPrefix(strings.TrimSpace(toString(v)), "$")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= 1e12 {
		return toString(v)
	}
	neg := f < 0
	cents := int64(math.Round(math.Abs(f) * 100))
	dollars, rest := cents/100, cents%100
	var out string
	if isZH(lang) {
		switch {
		case rest == 0:
			out = zhNumber(dollars) + "美元"
		case dollars == 0:
			out = zhNumber(rest) + "美分"
		default:
			out = zhNumber(dollars) + "美元" + zhNumber(rest) + "美分"
		}
		if neg {
			out = "负" + out
		}
		return out
	}
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return "one " + one
		}
		return enNumber(n) + " " + many
	}
	switch {
	case rest == 0:
		out = unit(dollars, "dollar", "dollars")
	case dollars == 0:
		out = unit(rest, "cent", "cents")
	default:
		out = unit(dollars, "dollar", "dollars") + " and " + unit(rest, "cent", "cents")
	}
	if neg {
		out = "minus " + out
	}
	return out
}

// parseDate reads an ISO date or an RFC 3339 timestamp.
func parseDate(v any) (time.Time, bool) {
	s := strings.TrimSpace(toString(v))
	for _, layout := range []string{time.DateOnly, time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var zhWeekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// dateWords reads a date: "Thursday, March fifth", "三月五日星期四".
func dateWords(lang string, v any) string {
	t, ok := parseDate(v)
	if !ok {
		return toString(v)
	}
	if isZH(lang) {
		return zhNumber(int64(t.Month())) + "月" + zhNumber(int64(t.Day())) + "日" + zhWeekdays[t.Weekday()]
	}
	return t.Weekday().String() + ", " + t.Month().String() + " " + enOrdinal(int64(t.Day()))
}

// timeWords reads a 24-hour time of day ("18:30"): "six thirty PM",
// "下午六点三十分".
func timeWords(lang string, v any) string {
	s := strings.TrimSpace(toString(v))
	t, err := time.Parse("15:04", s)
	if err != nil {
		return s
	}
	h, m := t.Hour(), t.Minute()
	if isZH(lang) {
		part := "上午"
		switch {
		case h >= 18:
			part = "晚上"
		case h >= 12:
			part = "下午"
		}
		h12 := h % 12
		if h12 == 0 {
			h12 = 12
		}
		out := part + zhNumber(int64(h12)) + "点"
		if m > 0 {
			out += zhNumber(int64(m)) + "分"
		}
		return out
	}
	suffix := "AM"
	if h >= 12 {
		suffix = "PM"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	switch {
	case m == 0:
		return enNumber(int64(h12)) + " " + suffix
	case m < 10:
		return enNumber(int64(h12)) + " oh " + enNumber(int64(m)) + " " + suffix
	}
	return enNumber(int64(h12)) + " " + enNumber(int64(m)) + " " + suffix
}

// emailWords reads an e-mail address: "jane dot doe at example dot com".
func emailWords(lang string, v any) string {
	s := strings.ToLower(strings.TrimSpace(toString(v)))
	if !strings.Contains(s, "@") {
		return s
	}
	r := strings.NewReplacer("@", " at ", ".", " dot ", "_", " underscore ", "-", " dash ")
	return strings.Join(strings.Fields(r.Replace(s)), " ")
}

// listWords joins items: "a, b and c" or "a、b和c".
func listWords(lang string, v any) string {
	var items []string
	switch x := v.(type) {
	case []any:
		for _, it := range x {
			if s := strings.TrimSpace(toString(it)); s != "" {
				items = append(items, s)
			}
		}
	case []string:
		items = x
	default:
		return toString(v)
	}
	and, sep := " and ", ", "
	if isZH(lang) {
		and, sep = "和", "、"
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], sep) + and + items[len(items)-1]
}

// pluck returns the field key of each object in a list.
func pluck(key string, v any) []any {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]any, 0, len(list))
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			if val, ok := m[key]; ok {
				out = append(out, val)
			}
		}
	}
	return out
}

// humanWords turns an identifier into words: "out_for_delivery" is "out for
// delivery".
func humanWords(v any) string {
	return strings.ReplaceAll(toString(v), "_", " ")
}
