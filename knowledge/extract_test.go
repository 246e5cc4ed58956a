package knowledge_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parley-voice/parley/knowledge"
)

// flat renders an article as "title|heading path: paragraph" lines.
func flat(a knowledge.Article) string {
	var b strings.Builder
	b.WriteString(a.Title)
	for _, s := range a.Sections {
		for _, p := range s.Paragraphs {
			b.WriteString("\n" + strings.Join(s.Headings, " > ") + ": " + p)
		}
	}
	return b.String()
}

func TestExtractMarkdown(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		want string
	}{
		{"headings make sections, the first H1 is the title",
			"# Returns\n\nIntro text.\n\n## How long\n\nYou have **30 days**.\n\n### Members\n\n45 days.\n\n## Fees\n\n$5.95.",
			"Returns\nReturns: Intro text.\nReturns > How long: You have 30 days.\nReturns > How long > Members: 45 days.\nReturns > Fees: $5.95."},
		{"emphasis, links, images, code",
			"# T\n\nSee [the returns page](https://x.com/r \"t\") or ![a QR code](qr.png), *now* and __here__, `code`, ~~old~~ snake_case.",
			"T\nT: See the returns page or a QR code, now and here, code , old snake_case."},
		{"lists become lines",
			"# T\n\n- first item\n- second\n  continued\n1. one\n2) two\n* [x] done",
			"T\nT: first item\nT: second continued\nT: one\nT: two\nT: done"},
		{"tables become rows that read alone",
			"# W\n\n| Product | Coverage |\n|---|:--:|\n| Tents | 5 years |\n| Zip \\| pull | life |",
			"W\nW: Tents — Coverage: 5 years\nW: Zip | pull — Coverage: life"},
		{"code fences keep their text", "# T\n\n```go\nfmt.Println(\"hi\")\n```\nafter", "T\nT: fmt.Println(\"hi\")\nT: after"},
		{"setext headings", "Title\n=====\n\ntext\n\nPart\n----\n\nmore", "Title\nTitle: text\nTitle > Part: more"},
		{"front matter gives title and language", "---\ntitle: \"From front matter\"\nlang: zh\n---\n\ntext", "From front matter\n: text"},
		{"comments, rules and reference definitions vanish",
			"# T\n\n<!-- hidden\nnote -->\nshown\n\n---\n\n[ref]: https://example.com\n\n> quoted <b>bold</b> &amp; more",
			"T\nT: shown\nT: quoted bold & more"},
		{"autolinks keep the address", "# T\n\nWrite to <help@example.com> or <https://x.com>.", "T\nT: Write to help@example.com or https://x.com."},
		{"no heading", "just text", "\n: just text"},
	}
	for _, tc := range tests {
		got := flat(knowledge.Extract("a.md", []byte(tc.in)))
		if tc.desc == "no heading" {
			tc.want = "A" + tc.want
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.desc, got, tc.want)
		}
	}
	if a := knowledge.Extract("a.md", []byte("---\nlang: zh\n---\n# 标题")); a.Language != "zh" {
		t.Errorf("front matter language %q, want zh", a.Language)
	}
}

func TestExtractHTML(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		want string
	}{
		{"headings, paragraphs, entities",
			"<!DOCTYPE html><html><head><title>Page</title><style>p{}</style><script>var x = '<p>no</p>';</script></head><body><h1>Store &amp; hours</h1><p>Open 9&ndash;5&nbsp;daily.</p><h2>Pickup</h2><p>Ready in <b>2</b> hours.<br>Bring ID.</p></body></html>",
			"Store & hours\nStore & hours: Open 9–5 daily.\nStore & hours > Pickup: Ready in 2 hours.\nStore & hours > Pickup: Bring ID."},
		{"title tag when there is no h1", "<title>Gift &#x43;ards</title><p>Never expire.</p>", "Gift Cards\n: Never expire."},
		{"nav, hidden and forms are skipped",
			"<body><nav><ul><li>Home</li><li>Shop</li></ul></nav><h1>T</h1><div hidden><p>secret</p></div><p aria-hidden=\"true\">decor</p><button>Buy</button><p>kept</p></body>",
			"T\nT: kept"},
		{"tables with a header row",
			"<h1>Rates</h1><table><thead><tr><th>Speed</th><th>Price</th><th>Days</th></tr></thead><tr><td>Ground</td><td>$6.95</td><td>4-7</td></tr><tr><td>Overnight<td>$29.95<td>1</table>",
			"Rates\nRates: Ground — Price: $6.95; Days: 4-7\nRates: Overnight — Price: $29.95; Days: 1"},
		{"lists and unclosed tags", "<h2>Steps<ul><li>one<li>two</ul><p>after", "Steps\nSteps: one\nSteps: two\nSteps: after"},
		{"a '<' that opens no tag stays text", "<h1>T</h1><p>a < b and c <= d, 3 > 2</p>", "T\nT: a < b and c <= d, 3 > 2"},
		{"images give their alt text", "<h1>T</h1><p>Scan <img src=q.png alt='the QR code'> here</p>", "T\nT: Scan the QR code here"},
		{"comments", "<h1>T</h1><!-- <p>no</p> --><p>yes</p>", "T\nT: yes"},
		{"missing </head>", "<head><title>X</title><body><p>text</p>", "X\n: text"},
	}
	for _, tc := range tests {
		got := flat(knowledge.Extract("page.html", []byte(tc.in)))
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.desc, got, tc.want)
		}
	}
	if a := knowledge.Extract("p.htm", []byte(`<html lang="zh-CN"><p>x</p>`)); a.Language != "zh-CN" {
		t.Errorf("html lang %q, want zh-CN", a.Language)
	}
}

func TestExtractText(t *testing.T) {
	tests := []struct {
		desc string
		name string
		in   []byte
		want string
	}{
		{"paragraphs joined by blank lines", "store-hours.txt", []byte("Open daily\nfrom 9.\n\n\nClosed on holidays.\r\n"), "Store hours\n: Open daily from 9.\n: Closed on holidays."},
		{"UTF-8 byte order mark", "a.txt", []byte("\xEF\xBB\xBFhello"), "A\n: hello"},
		{"UTF-16 little endian", "a.txt", []byte{0xFF, 0xFE, 'h', 0, 'i', 0}, "A\n: hi"},
		{"UTF-16 big endian", "a.txt", []byte{0xFE, 0xFF, 0, 'h', 0, 'i'}, "A\n: hi"},
		{"Windows-1252", "a.txt", []byte("caf\xe9 \x93quoted\x94"), "A\n: café “quoted”"},
		{"unknown extension read as text", "notes.rst", []byte("plain"), "Notes\n: plain"},
	}
	for _, tc := range tests {
		got := flat(knowledge.Extract(tc.name, tc.in))
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.desc, got, tc.want)
		}
	}
}

func TestSupported(t *testing.T) {
	for name, want := range map[string]bool{"a.md": true, "A.MD": true, "b.markdown": true, "c.txt": true, "d.html": true, "e.HTM": true, "f.pdf": false, "md": false, "g.md.bak": false} {
		if got := knowledge.Supported(name); got != want {
			t.Errorf("Supported(%q) = %v, want %v", name, got, want)
		}
	}
}

// checkArticle verifies what every extraction guarantees.
func checkArticle(t *testing.T, a knowledge.Article) {
	t.Helper()
	if !utf8.ValidString(a.Title) || a.Title == "" {
		t.Fatalf("title %q", a.Title)
	}
	for _, s := range a.Sections {
		if len(s.Paragraphs) == 0 {
			t.Fatalf("empty section %+v", s)
		}
		for _, p := range s.Paragraphs {
			if p == "" || strings.ContainsAny(p, "\n\r\t") || p != strings.TrimSpace(p) || !utf8.ValidString(p) {
				t.Fatalf("paragraph %q is not one trimmed line of UTF-8", p)
			}
		}
		for _, h := range s.Headings {
			if h == "" || !utf8.ValidString(h) {
				t.Fatalf("heading %q", h)
			}
		}
	}
	chunks := knowledge.Chunks("doc.md", "en", a, 50, 10)
	for i, c := range chunks {
		if c.Index != i || c.ID != knowledge.ChunkID("doc.md", i) || c.Text == "" {
			t.Fatalf("chunk %d: %+v", i, c)
		}
		if n := knowledge.CountTokens(c.Text); n > 50 {
			t.Fatalf("chunk of %d tokens, limit 50: %q", n, c.Text)
		}
	}
}

func FuzzExtractHTML(f *testing.F) {
	for _, s := range []string{
		"<html><head><title>T</title></head><body><h1>A</h1><p>x &amp; y</p></body></html>",
		"<table><tr><th>a<th>b<tr><td>1<td>2</table>",
		"<nav><nav></nav><p>in</p></nav><p>out</p>",
		"<script>if (a<b) {}</script><p>x</p>",
		"<h1>unclosed <p>para",
		"&#x110000; &#0; &#xD800; &bogus; &amp",
		"<a href='x' title=\"y\" hidden>z</a>",
		"<<<>>><!-- -- -->",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkArticle(t, knowledge.Extract("f.html", []byte(s)))
	})
}

func FuzzExtractMarkdown(f *testing.F) {
	for _, s := range []string{
		"# T\n\n## S\n\ntext **bold** [l](u)\n",
		"| a | b |\n|---|---|\n| 1 | 2 |\n",
		"```\ncode\n",
		"---\ntitle: x\n",
		"[[[[]]]](((( ![a](",
		"<!-- never closed",
		"\\*\\_ `a` ``b`` ~~c~~",
		"Title\n===\n- a\n1. b\n> c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkArticle(t, knowledge.Extract("f.md", []byte(s)))
	})
}

func TestChunks(t *testing.T) {
	long := strings.Repeat("Word word word word word word word word word word. ", 30) // 300 tokens, 30 sentences
	tests := []struct {
		desc      string
		paras     []string
		max, over int
		wantN     int
	}{
		{"a short section is one chunk", []string{"One. Two.", "Three."}, 200, 40, 1},
		{"a long paragraph splits at sentences", []string{long}, 100, 20, 4},
		{"without overlap", []string{long}, 100, 0, 3},
		{"paragraphs are preferred cut points", []string{strings.Repeat("A a a a a. ", 12), strings.Repeat("B b b b b. ", 12)}, 100, 0, 2},
		{"one huge sentence splits between words", []string{strings.Repeat("w ", 250)}, 100, 10, 3},
		{"Chinese counts characters", []string{strings.Repeat("退货政策说明。", 40)}, 100, 14, 3},
	}
	for _, tc := range tests {
		a := knowledge.Article{Title: "T", Sections: []knowledge.Section{{Headings: []string{"T", "S"}, Paragraphs: tc.paras}}}
		cs := knowledge.Chunks("d.md", "en", a, tc.max, tc.over)
		if len(cs) != tc.wantN {
			t.Errorf("%s: %d chunks, want %d", tc.desc, len(cs), tc.wantN)
		}
		for i, c := range cs {
			if n := knowledge.CountTokens(c.Text); n > tc.max {
				t.Errorf("%s: chunk %d has %d tokens, limit %d", tc.desc, i, n, tc.max)
			}
			if c.Heading != "T > S" || c.Title != "T" || c.Language != "en" || c.Doc != "d.md" {
				t.Errorf("%s: chunk %d fields %+v", tc.desc, i, c)
			}
		}
		if tc.over > 0 && len(cs) > 1 && tc.desc == "a long paragraph splits at sentences" {
			first := strings.Split(cs[0].Text, ". ")
			last := first[len(first)-1]
			if !strings.HasPrefix(cs[1].Text, strings.TrimSuffix(last, ".")) {
				t.Errorf("%s: chunk 1 does not start with chunk 0's last sentence", tc.desc)
			}
		}
	}
}

func TestSentencesKeepAbbreviations(t *testing.T) {
	p := "Orders placed by 1 p.m. Eastern ship today. Call Dr. Lee at 9 a.m. Monday. Use U.S. addresses only! Is it free? Yes."
	a := knowledge.Article{Sections: []knowledge.Section{{Paragraphs: []string{p}}}}
	cs := knowledge.Chunks("d.md", "en", a, 20, 0)
	var got []string
	for _, c := range cs {
		got = append(got, c.Text)
	}
	want := []string{"Orders placed by 1 p.m. Eastern ship today. Call Dr. Lee at 9 a.m. Monday.", "Use U.S. addresses only! Is it free? Yes."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunks %q, want %q", got, want)
	}
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		desc, path, declared, text, want string
	}{
		{"zh folder", "zh/returns.md", "", "Returns policy in English", "zh"},
		{"zh-CN folder deeper", "help/zh-CN/a.md", "", "text", "zh"},
		{"en folder wins over Han text", "en/a.md", "", "退货政策", "en"},
		{"a folder named like a word is not a language", "zhong/a.md", "", "Returns", "en"},
		{"Han dominates despite English names", "a.md", "", "Northwind Outfitters 自有品牌的商品，在材料和做工方面出现缺陷时享受保修", "zh"},
		{"English with one Chinese phrase", "a.md", "", "Call us and press 2 for Mandarin (中文) service any weekday", "en"},
		{"no letters: the declared language", "a.md", "zh-TW", "123 456", "zh"},
		{"no letters, nothing declared", "a.md", "", "", "en"},
	}
	for _, tc := range tests {
		if got := knowledge.DetectLanguage(tc.path, tc.declared, tc.text); got != tc.want {
			t.Errorf("%s: DetectLanguage = %q, want %q", tc.desc, got, tc.want)
		}
	}
	for in, want := range map[string]string{"zh-CN": "zh", "ZH_hans": "zh", "cmn": "zh", "en-US": "en", "": "", "fr-CA": "fr"} {
		if got := knowledge.NormalizeLanguage(in); got != want {
			t.Errorf("NormalizeLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}
