package nlu

import (
	"context"
	"maps"
	"testing"
)

func TestSlotFilling(t *testing.T) {
	p := retailParser(t)
	tests := []struct {
		desc, text string
		expect     []string
		want       map[string]string
	}{
		{"digits slots told apart by length", "change the zip on order four eight two seven one six three to oh five four oh one", []string{"order_number", "zip_code"}, map[string]string{"order_number": "4827163", "zip_code": "05401"}},
		{"too short for an order number", "order four eight two", []string{"order_number"}, map[string]string{}},
		{"too long for an order number", "order one two three four five six seven eight nine", []string{"order_number"}, map[string]string{}},
		{"letter prefix dropped", "it's n w four eight two seven one six three", []string{"order_number"}, map[string]string{"order_number": "4827163"}},
		{"double and triple", "double four one triple seven two", []string{"order_number"}, map[string]string{"order_number": "4417772"}},
		{"written digits", "order 04827163", []string{"order_number"}, map[string]string{"order_number": "04827163"}},
		{"house number in groups", "ship it to two twenty five maple avenue", []string{"street_address"}, map[string]string{"street_address": "225 maple avenue"}},
		{"house number one oh one", "one oh one main street", []string{"street_address"}, map[string]string{"street_address": "101 main street"}},
		{"street without a street word", "eighteen pine", []string{"street_address"}, map[string]string{"street_address": "18 pine"}},
		{"amount with cents", "i was overcharged by twelve dollars and fifty cents", []string{"amount"}, map[string]string{"amount": "12.50"}},
		{"last amount", "it should be ten dollars not twenty dollars", []string{"amount"}, map[string]string{"amount": "20.00"}},
		{"enum by value words", "i paid with apple pay", []string{"payment_method"}, map[string]string{"payment_method": "apple_pay"}},
		{"longest form wins", "are you open christmas eve", []string{"day"}, map[string]string{"day": "christmas_eve"}},
		{"runs small is not a size", "do these boots run small", []string{"size"}, map[string]string{}},
		{"extra large over large", "an extra large please", []string{"size"}, map[string]string{"size": "xl"}},
		{"color two words", "the navy blue one", []string{"color"}, map[string]string{"color": "navy"}},
		{"mandarin zip", "邮编是零五四零一", []string{"zip_code"}, map[string]string{"zip_code": "05401"}},
		{"mandarin address", "寄到枫树街二二五号", []string{"street_address"}, map[string]string{"street_address": "枫树街225号"}},
		{"mandarin address cardinal", "新地址是橡树路四百一十二号", []string{"street_address"}, map[string]string{"street_address": "橡树路412号"}},
		{"mandarin money", "多扣了我二十五块五", []string{"amount"}, map[string]string{"amount": "25.50"}},
		{"mandarin payment", "用借记卡付的", []string{"payment_method"}, map[string]string{"payment_method": "debit_card"}},
		{"mandarin overnight", "能不能第二天到", []string{"shipping_method"}, map[string]string{"shipping_method": "overnight"}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			res, err := p.Parse(context.Background(), tc.text, ParseOptions{Expect: tc.expect, Intents: nil, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, name := range tc.expect {
				if v, ok := res.Slots[name]; ok {
					got[name] = v
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("slots %v, want %v (all: %v)", got, tc.want, res.Slots)
			}
		})
	}
}

func TestSlotsOnlyForTheIntent(t *testing.T) {
	p := retailParser(t)
	// order_status carries order_number and email, not product.
	res, err := p.Parse(context.Background(), "when will my hiking boots arrive", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Intent != "order_status" || len(res.Slots) != 0 {
		t.Errorf("got %s %v, want order_status with no slots", res.Intent, res.Slots)
	}
	res, err = p.Parse(context.Background(), "when will my hiking boots arrive", ParseOptions{Expect: []string{"product"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Slots["product"] != "hiking boots" {
		t.Errorf("expected product: slots %v", res.Slots)
	}
}
