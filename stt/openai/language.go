package openai

import "strings"

// whisperLanguages maps the language names Whisper reports in verbose_json
// ("english") to ISO 639-1 codes, with spaces in names written as '_'. The
// list is Whisper's tokenizer LANGUAGES table plus its aliases.
const whisperLanguages = "afrikaans=af albanian=sq amharic=am arabic=ar armenian=hy assamese=as " +
	"azerbaijani=az bashkir=ba basque=eu belarusian=be bengali=bn bosnian=bs breton=br " +
	"bulgarian=bg burmese=my cantonese=yue castilian=es catalan=ca chinese=zh croatian=hr " +
	"czech=cs danish=da dutch=nl english=en estonian=et faroese=fo finnish=fi flemish=nl " +
	"french=fr galician=gl georgian=ka german=de greek=el gujarati=gu haitian=ht " +
	"haitian_creole=ht hausa=ha hawaiian=haw hebrew=he hindi=hi hungarian=hu icelandic=is " +
	"indonesian=id italian=it japanese=ja javanese=jv kannada=kn kazakh=kk khmer=km " +
	"korean=ko lao=lo latin=la latvian=lv letzeburgesch=lb lingala=ln lithuanian=lt " +
	"luxembourgish=lb macedonian=mk malagasy=mg malay=ms malayalam=ml maltese=mt " +
	"mandarin=zh maori=mi marathi=mr moldavian=ro moldovan=ro mongolian=mn myanmar=my " +
	"nepali=ne norwegian=no nynorsk=nn occitan=oc panjabi=pa pashto=ps persian=fa " +
	"polish=pl portuguese=pt punjabi=pa pushto=ps romanian=ro russian=ru sanskrit=sa " +
	"serbian=sr shona=sn sindhi=sd sinhala=si sinhalese=si slovak=sk slovenian=sl " +
	"somali=so spanish=es sundanese=su swahili=sw swedish=sv tagalog=tl tajik=tg " +
	"tamil=ta tatar=tt telugu=te thai=th tibetan=bo turkish=tr turkmen=tk ukrainian=uk " +
	"urdu=ur uzbek=uz valencian=ca vietnamese=vi welsh=cy yiddish=yi yoruba=yo"

// responseLanguage turns the language a server reports (Whisper's English
// name, or already a code) into a language tag; empty when unknown.
func responseLanguage(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return ""
	}
	key := strings.ReplaceAll(name, " ", "_")
	for rest := whisperLanguages; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, " ")
		if n, code, _ := strings.Cut(pair, "="); n == key {
			return code
		}
	}
	switch {
	case name == "jw": // Whisper's code for Javanese
		return "jv"
	case isCode(name):
		return name
	}
	return ""
}

// requestLanguage turns a BCP 47 tag ("en-US", "zh-Hans-CN", "cmn") into
// the ISO 639-1 code the endpoint takes; empty (let the server detect) when
// the tag has no usable primary language.
func requestLanguage(tag string) string {
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	primary, _, _ = strings.Cut(primary, "_")
	primary = strings.ToLower(primary)
	switch {
	case primary == "cmn":
		return "zh"
	case isCode(primary):
		return primary
	}
	return ""
}

// isCode reports whether s looks like an ISO 639 code: 2 or 3 ASCII
// letters.
func isCode(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}
