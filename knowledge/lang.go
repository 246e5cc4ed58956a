package knowledge

import (
	"path"
	"strings"
	"unicode"

	"github.com/parley-voice/parley/knowledge/internal/analysis"
)

// NormalizeLanguage reduces a language tag to the base tags chunks carry:
// "zh-CN", "zh_Hans", "cmn" and "zh" give "zh"; "en-US" gives "en"; other
// tags give their lowercase primary subtag; "" stays "".
func NormalizeLanguage(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(t, "-_"); i >= 0 {
		t = t[:i]
	}
	switch t {
	case "cmn", "chi", "zho", "yue", "chinese", "mandarin":
		return "zh"
	case "eng", "english":
		return "en"
	}
	return t
}

// DetectLanguage returns the language of a document at path rel (slash
// separated, relative to the ingested folder) whose article declares
// declared ("" when it does not) and whose text is text:
//
//  1. a folder of the path named after a language ("zh/", "zh-CN/",
//     "en/") decides;
//  2. otherwise the script decides: "zh" when Han characters outweigh
//     Latin words (a Chinese article quoting English brand names and
//     addresses is still Chinese), "en" when there is Latin text;
//  3. otherwise (no letters at all) the declared language, else "en".
func DetectLanguage(rel, declared, text string) string {
	dir := path.Dir(rel)
	for dir != "." && dir != "/" && dir != "" {
		switch base := path.Base(dir); NormalizeLanguage(base) {
		case "zh", "en":
			if len(base) == 2 || strings.ContainsAny(base, "-_") {
				return NormalizeLanguage(base)
			}
		}
		dir = path.Dir(dir)
	}
	han, latinWords, inWord := 0, 0, false
	for _, r := range text {
		switch {
		case analysis.IsHan(r):
			han++
			inWord = false
		case unicode.IsLetter(r):
			if !inWord {
				latinWords++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	switch {
	case han > 0 && han >= latinWords:
		return "zh"
	case latinWords > 0:
		return "en"
	case declared != "":
		return NormalizeLanguage(declared)
	}
	return "en"
}
