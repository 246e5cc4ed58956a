package llm

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// splitAll feeds pieces to a splitter and returns every sentence.
func splitAll(s *Splitter, pieces []string) []string {
	var out []string
	for _, p := range pieces {
		s.Write(p)
		for {
			sent, ok := s.Next()
			if !ok {
				break
			}
			out = append(out, sent)
		}
	}
	s.Finish()
	for {
		sent, ok := s.Next()
		if !ok {
			return out
		}
		out = append(out, sent)
	}
}

// runes cuts text into one piece per rune, the worst tokenization.
func runes(text string) []string {
	var out []string
	for _, r := range text {
		out = append(out, string(r))
	}
	return out
}

func TestSplitter(t *testing.T) {
	long := "When you return an item by mail, print the label from your order page, pack the item in its original box, drop it at any carrier location near you, and keep the receipt until the refund arrives"
	tests := []struct {
		desc string
		text string
		want []string
	}{
		{desc: "sentence ends", text: "Hello there. How are you? Great!", want: []string{"Hello there.", "How are you?", "Great!"}},
		{desc: "decimals and thousands stay whole", text: "It costs $4.95 plus $1,299.00 total. Okay?", want: []string{"It costs $4.95 plus $1,299.00 total.", "Okay?"}},
		{desc: "a price at a sentence end", text: "That is $4. Anything else?", want: []string{"That is $4.", "Anything else?"}},
		{desc: "titles and initials", text: "Ask Dr. Jones or J. Smith on Main St. about it. Thanks.", want: []string{"Ask Dr. Jones or J. Smith on Main St. about it.", "Thanks."}},
		{desc: "abbreviations before lower case", text: "We open at 9 a.m. and close at 6 p.m. Call us then.", want: []string{"We open at 9 a.m. and close at 6 p.m.", "Call us then."}},
		{desc: "e.g. and i.e.", text: "Bring proof, e.g. a receipt. Done.", want: []string{"Bring proof, e.g. a receipt.", "Done."}},
		{desc: "U.S. ends a sentence before a capital", text: "We ship within the U.S. Orders abroad are refused.", want: []string{"We ship within the U.S.", "Orders abroad are refused."}},
		{desc: "closing quotes and brackets stay with their sentence", text: `He said "yes." (It was fine.) Next.`, want: []string{`He said "yes."`, "(It was fine.)", "Next."}},
		{desc: "repeated terminators", text: "Really?! Wow... Okay.", want: []string{"Really?!", "Wow...", "Okay."}},
		{desc: "an ellipsis before lower case goes on", text: "Well... let me check. Done.", want: []string{"Well... let me check.", "Done."}},
		{desc: "web addresses stay whole", text: "Visit northwind.example.com today. Bye.", want: []string{"Visit northwind.example.com today.", "Bye."}},
		{desc: "list numbers and line breaks", text: "Here is how:\n1. Open the app.\n2. Tap Returns.", want: []string{"Here is how:", "1. Open the app.", "2. Tap Returns."}},
		{desc: "Chinese punctuation", text: "您好！退货期限是六十天。还有问题吗？", want: []string{"您好！", "退货期限是六十天。", "还有问题吗？"}},
		{desc: "Chinese closing quote", text: "他说：“好的。”然后挂了。", want: []string{"他说：“好的。”", "然后挂了。"}},
		{desc: "a long clause is cut at its last comma", text: long + ".", want: []string{
			"When you return an item by mail, print the label from your order page,",
			"pack the item in its original box, drop it at any carrier location near you,",
			"and keep the receipt until the refund arrives.",
		}},
		{desc: "a long Chinese clause is cut at its comma", text: "如果您想退货，请先登录您的账户，在订单页面打印退货标签，然后把商品装回原包装盒，送到任意快递网点即可。", want: []string{
			"如果您想退货，请先登录您的账户，",
			"在订单页面打印退货标签，然后把商品装回原包装盒，",
			"送到任意快递网点即可。",
		}},
		{desc: "no punctuation at all is cut at a space", text: strings.Repeat("word ", 50), want: []string{
			strings.TrimSpace(strings.Repeat("word ", 40)), strings.TrimSpace(strings.Repeat("word ", 10)),
		}},
		{desc: "an unfinished tail comes out at the end", text: "First. And then", want: []string{"First.", "And then"}},
		{desc: "blank text gives nothing", text: "  \n \n ", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			for _, feed := range []struct {
				name   string
				pieces []string
			}{{"whole", []string{tc.text}}, {"rune by rune", runes(tc.text)}, {"words", strings.SplitAfter(tc.text, " ")}} {
				got := splitAll(&Splitter{}, feed.pieces)
				if quoted(got) != quoted(tc.want) {
					t.Errorf("%s: got  %s\nwant %s", feed.name, quoted(got), quoted(tc.want))
				}
			}
		})
	}
}

func TestSplitterWaitsForWhatDecides(t *testing.T) {
	var s Splitter
	for _, tc := range []struct {
		piece string
		want  string
	}{
		{"It costs $4.", ""}, // a decimal or the end?
		{"95 today. ", ""},   // the next word decides
		{"Mr.", "It costs $4.95 today."},
		{" Smith agrees. ", ""},
		{"Bye", "Mr. Smith agrees."},
	} {
		s.Write(tc.piece)
		got, _ := s.Next()
		if got != tc.want {
			t.Fatalf("after %q: Next = %q, want %q", tc.piece, got, tc.want)
		}
	}
	s.Finish()
	if got, ok := s.Next(); got != "Bye" || !ok {
		t.Errorf("after Finish: %q %v", got, ok)
	}
	s.Reset()
	if got, ok := s.Next(); ok {
		t.Errorf("after Reset: %q", got)
	}
}

func FuzzSplitter(f *testing.F) {
	for _, seed := range []string{
		"Hello there. How are you? It costs $4.95!", "Mr. Smith said e.g. no.", "您好！退货期限是六十天。",
		"1. one\n2. two", strings.Repeat("a, ", 60), "x...y? z!", "“好的。”", "\xff\xfe. A",
	} {
		f.Add(seed, uint8(3))
	}
	f.Fuzz(func(t *testing.T, text string, stride uint8) {
		whole := splitAll(&Splitter{}, []string{text})
		n := int(stride%7) + 1
		var pieces []string
		for i := 0; i < len(text); i += n {
			pieces = append(pieces, text[i:min(i+n, len(text))])
		}
		if got := splitAll(&Splitter{}, pieces); quoted(got) != quoted(whole) {
			t.Fatalf("pieces of %d bytes: %s, whole: %s", n, quoted(got), quoted(whole))
		}
		if squeeze(strings.Join(whole, " ")) != squeeze(text) {
			t.Fatalf("sentences %s do not rebuild %q", quoted(whole), text)
		}
		for _, s := range whole {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("sentence %q is empty or untrimmed", s)
			}
			if utf8.ValidString(text) && !utf8.ValidString(s) {
				t.Fatalf("sentence %q cuts a rune", s)
			}
		}
	})
}

// squeeze removes white space.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func BenchmarkSplitter(b *testing.B) {
	tokens := strings.SplitAfter("Your order four eight two seven one six three shipped on Monday. It should arrive by Friday, and the tracking link is in your email. Is there anything else I can help with?", " ")
	var s Splitter
	b.ReportAllocs()
	for b.Loop() {
		s.Reset()
		for _, tok := range tokens {
			s.Write(tok)
			for {
				if _, ok := s.Next(); !ok {
					break
				}
			}
		}
	}
}
