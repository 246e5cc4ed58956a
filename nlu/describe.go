package nlu

import (
	"regexp"
	"strings"
)

// Slot descriptions of the reference format state how spoken forms map to
// values, in a small number of shapes that this file reads, so that an
// intent file without synonyms still normalizes what its descriptions say:
//
//	"'medium' is m, 'extra large' is xl"          quoted forms
//	"'ground' or 'regular' is standard"           several quoted forms
//	"card brands (visa, mastercard) are credit_card"
//	                                              a parenthesized list
//	"星期天, 周日 and 礼拜天 are sunday"             unquoted Han forms
//	"in Chinese: 羽绒服, 冲锋衣, 睡袋"               known values of a text
//	"lowercase: navy, green, black"               slot, listed after a colon
//
// A mapping counts only when its value is one of an enum slot's values, or
// for a text slot a single word ending its clause; anything else in a
// description is prose and is ignored.

// isAre finds "is <value>" and "are <value>" with the value ending its
// clause.
var isAre = regexp.MustCompile(`\b(?:is|are)\s+([^\s,;()]+?)[.]?(?:[,;)]|\s*$)`)

// quoted finds 'single-quoted' forms.
var quoted = regexp.MustCompile(`'([^']+)'`)

// describedForms returns the value -> spoken forms mappings a slot's
// description states.
func describedForms(s Slot) map[string][]string {
	if s.Type == SlotEmail || s.Type == SlotMoney || s.Description == "" {
		return nil
	}
	out := map[string][]string{}
	for _, clause := range descriptionClauses(s.Description) {
		prev := 0
		for _, m := range isAre.FindAllStringSubmatchIndex(clause, -1) {
			subject := clause[prev:m[0]]
			prev = m[1]
			value := strings.ToLower(clause[m[2]:m[3]])
			if s.Type == SlotEnum && !contains(s.Values, value) {
				continue
			}
			for _, f := range subjectForms(subject, s.Type) {
				if !contains(out[value], f) {
					out[value] = append(out[value], f)
				}
			}
		}
	}
	return out
}

// descriptionClauses splits a description at ";", ":" and sentence ends,
// keeping decimals ("9.5") whole.
func descriptionClauses(d string) []string {
	var out []string
	start := 0
	for i := 0; i < len(d); i++ {
		c := d[i]
		end := c == ';' || c == ':' || c == '.' && (i+1 == len(d) || d[i+1] == ' ')
		if end {
			out = append(out, strings.TrimSpace(d[start:i]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(d[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// subjectForms returns the spoken forms in the subject of an "is" clause:
// the quoted ones, else those of a parenthesized list, else Han items of a
// comma/and/or list.
func subjectForms(subject, typ string) []string {
	if i := strings.LastIndexByte(subject, '('); i >= 0 && !strings.Contains(subject[i:], ")") {
		subject = subject[i+1:] // "...xxl ('medium'" -> "'medium'"
	}
	var forms []string
	if qs := quoted.FindAllStringSubmatch(subject, -1); len(qs) > 0 {
		for _, q := range qs {
			forms = append(forms, normalizeForm(q[1]))
		}
		return limitForms(forms, typ)
	}
	if i := strings.IndexByte(subject, '('); i >= 0 {
		if j := strings.IndexByte(subject[i:], ')'); j > 0 {
			return limitForms(listItems(subject[i+1:i+j], false), typ)
		}
	}
	return limitForms(listItems(subject, true), typ)
}

// limitForms drops forms too long to be a spoken form of a text slot's
// one-word value ("four twelve oak street" is an example, not a form).
func limitForms(forms []string, typ string) []string {
	if typ != SlotText {
		return forms
	}
	out := forms[:0]
	for _, f := range forms {
		if len(strings.Fields(f)) <= 3 {
			out = append(out, f)
		}
	}
	return out
}

// listItems splits "a, b and c" into items; with hanOnly it keeps only
// items written in Han characters.
func listItems(s string, hanOnly bool) []string {
	s = strings.NewReplacer(" and ", ",", " or ", ",", "、", ",", "，", ",").Replace(" " + s + " ")
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = normalizeForm(strings.Trim(item, " ."))
		if item == "" || hanOnly && !allHan(item) {
			continue
		}
		out = append(out, item)
	}
	return out
}

// allHan reports whether s is non-empty and all Han characters.
func allHan(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isHan(r) {
			return false
		}
	}
	return true
}

// describedValues returns the known values of a text slot listed after the
// last colon of its description ("lowercase: navy, green, black"), or nil
// when the text there is not such a list.
func describedValues(s Slot) []string {
	if s.Type != SlotText {
		return nil
	}
	i := strings.LastIndexByte(s.Description, ':')
	if i < 0 {
		return nil
	}
	tail := strings.TrimSpace(s.Description[i+1:])
	if strings.ContainsAny(tail, "'\"();") || isAre.MatchString(tail) {
		return nil
	}
	items := listItems(tail, false)
	if len(items) < 2 {
		return nil
	}
	for _, it := range items {
		if len(strings.Fields(it)) > 3 {
			return nil
		}
	}
	return items
}
