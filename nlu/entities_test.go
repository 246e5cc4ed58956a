package nlu

import (
	"strings"
	"testing"
	"time"
)

// testNow is a Tuesday: 2026-11-24.
var testNow = time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)

// entityString renders entities as "type=value[text]" joined by spaces.
func entityString(es []Entity) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Type + "=" + e.Value + "[" + e.Text + "]")
	}
	return b.String()
}

func TestExtractEntitiesEnglish(t *testing.T) {
	tests := []struct {
		desc, text, want string
	}{
		{"cardinal", "twenty five", "number=25[twenty five]"},
		{"hundred and", "one hundred and five", "number=105[one hundred and five]"},
		{"year as a cardinal", "two thousand twenty six", "number=2026[two thousand twenty six]"},
		{"a hundred", "a hundred people", "number=100[a hundred]"},
		{"half", "size nine and a half", "number=9.5[nine and a half]"},
		{"point", "nine point five", "number=9.5[nine point five]"},
		{"digits one by one", "order four eight two seven one six three", "digits=4827163[four eight two seven one six three]"},
		{"oh is zero", "oh five four oh one", "digits=05401[oh five four oh one]"},
		{"double", "double five one two", "digits=5512[double five one two]"},
		{"triple", "triple seven", "digits=777[triple seven]"},
		{"double oh", "it's four double oh one", "digits=4001[four double oh one]"},
		{"groups of digits", "forty eight twenty seven sixteen three", "digits=4827163[forty eight twenty seven sixteen three]"},
		{"written digits", "order 1234567 please", "digits=1234567[1234567]"},
		{"oh alone is not zero", "oh i see", ""},
		{"letters prefix kept out", "n w four eight two seven one six three", "digits=4827163[four eight two seven one six three]"},
		{"money with dollars", "eighty nine dollars", "money=89.00[eighty nine dollars]"},
		{"money dollars and cents", "twelve dollars and five cents", "money=12.05[twelve dollars and five cents]"},
		{"money dollars then cents", "forty two dollars fifty", "money=42.50[forty two dollars fifty]"},
		{"money cued pair", "why was my card charged forty two fifty", "money=42.50[forty two fifty]"},
		{"money cued pair of", "an extra charge of nineteen ninety nine on my card", "money=19.99[nineteen ninety nine]"},
		{"money cued single", "i was charged fifty", "money=50.00[fifty]"},
		{"count after cue is not money", "i was charged two times", "number=2[two]"},
		{"written money", "it was $42.50", "money=42.50[$42.50]"},
		{"written money dollars", "it was 42.5 dollars", "money=42.50[42.5 dollars]"},
		{"cents alone", "fifty cents", "money=0.50[fifty cents]"},
		{"a hundred and twenty dollars", "a hundred and twenty dollars for shipping", "money=120.00[a hundred and twenty dollars]"},
		{"uncued pair is digits", "four twelve oak street", "digits=412[four twelve]"},
		{"tomorrow", "can you call tomorrow", "date=2026-11-25[tomorrow]"},
		{"tonight", "open tonight", "date=2026-11-24[tonight]"},
		{"day after tomorrow", "the day after tomorrow", "date=2026-11-26[the day after tomorrow]"},
		{"next tuesday", "next tuesday", "date=2026-12-01[next tuesday]"},
		{"bare weekday is the coming one", "friday", "date=2026-11-27[friday]"},
		{"today's weekday", "tuesday", "date=2026-11-24[tuesday]"},
		{"this weekday", "this thursday", "date=2026-11-26[this thursday]"},
		{"last weekday", "last tuesday", "date=2026-11-17[last tuesday]"},
		{"plural weekday", "on sundays", "date=2026-11-29[sundays]"},
		{"month and ordinal", "december third", "date=2026-12-03[december third]"},
		{"month and written ordinal", "december 3rd", "date=2026-12-03[december 3rd]"},
		{"month day year", "january fifth twenty twenty seven", "date=2027-01-05[january fifth twenty twenty seven]"},
		{"past month rolls to next year", "march second", "date=2027-03-02[march second]"},
		{"ordinal of month", "the twenty first of december", "date=2026-12-21[the twenty first of december]"},
		{"the fifth", "on the fifth", "date=2026-12-05[the fifth]"},
		{"the thirtieth this month", "by the thirtieth", "date=2026-11-30[the thirtieth]"},
		{"the second one is an ordinal", "the second one", "ordinal=2[second]"},
		{"invalid date", "february thirtieth", "ordinal=30[thirtieth]"},
		{"half past six pm", "half past six pm", "time=18:30[half past six pm]"},
		{"quarter to five", "quarter to five", "time=04:45[quarter to five]"},
		{"ten past seven evening", "ten past seven in the evening", "time=19:10[ten past seven in the evening]"},
		{"eighteen thirty", "eighteen thirty", "time=18:30[eighteen thirty]"},
		{"eighteen hundred hours", "eighteen hundred hours", "time=18:00[eighteen hundred hours]"},
		{"noon", "at noon", "time=12:00[noon]"},
		{"midnight", "midnight", "time=00:00[midnight]"},
		{"six thirty am", "six thirty a m", "time=06:30[six thirty a m]"},
		{"six oh five pm", "six oh five pm", "time=18:05[six oh five pm]"},
		{"o'clock", "five o'clock", "time=05:00[five o'clock]"},
		{"at seven", "come at seven", "time=07:00[seven]"},
		{"twelve am", "twelve am", "time=00:00[twelve am]"},
		{"phone ten digits", "five five five one two three four five six seven", "phone=5551234567[five five five one two three four five six seven]"},
		{"phone seven with cue", "my phone is five five five zero one three four", "phone=5550134[five five five zero one three four]"},
		{"seven digits without cue", "order five five five zero one three four", "digits=5550134[five five five zero one three four]"},
		{"email spelled", "j doe at example dot com", "email=jdoe@example.com[j doe at example dot com]"},
		{"email dotted name", "my email is jane dot doe at example dot com", "email=jane.doe@example.com[jane dot doe at example dot com]"},
		{"email letters", "j d o e at gmail dot com", "email=jdoe@gmail.com[j d o e at gmail dot com]"},
		{"email underscore digits", "bob underscore smith two at example dot co dot uk", "email=bob_smith2@example.co.uk[bob underscore smith two at example dot co dot uk]"},
		{"email typed", "it's Jane.Doe@Example.com", "email=jane.doe@example.com[Jane.Doe@Example.com]"},
		{"at without domain", "i'm at home", ""},
		{"at time", "look at it at five pm", "time=17:00[five pm]"},
		{"yes", "yes please", "yes_no=yes[yes please]"},
		{"uh huh", "uh huh", "yes_no=yes[uh huh]"},
		{"no chain", "no that's not it", "yes_no=no[no] yes_no=no[that's not it]"},
		{"filler then no", "um nope", "yes_no=no[nope]"},
		{"absolutely not", "absolutely not", "yes_no=no[absolutely not]"},
		{"wrong later is not an answer", "you billed me the wrong amount", ""},
		{"ordinal", "the third one", "ordinal=3[third]"},
		{"one second is a wait", "one second please", "number=1[one]"},
		{"mixed", "cancel order six two nine four four one zero by friday", "digits=6294410[six two nine four four one zero] date=2026-11-27[friday]"},
		{"empty", "", ""},
		{"punctuation", "Yes! Order #4827163, please.", "yes_no=yes[Yes] digits=4827163[4827163]"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := entityString(ExtractEntities(tc.text, ExtractOptions{Language: "en", Now: testNow}))
			if got != tc.want {
				t.Errorf("ExtractEntities(%q)\n got %s\nwant %s", tc.text, got, tc.want)
			}
		})
	}
}

func TestExtractEntitiesMandarin(t *testing.T) {
	tests := []struct {
		desc, text, want string
	}{
		{"digits", "订单四八二七一六三", "digits=4827163[四八二七一六三]"},
		{"telephone digits", "幺二三洞五六七", "digits=1230567[幺二三洞五六七]"},
		{"arabic digits", "查一下订单1234567", "digits=1234567[1234567]"},
		{"cardinal", "一百二十五", "number=125[一百二十五]"},
		{"two hundred", "两百", "number=200[两百]"},
		{"ten five", "十五个", "number=15[十五]"},
		{"colloquial thousand", "三千五", "number=3500[三千五]"},
		{"zero inside", "一百零五", "number=105[一百零五]"},
		{"ten thousand", "两万三", "number=23000[两万三]"},
		{"decimal", "九点五", "time=09:05[九点五]"},
		{"yi xia is a word", "帮我查一下", ""},
		{"money kuai wu", "二十五块五", "money=25.50[二十五块五]"},
		{"money kuai", "退了货还扣我八十九块", "money=89.00[八十九块]"},
		{"money kuai er", "为什么扣了我六十四块二", "money=64.20[六十四块二]"},
		{"money mao fen", "三块五毛二分", "money=3.52[三块五毛二分]"},
		{"money ling fen", "十二块零五分", "money=12.05[十二块零五分]"},
		{"money usd", "五十美元", "money=50.00[五十美元]"},
		{"money kuai qian", "五十块钱", "money=50.00[五十块钱]"},
		{"time pm half", "下午三点半", "time=15:30[下午三点半]"},
		{"time evening minutes", "晚上七点十五分", "time=19:15[晚上七点十五分]"},
		{"time quarter", "三点一刻", "time=03:15[三点一刻]"},
		{"a bit is not a time", "快一点", "number=1[一]"},
		{"today", "今天开门吗", "date=2026-11-24[今天]"},
		{"tonight", "伯灵顿店今晚开到几点", "date=2026-11-24[今晚]"},
		{"tomorrow", "明天", "date=2026-11-25[明天]"},
		{"next tuesday", "下周二", "date=2026-12-01[下周二]"},
		{"next week xingqi", "下个星期五", "date=2026-12-04[下个星期五]"},
		{"this week", "这周日", "date=2026-11-29[这周日]"},
		{"bare weekday", "星期天开门吗", "date=2026-11-29[星期天]"},
		{"month day", "十二月三号", "date=2026-12-03[十二月三号]"},
		{"day of month", "五号", "date=2026-12-05[五号]"},
		{"size is not a date", "中号", ""},
		{"ordinal", "第三个", "ordinal=3[第三]"},
		{"mobile phone", "手机13812345678", "phone=13812345678[13812345678]"},
		{"yes", "是的", "yes_no=yes[是的]"},
		{"yes twice", "是的没错", "yes_no=yes[是的] yes_no=yes[没错]"},
		{"no then thanks", "不用了谢谢", "yes_no=no[不用]"},
		{"keyi in a question is not an answer", "可以寄到邮政信箱吗", ""},
		{"en hesitation", "嗯那个我想问一下", ""},
		{"en alone", "嗯", "yes_no=yes[嗯]"},
		{"size number", "登山鞋有十码的吗", "number=10[十]"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got := entityString(ExtractEntities(tc.text, ExtractOptions{Now: testNow}))
			if got != tc.want {
				t.Errorf("ExtractEntities(%q)\n got %s\nwant %s", tc.text, got, tc.want)
			}
		})
	}
}

func TestExtractEntitiesOffsets(t *testing.T) {
	for _, text := range []string{
		"Order NUMBER four eight two, seven one six three!",
		"my email is JANE dot Doe at Example dot com",
		"订单四八二七一六三，谢谢",
		"ｏｒｄｅｒ　１２３４５６７",
	} {
		for _, e := range ExtractEntities(text, ExtractOptions{Now: testNow}) {
			if e.Start < 0 || e.End > len(text) || e.Start >= e.End || text[e.Start:e.End] != e.Text {
				t.Errorf("%q: entity %+v does not point at its text", text, e)
			}
		}
	}
}
