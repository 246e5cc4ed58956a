package nlu

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// retail returns the parser of the example retail domain, English and
// Mandarin, built once for the package's tests.
var retail = sync.OnceValues(func() (*Local, error) {
	en, err := LoadDomain(examplesEN)
	if err != nil {
		return nil, err
	}
	zh, err := LoadDomain(examplesZH)
	if err != nil {
		return nil, err
	}
	return New(en, WithDomain(zh))
})

// tinyDomain is a small English domain, quick to train.
const tinyDomain = `language: en
intents:
  order_status:
    examples: ["where is my order", "has my package shipped", "when will my order arrive", "track my order"]
    slots: [order_number]
  goodbye:
    examples: ["bye", "goodbye", "thanks bye", "that is all"]
slots:
  order_number: {type: digits, min_length: 6, max_length: 8}
`

// tiny returns the parser of tinyDomain with opts.
func tiny(t testing.TB, opts ...Option) *Local {
	t.Helper()
	d, err := ParseDomain("tiny.yaml", []byte(tinyDomain))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(d, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// retailParser returns the shared retail parser or fails the test.
func retailParser(t testing.TB) *Local {
	t.Helper()
	p, err := retail()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseIntentsAndSlots(t *testing.T) {
	p := retailParser(t)
	tests := []struct {
		desc, text, intent string
		slots              map[string]string
	}{
		{"order number digit by digit", "where is my order four eight two seven one six three", "order_status", map[string]string{"order_number": "4827163"}},
		{"order number in groups", "check order forty eight twenty seven one six three", "order_status", map[string]string{"order_number": "4827163"}},
		{"spelled e-mail", "can you look up my order my email is jane dot doe at example dot com", "order_status", map[string]string{"email": "jane.doe@example.com"}},
		{"fillers", "um so uh like you know where's my package", "order_status", map[string]string{}},
		{"exchange wants the last size", "i want to swap the medium for a large", "return_item", map[string]string{"size": "l"}},
		{"exchange wants the last color", "can i exchange the blue hoodie for the green one", "return_item", map[string]string{"product": "hoodie", "color": "green"}},
		{"learned product phrase", "i want my money back for the rain jacket", "return_item", map[string]string{"product": "rain jacket"}},
		{"too small is not a size", "these hiking boots are too small can i exchange them for a size eleven", "return_item", map[string]string{"product": "hiking boots", "size": "11"}},
		{"cancel", "cancel order six two nine four four one zero", "cancel_order", map[string]string{"order_number": "6294410"}},
		{"money pair", "why was my credit card charged forty two fifty", "billing_dispute", map[string]string{"amount": "42.50", "payment_method": "credit_card"}},
		{"money dollars", "i got charged eighty nine dollars for something i returned", "billing_dispute", map[string]string{"amount": "89.00"}},
		{"card brand", "my mastercard was billed twice", "billing_dispute", map[string]string{"payment_method": "credit_card"}},
		{"street address", "my new address is four twelve oak street", "update_address", map[string]string{"street_address": "412 oak street"}},
		{"zip with leading zero", "the zip code should be oh five four oh one", "update_address", map[string]string{"zip_code": "05401"}},
		{"store by state and tonight", "is the vermont store open tonight", "store_hours", map[string]string{"store": "burlington", "day": "today"}},
		{"plural weekday", "are you open on sundays", "store_hours", map[string]string{"day": "sunday"}},
		{"holiday", "are you open on new year's day", "store_hours", map[string]string{"day": "new_years_day"}},
		{"shipping speed", "how much is two day shipping", "shipping_info", map[string]string{"shipping_method": "expedited"}},
		{"destination", "do you ship to puerto rico", "shipping_info", map[string]string{"destination": "puerto rico"}},
		{"product and size", "is the rain shell in stock in medium", "product_question", map[string]string{"product": "rain shell", "size": "m"}},
		{"numeric size", "do you have the hiking boots in a size ten", "product_question", map[string]string{"product": "hiking boots", "size": "10"}},
		{"half size", "do you have trail shoes in size nine and a half", "product_question", map[string]string{"product": "trail shoes", "size": "9.5"}},
		{"agent", "let me talk to a real person", "speak_to_agent", map[string]string{}},
		{"affirm", "yes please", "affirm", map[string]string{}},
		{"deny", "no that's not it", "deny", map[string]string{}},
		{"goodbye", "thanks bye", "goodbye", map[string]string{}},
		{"repeat", "can you say that again", "repeat", map[string]string{}},
		{"punctuation and case", "Where is my ORDER? It's 4827163.", "order_status", map[string]string{"order_number": "4827163"}},
		{"mandarin order", "我想查订单号四八二七一六三", "order_status", map[string]string{"order_number": "4827163"}},
		{"mandarin arabic digits", "查一下订单1234567", "order_status", map[string]string{"order_number": "1234567"}},
		{"mandarin exchange size", "我想把这条裤子换成小号", "return_item", map[string]string{"product": "裤子", "size": "s"}},
		{"mandarin money", "退了货还扣我八十九块", "billing_dispute", map[string]string{"amount": "89.00"}},
		{"mandarin store and day", "伯灵顿的店今天开吗", "store_hours", map[string]string{"store": "burlington", "day": "today"}},
		{"mandarin store by state", "佛蒙特的店星期天开门吗", "store_hours", map[string]string{"store": "burlington", "day": "sunday"}},
		{"mandarin shipping", "加急快递几天到", "shipping_info", map[string]string{"shipping_method": "expedited"}},
		{"mandarin numeric size", "登山鞋有十码的吗", "product_question", map[string]string{"product": "登山鞋", "size": "10"}},
		{"mandarin half size", "登山鞋有九码半吗", "product_question", map[string]string{"product": "登山鞋", "size": "9.5"}},
		{"mandarin agent", "我要转人工", "speak_to_agent", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			res, err := p.Parse(context.Background(), tc.text, ParseOptions{Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if res.Intent != tc.intent {
				t.Errorf("intent %s (%.2f, ranking %v), want %s", res.Intent, res.Confidence, res.Ranking, tc.intent)
			}
			if !maps.Equal(res.Slots, tc.slots) {
				t.Errorf("slots %v, want %v", res.Slots, tc.slots)
			}
		})
	}
}

func TestParseExpect(t *testing.T) {
	p := retailParser(t)
	tests := []struct {
		desc, text string
		expect     []string
		intent     string
		slots      map[string]string
	}{
		{"bare order number", "four eight two seven one six three", []string{"order_number"}, NoIntent, map[string]string{"order_number": "4827163"}},
		{"order number with words around", "yeah it's four eight two seven one six three", []string{"order_number"}, NoIntent, map[string]string{"order_number": "4827163"}},
		{"bare zip", "oh five four oh one", []string{"zip_code"}, NoIntent, map[string]string{"zip_code": "05401"}},
		{"store by state", "the vermont store", []string{"store"}, NoIntent, map[string]string{"store": "burlington"}},
		{"bare email", "jane dot doe at example dot com", []string{"email"}, NoIntent, map[string]string{"email": "jane.doe@example.com"}},
		{"unknown product", "the merino socks", []string{"product"}, NoIntent, map[string]string{"product": "merino socks"}},
		{"answer with an intent keeps it", "i want to cancel order four eight two seven one six three", []string{"order_number"}, "cancel_order", map[string]string{"order_number": "4827163"}},
		{"no value leaves the slot empty", "i don't know", []string{"order_number"}, "", map[string]string{}},
		{"mandarin bare store", "佛蒙特那家", []string{"store"}, NoIntent, map[string]string{"store": "burlington"}},
		{"mandarin bare order", "四八二七一六三", []string{"order_number"}, NoIntent, map[string]string{"order_number": "4827163"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			res, err := p.Parse(context.Background(), tc.text, ParseOptions{Expect: tc.expect, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if tc.intent != "" && res.Intent != tc.intent {
				t.Errorf("intent %s (%.2f), want %s", res.Intent, res.Confidence, tc.intent)
			}
			if !maps.Equal(res.Slots, tc.slots) {
				t.Errorf("slots %v, want %v", res.Slots, tc.slots)
			}
		})
	}
}

func TestParseRestrictIntents(t *testing.T) {
	p := retailParser(t)
	tests := []struct {
		desc, text string
		intents    []string
		want       string
	}{
		{"yeah between affirm and deny", "yeah", []string{"affirm", "deny"}, "affirm"},
		{"nope between affirm and deny", "nope", []string{"affirm", "deny"}, "deny"},
		{"unseen yes word", "yup", []string{"affirm", "deny"}, "affirm"},
		{"restriction beats the best intent", "where is my order", []string{"cancel_order", "return_item"}, ""},
	}
	for _, tc := range tests {
		res, err := p.Parse(context.Background(), tc.text, ParseOptions{Intents: tc.intents})
		if err != nil {
			t.Fatal(err)
		}
		if tc.want != "" && res.Intent != tc.want {
			t.Errorf("%s: intent %s, want %s", tc.desc, res.Intent, tc.want)
		}
		if len(res.Ranking) != len(tc.intents) {
			t.Errorf("%s: ranking %v, want only %v", tc.desc, res.Ranking, tc.intents)
		}
		var sum float64
		for _, r := range res.Ranking {
			if !contains(tc.intents, r.Intent) {
				t.Errorf("%s: ranking holds %s, outside %v", tc.desc, r.Intent, tc.intents)
			}
			sum += r.Confidence
		}
		if sum < 0.999 || sum > 1.001 {
			t.Errorf("%s: restricted confidences sum to %v, want 1", tc.desc, sum)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	p := retailParser(t)
	tests := []struct {
		desc, text, lang, want string
	}{
		{"detected english", "where is my order", "", "en"},
		{"detected mandarin", "我的订单到哪了", "", "zh"},
		{"explicit region tag", "我的订单到哪了", "zh-CN", "zh"},
		{"explicit english", "where is my order", "en-US", "en"},
		{"mandarin with latin letters", "我的paypal扣了两笔", "", "zh"},
	}
	for _, tc := range tests {
		res, err := p.Parse(context.Background(), tc.text, ParseOptions{Language: tc.lang})
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		if res.Language != tc.want {
			t.Errorf("%s: language %q, want %q", tc.desc, res.Language, tc.want)
		}
	}
	d, ok := p.Domain("zh-TW")
	if !ok || d.Language != "zh" || len(p.Domains()) != 2 {
		t.Errorf("Domain(zh-TW) = %v, %v; Domains() = %d", d, ok, len(p.Domains()))
	}
}

func TestParseErrors(t *testing.T) {
	p := retailParser(t)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		desc string
		ctx  context.Context
		opts ParseOptions
		want error
	}{
		{"unknown language", context.Background(), ParseOptions{Language: "fr"}, ErrLanguage},
		{"unknown intent", context.Background(), ParseOptions{Intents: []string{"affirm", "greet"}}, ErrUnknownIntent},
		{"unknown slot", context.Background(), ParseOptions{Expect: []string{"shoe_size"}}, ErrUnknownSlot},
		{"canceled", canceled, ParseOptions{}, context.Canceled},
	}
	for _, tc := range tests {
		_, err := p.Parse(tc.ctx, "where is my order", tc.opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.desc, err, tc.want)
		}
	}
}

func TestParseResultShape(t *testing.T) {
	p := retailParser(t)
	for _, text := range []string{"", "   ", "where is my order four eight two seven one six three", "the quick brown fox", "我要退货", "!!!"} {
		res, err := p.Parse(context.Background(), text, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Slots == nil || res.Text != text || res.Source != SourceLocal || res.Confidence < 0 || res.Confidence > 1 {
			t.Errorf("%q: %+v", text, res)
		}
		if len(res.Ranking) > maxRanking {
			t.Errorf("%q: %d ranked intents, want at most %d", text, len(res.Ranking), maxRanking)
		}
		for i := 1; i < len(res.Ranking); i++ {
			if res.Ranking[i].Confidence > res.Ranking[i-1].Confidence {
				t.Errorf("%q: ranking out of order: %v", text, res.Ranking)
			}
		}
		if res.Intent != NoIntent && (len(res.Ranking) == 0 || res.Ranking[0].Intent != res.Intent || res.Ranking[0].Confidence != res.Confidence) {
			t.Errorf("%q: intent %s does not head the ranking %v", text, res.Intent, res.Ranking)
		}
		for _, e := range res.Entities {
			if text[e.Start:e.End] != e.Text {
				t.Errorf("%q: entity %+v does not point at its text", text, e)
			}
		}
	}
	res, _ := p.Parse(context.Background(), "", ParseOptions{})
	if res.Intent != NoIntent || res.Confidence != 0 || len(res.Ranking) != 0 {
		t.Errorf("empty utterance: %+v, want intent none with confidence 0", res)
	}
}

func TestParseRejectsOutOfDomain(t *testing.T) {
	p := retailParser(t)
	for _, text := range []string{"lorem ipsum dolor sit amet", "the quick brown fox jumps over the lazy dog", "xyzzy plugh"} {
		res, err := p.Parse(context.Background(), text, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Intent != NoIntent {
			t.Errorf("%q: intent %s (%.2f), want %s", text, res.Intent, res.Confidence, NoIntent)
		}
	}
	strict := tiny(t, WithThreshold(1))
	res, _ := strict.Parse(context.Background(), "where is my order", ParseOptions{})
	if res.Intent != NoIntent || res.Confidence == 0 || res.Ranking[0].Intent != "order_status" {
		t.Errorf("threshold 1: %+v, want none with the best intent's confidence", res)
	}
}

func TestParseClock(t *testing.T) {
	p := tiny(t, WithNow(func() time.Time { return testNow }))
	tests := []struct {
		desc string
		now  time.Time
		want string
	}{
		{"the parser's clock", time.Time{}, "2026-11-25"},
		{"the turn's time", time.Date(2027, 2, 28, 9, 0, 0, 0, time.UTC), "2027-03-01"},
	}
	for _, tc := range tests {
		res, err := p.Parse(context.Background(), "will my order arrive tomorrow", ParseOptions{Now: tc.now})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entities) != 1 || res.Entities[0].Value != tc.want {
			t.Errorf("%s: entities %+v, want the date %s", tc.desc, res.Entities, tc.want)
		}
	}
}

func TestParseConcurrent(t *testing.T) {
	p := retailParser(t)
	texts := []string{
		"where is my order four eight two seven one six three",
		"is the vermont store open tonight",
		"我想把这条裤子换成小号",
		"why was my credit card charged forty two fifty",
	}
	want := make([]Result, len(texts))
	for i, text := range texts {
		want[i], _ = p.Parse(context.Background(), text, ParseOptions{Now: testNow})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := (g + n) % len(texts)
				got, err := p.Parse(context.Background(), texts[i], ParseOptions{Now: testNow})
				if err != nil || got.Intent != want[i].Intent || got.Confidence != want[i].Confidence || !maps.Equal(got.Slots, want[i].Slots) {
					errs <- fmt.Errorf("%q: got %+v (%v), want %+v", texts[i], got, err, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNewErrors(t *testing.T) {
	en, err := LoadDomain(examplesEN)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc string
		d    *Domain
		opts []Option
	}{
		{"nil domain", nil, nil},
		{"two domains of one language", en, []Option{WithDomain(en)}},
		{"nil extra domain", en, []Option{WithDomain(nil)}},
		{"threshold above one", en, []Option{WithThreshold(1.5)}},
		{"negative threshold", en, []Option{WithThreshold(-0.1)}},
		{"nil clock", en, []Option{WithNow(nil)}},
		{"no intents", &Domain{Language: "en"}, nil},
		{"no language", &Domain{Intents: en.Intents}, nil},
	}
	for _, tc := range tests {
		if _, err := New(tc.d, tc.opts...); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: error %v, want ErrConfig", tc.desc, err)
		}
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	a, b := tiny(t), tiny(t)
	for _, text := range []string{"where is my order", "thanks", "hmm maybe"} {
		ra, _ := a.Parse(context.Background(), text, ParseOptions{})
		rb, _ := b.Parse(context.Background(), text, ParseOptions{})
		if ra.Intent != rb.Intent || ra.Confidence != rb.Confidence {
			t.Errorf("%q: %s %.6f then %s %.6f", text, ra.Intent, ra.Confidence, rb.Intent, rb.Confidence)
		}
	}
}

func TestFixtureWithoutSynonyms(t *testing.T) {
	en, err := LoadDomain(fixtureFile(t, "intents.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	zh, err := LoadDomain(fixtureFile(t, "intents.zh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(en, WithDomain(zh))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc, text, intent string
		slots              map[string]string
	}{
		{"digits", "can you track order number four eight two seven one six three", "order_status", map[string]string{"order_number": "4827163"}},
		{"described form", "how much is two day shipping", "shipping_info", map[string]string{"shipping_method": "expedited"}},
		{"described card brands", "i was charged twice on my visa", "billing_dispute", map[string]string{"payment_method": "credit_card"}},
		{"described tonight", "how late is the portland store open tonight", "store_hours", map[string]string{"store": "portland", "day": "today"}},
		{"described values", "is the down jacket waterproof", "product_question", map[string]string{"product": "down jacket"}},
		{"mandarin described size", "我想把这条裤子换成小号", "return_item", map[string]string{"size": "s"}},
		{"mandarin described day", "礼拜天开门吗", "store_hours", map[string]string{"day": "sunday"}},
	}
	for _, tc := range tests {
		res, err := p.Parse(context.Background(), tc.text, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Intent != tc.intent || !maps.Equal(res.Slots, tc.slots) {
			t.Errorf("%s: %s %v, want %s %v", tc.desc, res.Intent, res.Slots, tc.intent, tc.slots)
		}
	}
}
