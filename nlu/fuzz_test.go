package nlu

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParseDomain feeds untrusted intent files to ParseDomain: it must
// return a usable domain or a *DomainError, never panic.
func FuzzParseDomain(f *testing.F) {
	f.Add([]byte("language: en\nintents:\n  a:\n    examples: [\"hi there\"]\n    slots: [n]\nslots:\n  n: {type: digits, min_length: 2}\n"))
	f.Add([]byte("language: zh\nintents:\n  a:\n    examples: [\"你好\"]\nslots:\n  s:\n    type: text\n    synonyms:\n      \"{number}\": [\"{number}码\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDomain("fuzz.yaml", data)
		if err != nil {
			var de *DomainError
			if !errors.As(err, &de) || !errors.Is(err, ErrDomain) {
				t.Fatalf("error %v is not a *DomainError", err)
			}
			return
		}
		if d.Language == "" || len(d.Intents) == 0 {
			t.Fatalf("domain without language or intents: %+v", d)
		}
		for _, in := range d.Intents {
			if len(in.Examples) == 0 {
				t.Fatalf("intent %s without examples", in.Name)
			}
			for _, s := range in.Slots {
				if _, ok := d.Slots[s]; !ok {
					t.Fatalf("intent %s names unknown slot %s", in.Name, s)
				}
			}
		}
		if len(data) > 2048 {
			return // keep training cheap
		}
		p, err := New(d)
		if err != nil {
			t.Fatalf("New on a valid domain: %v", err)
		}
		for _, in := range d.Intents[:1] {
			if _, err := p.Parse(context.Background(), in.Examples[0], ParseOptions{Language: d.Language}); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		}
	})
}

// knownEntityType reports whether typ is one of the Entity constants.
func knownEntityType(typ string) bool {
	switch typ {
	case EntityNumber, EntityDigits, EntityMoney, EntityDate, EntityTime, EntityPhone, EntityEmail, EntityYesNo, EntityOrdinal:
		return true
	}
	return false
}

// FuzzExtractEntities feeds untrusted text to the number, money, date,
// time, phone, e-mail and yes/no extractors of both languages.
func FuzzExtractEntities(f *testing.F) {
	for _, s := range []string{
		"four eight two seven one six three", "forty two fifty", "twelve dollars and five cents",
		"next tuesday at half past six pm", "j d o e at example dot com", "double oh seven",
		"二十五块五", "下周二下午三点半", "四八二七一六三", "the thirty first of february",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, zh bool) {
		lang := "en"
		if zh {
			lang = "zh"
		}
		ents := ExtractEntities(text, ExtractOptions{Language: lang, Now: testNow})
		end := 0
		for _, e := range ents {
			if e.Start < end || e.Start >= e.End || e.End > len(text) || text[e.Start:e.End] != e.Text {
				t.Fatalf("%q: entity %+v out of place (previous end %d)", text, e, end)
			}
			if !knownEntityType(e.Type) || e.Value == "" || !utf8.ValidString(e.Value) && utf8.ValidString(text) {
				t.Fatalf("%q: bad entity %+v", text, e)
			}
			end = e.End
		}
	})
}

// FuzzParse feeds untrusted utterances to the retail parser.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"where is my order four eight two seven one six three", "um uh", "", "我要退货", "$42.50 on 12/03",
		"can i get the rain jacket in an extra large", "the vermont store", "ｏｒｄｅｒ　１２３",
	} {
		f.Add(s)
	}
	p := retailParser(f)
	f.Fuzz(func(t *testing.T, text string) {
		res, err := p.Parse(context.Background(), text, ParseOptions{Expect: []string{"order_number", "product"}, Now: testNow})
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		if res.Slots == nil || res.Confidence < 0 || res.Confidence > 1 || len(res.Ranking) > maxRanking {
			t.Fatalf("Parse(%q) = %+v", text, res)
		}
		for _, e := range res.Entities {
			if e.Start < 0 || e.End > len(text) || text[e.Start:e.End] != e.Text {
				t.Fatalf("Parse(%q): entity %+v out of place", text, e)
			}
		}
	})
}
