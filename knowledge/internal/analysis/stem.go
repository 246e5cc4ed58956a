package analysis

import "strings"

// Stem removes common English inflections from a lowercase word so that
// forms of one word meet: plurals ("policies" -> "policy", "boxes" ->
// "box", "returns" -> "return"), "-ing" and "-ed" ("shipping",
// "shipped" -> "ship"; "charging", "charged", "charge" -> "charg"). It is
// deliberately light: derivational suffixes ("-ment", "-ly") are kept,
// because folding them merges words that help articles use in different
// senses, except "-ally" adverbs of "-al" adjectives
// ("internationally" -> "international"). Words of three letters or
// fewer are returned as they are.
func Stem(w string) string {
	if len(w) <= 3 || !isASCIILower(w) {
		return w
	}
	w = stemPlural(w)
	w = stemVerb(w)
	if len(w) > 7 && strings.HasSuffix(w, "ally") {
		w = w[:len(w)-2] // "internationally" -> "international"
	}
	if len(w) > 3 && strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "ee") {
		w = w[:len(w)-1]
	}
	return w
}

func isASCIILower(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// stemPlural removes a plural or third-person "-s".
func stemPlural(w string) string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "zzes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	}
	return w
}

// stemVerb removes "-ing" and "-ed" when a syllable remains, and undoes
// the doubled consonant they bring ("shipped" -> "ship").
func stemVerb(w string) string {
	var base string
	switch {
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		base = w[:len(w)-3]
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed") && len(w) > 4:
		base = w[:len(w)-2]
	default:
		return w
	}
	if !hasVowel(base) || len(base) < 3 {
		return w
	}
	n := len(base)
	if base[n-1] == base[n-2] && !isVowel(base[n-1]) && base[n-1] != 'l' && base[n-1] != 's' && base[n-1] != 'z' {
		return base[:n-1]
	}
	return base
}

func hasVowel(s string) bool {
	for i := 0; i < len(s); i++ {
		if isVowel(s[i]) || (s[i] == 'y' && i > 0) {
			return true
		}
	}
	return false
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}
