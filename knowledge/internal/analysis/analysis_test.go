package analysis

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// texts returns the texts of tokens of the given kinds (all when none).
func texts(toks []Token, kinds ...Kind) []string {
	var out []string
	for _, t := range toks {
		if len(kinds) == 0 {
			out = append(out, t.Text)
			continue
		}
		for _, k := range kinds {
			if t.Kind == k {
				out = append(out, t.Text)
			}
		}
	}
	return out
}

func TestTokens(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		want string
	}{
		{"stopwords go, words are stemmed", "How do I return the shoes I bought?", "return sho bought"},
		{"contractions and possessives", "I can't find my order's tracking; men's jackets", "find order track men jacket"},
		{"curly apostrophes", "it doesn’t work", "work"},
		{"spoken numbers", "forty two inches and thirty days", "42 inch 30 day"},
		{"spelled digits", "order four eight two seven one six three", "order 4827163"},
		{"hundreds", "one hundred and five dollars", "105 dollar"},
		{"digits and percent", "$75 or 10% off", "75 10 percent"},
		{"two day shipping", "two day shipping", "2 day ship"},
		{"mixed case and hyphens", "E-Gift cards, Trail-Rewards", "gift card trail reward"},
		{"accented words are kept whole", "café crème", "café crème"},
		{"empty", "", ""},
		{"punctuation only", "?!... --", ""},
	}
	for _, tc := range tests {
		got := strings.Join(texts(Tokens(tc.in, nil), Word, Number), " ")
		if got != tc.want {
			t.Errorf("%s: Tokens(%q) = %q, want %q", tc.desc, tc.in, got, tc.want)
		}
	}
}

func TestTokensHan(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		uni  string
		bi   string
	}{
		{"unigrams without particles, all bigrams", "我的退款", "退 款", "我的 的退 退款"},
		{"Latin inside Han", "Klarna 分期", "分 期", "分期"},
		{"digits split Han runs", "7至12个工作日", "至 工 作 日", "个工 工作 作日"},
	}
	for _, tc := range tests {
		toks := Tokens(tc.in, nil)
		if got := strings.Join(texts(toks, HanUnigram), " "); got != tc.uni {
			t.Errorf("%s: unigrams of %q = %q, want %q", tc.desc, tc.in, got, tc.uni)
		}
		if got := strings.Join(texts(toks, HanBigram), " "); got != tc.bi {
			t.Errorf("%s: bigrams of %q = %q, want %q", tc.desc, tc.in, got, tc.bi)
		}
	}
}

func TestPositions(t *testing.T) {
	toks := Tokens("the gift card of forty two dollars", nil)
	want := map[string]int{"gift": 1, "card": 2, "42": 4, "dollar": 6}
	for _, tok := range toks {
		if p, ok := want[tok.Text]; !ok || p != tok.Pos {
			t.Errorf("token %q at %d, want %v", tok.Text, tok.Pos, want[tok.Text])
		}
	}
}

func TestStem(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"policies", "policy"},
		{"boxes", "box"},
		{"addresses", "address"},
		{"returns", "return"},
		{"returned", "return"},
		{"returning", "return"},
		{"shipping", "ship"},
		{"shipped", "ship"},
		{"charges", "charg"},
		{"charged", "charg"},
		{"charge", "charg"},
		{"sizing", "siz"},
		{"size", "siz"},
		{"status", "status"},
		{"business", "business"},
		{"need", "need"},
		{"free", "free"},
		{"internationally", "international"},
		{"carried", "carry"},
		{"bus", "bus"},
		{"naïve", "naïve"},
	}
	for _, tc := range tests {
		if got := Stem(tc.in); got != tc.want {
			t.Errorf("Stem(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"how do i return forty two shoes", "退款多久到账", "a'b'c ' '' x’s", "one hundred thousand million", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prev := -1
		for _, tok := range Tokens(s, nil) {
			if tok.Text == "" || !utf8.ValidString(tok.Text) && utf8.ValidString(s) {
				t.Fatalf("bad token %+v of %q", tok, s)
			}
			if tok.Kind != HanBigram && tok.Pos < prev {
				t.Fatalf("positions go back in %q: %+v", s, tok)
			}
			if tok.Kind != HanBigram {
				prev = tok.Pos
			}
		}
	})
}

func BenchmarkTokens(b *testing.B) {
	q := "how many days do i have to return a jacket i bought in december"
	var toks []Token
	b.ReportAllocs()
	for b.Loop() {
		toks = Tokens(q, toks[:0])
	}
}
