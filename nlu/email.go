package nlu

import "strings"

// E-mail addresses, typed ("jane.doe@example.com") or spelled out the way a
// recognizer writes them:
//
//	"jane dot doe at example dot com"   jane.doe@example.com
//	"j doe at example dot com"          jdoe@example.com
//	"j d o e at gmail dot com"          jdoe@gmail.com (letters joined)
//	"bob underscore smith two at example dot co dot uk"
//	                                    bob_smith2@example.co.uk
//
// The local part is read backwards from "at" over single letters, digits,
// dot/underscore/dash and at most two longer words, stopping at words such as
// "is", "my" or "email"; the domain needs at least one "dot".

// maxLocalWords bounds the words (not letters) of a spoken local part.
const maxLocalWords = 2

// isEmailStopWord reports whether w cannot be part of a spoken local part:
// it ends the part when read backwards from "at".
func isEmailStopWord(w string) bool {
	switch w {
	case "my", "email", "e-mail", "mail", "address", "is", "was", "it's", "its", "it", "under", "for", "to",
		"the", "use", "me", "and", "or", "with", "account", "of", "name", "on", "by", "you", "i", "that",
		"that's", "uh", "um", "er", "like", "so", "yes", "yeah", "no", "okay", "ok", "please", "can", "could",
		"would", "should", "try", "at", "this", "send", "reach", "contact", "from", "in", "as", "number",
		"order", "look", "up", "check", "find", "a", "an", "be", "will", "also", "actually", "sorry", "here",
		"there", "our", "your", "we", "they", "he", "she", "his", "her", "their", "called", "named":
		return true
	}
	return false
}

// emailSymbol returns what a spoken symbol word writes in an address.
func emailSymbol(w string) (byte, bool) {
	switch w {
	case "dot", "period", "point":
		return '.', true
	case "underscore":
		return '_', true
	case "dash", "hyphen", "minus":
		return '-', true
	}
	return 0, false
}

// emailsEN finds typed and spelled-out e-mail addresses.
func (x *extraction) emailsEN() {
	for i := 0; i < len(x.toks); i++ {
		if x.taken[i] {
			continue
		}
		t := x.toks[i].text
		if strings.IndexByte(t, '@') >= 0 {
			if validEmail(t) {
				x.addValue(EntityEmail, t, i, i+1, 0)
			}
			continue
		}
		if t == "at" {
			x.spokenEmail(i)
		}
	}
}

// spokenEmail reads an address around the "at" at token i.
func (x *extraction) spokenEmail(at int) {
	domain, end, ok := x.emailDomain(at + 1)
	if !ok {
		return
	}
	local, from, ok := x.emailLocal(at - 1)
	if !ok {
		return
	}
	x.buf = append(x.buf[:0], local...)
	x.buf = append(x.buf, '@')
	x.buf = append(x.buf, domain...)
	x.add(EntityEmail, from, end, 0)
}

// emailDomain reads "example dot com" from token i: labels separated by
// "dot", at least two. It returns the domain and the token after it.
func (x *extraction) emailDomain(i int) (string, int, bool) {
	var b []byte
	labels := 0
	j := i
	for {
		start := len(b)
		j = x.emailLabel(j, &b)
		if len(b) == start {
			return "", i, false
		}
		labels++
		if sym, ok := emailSymbol(x.tok(j)); ok && sym == '.' && j+1 < len(x.toks) && !x.taken[j+1] && labelWord(x.tok(j+1)) {
			b = append(b, '.')
			j++
			continue
		}
		break
	}
	if labels < 2 {
		return "", i, false
	}
	tld := b[strings.LastIndexByte(string(b), '.')+1:]
	if len(tld) < 2 || len(tld) > 6 || !isLetters(string(tld)) {
		return "", i, false
	}
	return string(b), j, true
}

// emailLabel appends one domain label starting at token j: one word, or a
// run of single letters and digits ("g mail" is not joined, "a b c" is),
// with dashes inside. It returns the token after the label.
func (x *extraction) emailLabel(j int, b *[]byte) int {
	if j >= len(x.toks) || x.taken[j] || !labelWord(x.tok(j)) {
		return j
	}
	if len(x.tok(j)) > 1 && !isASCIIDigits(x.tok(j)) {
		*b = append(*b, x.tok(j)...)
		j++
	} else {
		for j < len(x.toks) && !x.taken[j] && (len(x.tok(j)) == 1 || isASCIIDigits(x.tok(j))) && labelWord(x.tok(j)) {
			*b = append(*b, x.tok(j)...)
			j++
		}
	}
	if sym, ok := emailSymbol(x.tok(j)); ok && sym == '-' && labelWord(x.tok(j+1)) {
		*b = append(*b, '-')
		return x.emailLabel(j+1, b)
	}
	return j
}

// labelWord reports whether w can be (part of) a domain label.
func labelWord(w string) bool {
	if w == "" || isEmailStopWord(w) && len(w) > 1 {
		return false
	}
	if _, sym := emailSymbol(w); sym {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// emailLocal reads the local part backwards from token i. It returns the
// part and its first token.
func (x *extraction) emailLocal(i int) (string, int, bool) {
	from := i + 1
	words := 0
	for j := i; j >= 0 && i-j < 16; j-- {
		w := x.toks[j].text
		if x.taken[j] || isEmailStopWord(w) || x.toks[j].han {
			break
		}
		if _, sym := emailSymbol(w); !sym && len(w) > 1 && !isDigitWord(w) {
			if words == maxLocalWords {
				break
			}
			words++
		}
		if !localWord(w) {
			break
		}
		from = j
	}
	// Trim symbols at the edges: "dot jane at" is not ".jane".
	for from <= i {
		if _, sym := emailSymbol(x.toks[from].text); !sym {
			break
		}
		from++
	}
	if from > i {
		return "", 0, false
	}
	var b []byte
	for j := from; j <= i; j++ {
		w := x.toks[j].text
		if sym, ok := emailSymbol(w); ok {
			b = append(b, sym)
			continue
		}
		if k, v := numberWord(w); k == nwDigit && w != "o" && w != "oh" {
			b = append(b, byte('0'+v))
			continue
		}
		b = append(b, w...)
	}
	if b[len(b)-1] == '.' || b[len(b)-1] == '-' {
		return "", 0, false
	}
	return string(b), from, true
}

// isDigitWord reports whether w is a spoken digit (not "oh", which is
// more likely the letter o in an address).
func isDigitWord(w string) bool {
	k, _ := numberWord(w)
	return k == nwDigit && w != "o" && w != "oh" || k == nwArabic
}

// localWord reports whether w can be part of a local part.
func localWord(w string) bool {
	if _, sym := emailSymbol(w); sym {
		return true
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// isLetters reports whether s is non-empty ASCII letters.
func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// validEmail checks a typed address: one "@", a non-empty local part and a
// domain with a dot and a letter top-level label.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.IndexByte(domain, '@') >= 0 {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 {
		return false
	}
	return isLetters(domain[dot+1:]) && localWord(local) && localWord(domain)
}
