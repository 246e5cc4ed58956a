package flow

import (
	"strings"
	"testing"

	"github.com/parley-voice/parley/knowledge"
)

func hit(doc, heading, text string) knowledge.Hit {
	title, _, _ := strings.Cut(heading, " > ")
	return knowledge.Hit{Chunk: knowledge.Chunk{Doc: doc, Title: title, Heading: heading, Text: text}}
}

func TestExtract(t *testing.T) {
	stores := []knowledge.Hit{
		hit("store-locations-and-hours.md", "Store Locations and Hours", "We have three stores. All store hours are in each store's local time."),
		hit("store-locations-and-hours.md", "Store Locations and Hours > Denver, Colorado",
			"1701 Wazee Street, in Lower Downtown (LoDo)\n\n- Monday to Friday: 10 a.m. to 7 p.m.\n- Saturday: 9 a.m. to 7 p.m.\n- Sunday: 11 a.m. to 5 p.m."),
		hit("store-locations-and-hours.md", "Store Locations and Hours > Portland, Oregon",
			"1120 NW Everett Street, in the Pearl District\n\n- Monday to Saturday: 9 a.m. to 8 p.m.\n- Sunday: 10 a.m. to 6 p.m."),
	}
	refunds := []knowledge.Hit{
		hit("refund-timing.md", "When Will I Get My Refund? > By payment method",
			"| How you paid | Where the money goes | Time after the email |\n|---|---|---|\n| Credit card (Visa, Mastercard) | the same card | 3 to 5 business days |\n| PayPal | your PayPal account | 1 to 2 business days |"),
		hit("returns-policy.md", "Returns Policy > Return shipping fee",
			"A return mailed with our prepaid label costs $5.95, which is subtracted from your refund. Returning in one of our stores is always free."),
	}
	tests := []struct {
		desc, query string
		hits        []knowledge.Hit
		want        []string
		doc         string
	}{
		{"the section names the store", "what time does the denver store open on saturday", stores,
			[]string{"Denver, Colorado: Saturday: 9 a.m. to 7 p.m."}, "store-locations-and-hours.md"},
		{"sunday in portland", "is the portland store open on sunday", append(stores[2:], stores[:2]...),
			[]string{"Portland, Oregon: Sunday: 10 a.m. to 6 p.m."}, "store-locations-and-hours.md"},
		{"a table row", "how long does a paypal refund take", refunds,
			[]string{"PayPal, your PayPal account, 1 to 2 business days"}, "refund-timing.md"},
		{"two sentences of one chunk", "is returning in a store free or is there a fee for the prepaid label", refunds[1:],
			[]string{"A return mailed with our prepaid label costs $5.95, which is subtracted from your refund.", "Returning in one of our stores is always free."}, "returns-policy.md"},
		{"nothing shared", "zebra", stores, nil, ""},
		{"only stop words", "what is it", stores, nil, ""},
		{"mandarin", "波特兰的店几点关门", []knowledge.Hit{hit("zh/store-locations-and-hours.md", "门店地址与营业时间 > 波特兰", "周一至周六：上午9点至晚上8点。周日：上午10点至下午6点。")},
			[]string{"波特兰：周一至周六：上午9点至晚上8点。"}, "zh/store-locations-and-hours.md"},
	}
	for _, tt := range tests {
		got, doc := extract(tt.query, tt.hits, 2)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || doc != tt.doc {
			t.Errorf("%s: got %q from %q, want %q from %q", tt.desc, got, doc, tt.want, tt.doc)
		}
	}
}

func TestTerms(t *testing.T) {
	got := strings.Join(terms("What are the store's hours on Sundays? 波特兰"), " ")
	if got != "store hour sunday 波特 特兰" {
		t.Errorf("got %q", got)
	}
}
