package nlu

import (
	"strings"
	"unicode/utf8"
)

// Yes and no answers. An answer is read at the start of the utterance
// (after hesitations), and again right after each one read ("no that's not
// it" is two), because "right" or "wrong" later in a sentence ("the wrong
// size") is not an answer.

// yesFormsEN and noFormsEN are the English answer forms, "|"-separated.
const (
	yesFormsEN = "yes|yeah|yep|yup|yea|ya|yah|sure|certainly|definitely|absolutely|exactly|correct|right|" +
		"affirmative|okay|ok|all right|alright|of course|uh huh|mm hmm|mhm|mmhmm|mm hm|that's right|" +
		"that's correct|that is right|that is correct|you got it|sounds good|yes please|indeed"
	noFormsEN = "no|nope|nah|negative|incorrect|wrong|not really|absolutely not|of course not|definitely not|" +
		"not at all|uh uh|no way|that's wrong|that is wrong|that's not right|that is not right|" +
		"that's not correct|that is not correct|that's incorrect|that's not it|not quite|no thanks|" +
		"no thank you|not that one"
	yesFormsZH = "是的|是啊|是呀|是|对的|对啊|对呀|对|好的|好啊|好|嗯嗯|嗯|行|可以|没错|没问题|当然|正确|确定"
	noFormsZH  = "不是|不对|不要|不用|不行|不需要|没有|错了|不正确|不可以|算了"
)

// yesNo records the answers at the start of the utterance.
func (x *extraction) yesNo() {
	zh := x.lang == "zh"
	yes, no := yesFormsEN, noFormsEN
	if zh {
		yes, no = yesFormsZH, noFormsZH
	}
	i := 0
	for i < len(x.toks) {
		for i < len(x.toks) && x.isHesitation(i) {
			i++
		}
		if i >= len(x.toks) || x.taken[i] {
			return
		}
		ny := longestForm(x.toks, i, yes, zh)
		nn := longestForm(x.toks, i, no, zh)
		if ny == 0 && nn == 0 {
			return
		}
		value, n := "yes", ny
		if nn >= ny {
			value, n = "no", nn
		}
		if zh && !x.zhAnswerEnds(i+n) {
			return // "可以寄到邮政信箱吗", "嗯那个我想问一下" are not answers
		}
		x.addValue(EntityYesNo, value, i, i+n, 0)
		i += n
	}
}

// isHesitation reports whether token i is a hesitation before an answer.
func (x *extraction) isHesitation(i int) bool {
	t := x.toks[i].text
	if x.lang == "zh" {
		return t == "呃" || t == "额" || t == "唉"
	}
	return isFillerEN(t) && t != "mm" && !(t == "uh" && (x.tok(i+1) == "huh" || x.tok(i+1) == "uh")) || t == "well" || t == "oh"
}

// zhAnswerEnds reports whether a Mandarin answer ends at token i: the
// utterance ends or pauses (punctuation or space), or a particle, thanks,
// a farewell or another answer follows.
func (x *extraction) zhAnswerEnds(i int) bool {
	if i >= len(x.toks) || x.toks[i].start > x.toks[i-1].end {
		return true
	}
	switch x.toks[i].text {
	case "了", "啊", "吧", "呀", "呢", "哦", "的", "嘛", "啦":
		return true
	case "谢", "再", "拜":
		return i+1 < len(x.toks) && (x.toks[i+1].text == "谢" || x.toks[i+1].text == "见" || x.toks[i+1].text == "拜")
	}
	return longestForm(x.toks, i, yesFormsZH, true) > 0 || longestForm(x.toks, i, noFormsZH, true) > 0
}

// longestForm returns the number of tokens of the longest "|"-separated
// form that matches the tokens at i, 0 for none. English forms are words
// separated by spaces; Mandarin forms are characters.
func longestForm(toks []token, i int, forms string, zh bool) int {
	best := 0
	for forms != "" {
		var form string
		form, forms, _ = strings.Cut(forms, "|")
		if n := matchForm(toks, i, form, zh); n > best {
			best = n
		}
	}
	return best
}

// matchForm returns how many tokens at i the form matches, 0 when it does
// not match.
func matchForm(toks []token, i int, form string, zh bool) int {
	j := i
	if zh {
		for _, r := range form {
			if j >= len(toks) || !toks[j].han || !runeIs(toks[j].text, r) {
				return 0
			}
			j++
		}
		return j - i
	}
	for form != "" {
		var w string
		w, form, _ = strings.Cut(form, " ")
		if j >= len(toks) || toks[j].text != w {
			return 0
		}
		j++
	}
	return j - i
}

// runeIs reports whether s is the single rune r.
func runeIs(s string, r rune) bool {
	for i, c := range s {
		return i == 0 && c == r && len(s) == utf8.RuneLen(r)
	}
	return false
}
