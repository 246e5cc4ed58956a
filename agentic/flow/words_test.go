package flow

import "testing"

func TestSpokenForms(t *testing.T) {
	tests := []struct {
		desc string
		fn   func(lang string, v any) string
		lang string
		in   any
		want string
	}{
		{"order number digit by digit", spellDigits, "en", "4827163", "four eight two seven one six three"},
		{"leading zero kept", spellDigits, "en", "05401", "zero five four zero one"},
		{"letters spelled", spellDigits, "en", "RMA-12", "R M A one two"},
		{"json number", spellDigits, "en", 100001.0, "one zero zero zero zero one"},
		{"mandarin digits", spellDigits, "zh", "4827163", "四八二七一六三"},
		{"dollars and cents", moneyWords, "en", "42.50", "forty two dollars and fifty cents"},
		{"whole dollars", moneyWords, "en", "89.00", "eighty nine dollars"},
		{"one dollar", moneyWords, "en", 1.0, "one dollar"},
		{"cents only", moneyWords, "en", "0.05", "five cents"},
		{"hundreds", moneyWords, "en", 123.05, "one hundred twenty three dollars and five cents"},
		{"dollar sign", moneyWords, "en", "$5.95", "five dollars and ninety five cents"},
		{"not money", moneyWords, "en", "soon", "soon"},
		{"mandarin money", moneyWords, "zh", "42.50", "四十二美元五十美分"},
		{"mandarin whole", moneyWords, "zh", "89", "八十九美元"},
		{"number", numberWords, "en", "1050", "one thousand fifty"},
		{"big number", numberWords, "en", 2500000.0, "two million five hundred thousand"},
		{"mandarin teens", numberWords, "zh", "15", "十五"},
		{"mandarin zero inside", numberWords, "zh", "105", "一百零五"},
		{"mandarin ten thousand", numberWords, "zh", "10050", "一万零五十"},
		{"mandarin 20000", numberWords, "zh", "20000", "二万"},
		{"date", dateWords, "en", "2026-11-18", "Wednesday, November eighteenth"},
		{"date first", dateWords, "en", "2026-03-01", "Sunday, March first"},
		{"date twenty second", dateWords, "en", "2026-11-22", "Sunday, November twenty second"},
		{"date thirtieth", dateWords, "en", "2026-11-30", "Monday, November thirtieth"},
		{"timestamp", dateWords, "en", "2026-11-18T10:00:00Z", "Wednesday, November eighteenth"},
		{"not a date", dateWords, "en", "tomorrow", "tomorrow"},
		{"mandarin date", dateWords, "zh", "2026-11-18", "十一月十八日星期三"},
		{"evening time", timeWords, "en", "18:30", "six thirty PM"},
		{"morning time", timeWords, "en", "09:05", "nine oh five AM"},
		{"noon", timeWords, "en", "12:00", "twelve PM"},
		{"mandarin time", timeWords, "zh", "18:30", "晚上六点三十分"},
		{"email", emailWords, "en", "Jane.Doe@example.com", "jane dot doe at example dot com"},
		{"list of three", listWords, "en", []any{"a", "b", "c"}, "a, b and c"},
		{"list of one", listWords, "en", []any{"tent"}, "tent"},
		{"mandarin list", listWords, "zh", []any{"冲锋衣", "抓绒衣"}, "冲锋衣和抓绒衣"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.lang, tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.desc, got, tt.want)
		}
	}
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		want []string
	}{
		{"two sentences", "Sure. What's your order number?", []string{"Sure.", "What's your order number?"}},
		{"times are not ends", "Monday to Saturday: 9 a.m. to 8 p.m. Sunday: 10 a.m. to 6 p.m.", []string{"Monday to Saturday: 9 a.m. to 8 p.m.", "Sunday: 10 a.m. to 6 p.m."}},
		{"decimals", "The fee is $5.95. It is refunded.", []string{"The fee is $5.95.", "It is refunded."}},
		{"abbreviations", "Ships within the U.S. only, e.g. Hawaii. Not abroad.", []string{"Ships within the U.S. only, e.g. Hawaii.", "Not abroad."}},
		{"line breaks", "first line\nsecond line", []string{"first line", "second line"}},
		{"mandarin", "订单已发货。预计周三送达！还有问题吗？", []string{"订单已发货。", "预计周三送达！", "还有问题吗？"}},
		{"quotes close the sentence", `It says "Delivered." Check again.`, []string{`It says "Delivered."`, "Check again."}},
		{"empty", "  ", nil},
	}
	for _, tt := range tests {
		got := splitSentences(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %q, want %q", tt.desc, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: got %q, want %q", tt.desc, got, tt.want)
				break
			}
		}
	}
}

func TestHeardAll(t *testing.T) {
	tests := []struct {
		desc, heard, sentence string
		want                  bool
	}{
		{"whole question heard", "I found it. Is that right?", "Is that right?", true},
		{"cut before the end", "I found it. Is that", "Is that right?", false},
		{"case and punctuation ignored", "that's ORDER four, is that right", "That's order four, is that right?", true},
		{"nothing to hear", "", "", true},
	}
	for _, tt := range tests {
		if got := heardAll(tt.heard, tt.sentence); got != tt.want {
			t.Errorf("%s: got %v", tt.desc, got)
		}
	}
}
