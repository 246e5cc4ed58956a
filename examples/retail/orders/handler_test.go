package orders

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func serve(t *testing.T, opts ...Option) http.Handler {
	t.Helper()
	d, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return NewHandler(d, opts...)
}

func do(t *testing.T, h http.Handler, method, target, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: content type %q", method, target, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, target, err, w.Body)
	}
	return w.Code, out
}

func TestEmbeddedData(t *testing.T) {
	d, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Orders); n < 20 || n > 30 {
		t.Errorf("%d orders", n)
	}
	byNumber := map[string]Order{}
	statuses := map[string]bool{}
	for _, o := range d.Orders {
		byNumber[o.Number] = o
		statuses[o.Status] = true
		total := 0.0
		for _, it := range o.Items {
			total += it.Price * float64(it.Quantity)
			if it.FinalSale != strings.HasSuffix(fmt.Sprintf("%.2f", it.Price), ".97") {
				t.Errorf("order %s: %s: final-sale prices, and only they, end in .97", o.Number, it.Name)
			}
		}
		if diff := total - o.Total; diff > 0.001 || diff < -0.001 {
			t.Errorf("order %s: total %.2f, items %.2f", o.Number, o.Total, total)
		}
		switch {
		case len(o.Number) == 8 && o.Number[0] != '9':
			t.Errorf("order %s: phone orders (8 digits) begin with 9", o.Number)
		case len(o.Number) == 6 && o.Placed >= "2021-03-01":
			t.Errorf("order %s: 6-digit numbers are from before March 2021", o.Number)
		}
	}
	for _, n := range []string{"4827163", "3551208", "6294410", "9102245"} {
		if _, ok := byNumber[n]; !ok {
			t.Errorf("the fixture's order %s is missing", n)
		}
	}
	for _, s := range Statuses {
		if !statuses[s] {
			t.Errorf("no order is %s", s)
		}
	}
}

func TestParseDataErrors(t *testing.T) {
	tests := []struct{ desc, data, msg string }{
		{"not json", "{", "unexpected end"},
		{"bad date", `{"as_of":"today"}`, "as_of"},
		{"short number", `{"as_of":"2026-11-23","customers":[{"id":"C1"}],"orders":[{"order_number":"123","status":"shipped","customer_id":"C1","items":[{}]}]}`, "6 to 8 digits"},
		{"unknown status", `{"as_of":"2026-11-23","customers":[{"id":"C1"}],"orders":[{"order_number":"1234567","status":"lost","customer_id":"C1","items":[{}]}]}`, "unknown status"},
		{"no items", `{"as_of":"2026-11-23","customers":[{"id":"C1"}],"orders":[{"order_number":"1234567","status":"shipped","customer_id":"C1"}]}`, "no items"},
		{"unknown customer", `{"as_of":"2026-11-23","orders":[{"order_number":"1234567","status":"shipped","customer_id":"C9","items":[{}]}]}`, "unknown customer"},
	}
	for _, tt := range tests {
		if _, err := ParseData([]byte(tt.data)); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: got %v, want %q", tt.desc, err, tt.msg)
		}
	}
}

func TestOrders(t *testing.T) {
	h := serve(t)
	tests := []struct {
		desc, target string
		code         int
		field, want  string
	}{
		{"shipped order", "/orders/4827163", 200, "status", "shipped"},
		{"carrier", "/orders/4827163", 200, "carrier", "UPS"},
		{"phone order", "/orders/91022458", 200, "status", "shipped"},
		{"unknown order", "/orders/4827164", 404, "error", "no order 4827164"},
		{"bad number", "/orders/12ab", 400, "error", "6 to 8 digits"},
		{"unknown endpoint", "/refunds", 404, "error", "no such endpoint"},
	}
	for _, tt := range tests {
		code, body := do(t, h, "GET", tt.target, "")
		if code != tt.code || body[tt.field] != tt.want && !strings.Contains(toString(body[tt.field]), tt.want) {
			t.Errorf("%s: %d %v", tt.desc, code, body)
		}
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

func TestReturns(t *testing.T) {
	h := serve(t)
	tests := []struct {
		desc, body string
		code       int
		check      func(map[string]any) bool
	}{
		{"by name, with the fee", `{"call_id":"c1","arguments":{"order_number":"3551208","product":"the rain jacket","reason":"it doesn't fit"}}`, 201,
			func(b map[string]any) bool {
				return b["refund_amount"] == 123.05 && b["fee"] == 5.95 && b["item"] == "rain jacket" && b["refund_method"] == "credit_card" &&
					b["label_expires"] == "2026-12-07" && strings.HasPrefix(toString(b["label_url"]), "https://")
			}},
		{"same item again", `{"arguments":{"order_number":"3551208","product":"rain jacket"}}`, 409, nil},
		{"damaged, by Chinese name, no fee", `{"order_number":"3551208","product":"抓绒衣","reason":"收到时坏了"}`, 201,
			func(b map[string]any) bool {
				return b["refund_amount"] == 69.0 && b["fee"] == 0.0 && b["item_zh"] == "抓绒衣"
			}},
		{"not in the order", `{"arguments":{"order_number":"1234567","product":"tent"}}`, 422,
			func(b map[string]any) bool {
				return strings.Contains(toString(b["error"]), "there is no tent in order 1234567")
			}},
		{"one item needs no name", `{"arguments":{"order_number":"1234567"}}`, 201, func(b map[string]any) bool { return b["item"] == "backpack" }},
		{"final sale", `{"arguments":{"order_number":"7701342","product":"wool socks"}}`, 422,
			func(b map[string]any) bool { return strings.Contains(toString(b["error"]), "final sale") }},
		{"not delivered", `{"arguments":{"order_number":"4827163","product":"tent"}}`, 409,
			func(b map[string]any) bool { return strings.Contains(toString(b["error"]), "not been delivered yet") }},
		{"already returned", `{"arguments":{"order_number":"7045521"}}`, 409, nil},
		{"window over", `{"arguments":{"order_number":"1920384"}}`, 409,
			func(b map[string]any) bool {
				return strings.Contains(toString(b["error"]), "ended on October 25, 2026")
			}},
		{"unknown order", `{"arguments":{"order_number":"1111111"}}`, 404, nil},
		{"no order number", `{"arguments":{}}`, 422, nil},
		{"bad body", `[`, 400, nil},
		{"which item", `{"arguments":{"order_number":"9188302"}}`, 422,
			func(b map[string]any) bool {
				return strings.Contains(toString(b["error"]), "camp stove and two person tent")
			}},
	}
	for _, tt := range tests {
		code, body := do(t, h, "POST", "/returns", tt.body)
		if code != tt.code || tt.check != nil && !tt.check(body) {
			t.Errorf("%s: %d %v", tt.desc, code, body)
		}
	}
}

func TestReturnWindowFollowsTheClock(t *testing.T) {
	later := func() time.Time { return time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC) }
	code, body := do(t, serve(t, WithNow(later)), "POST", "/returns", `{"order_number":"3551208","product":"fleece"}`)
	if code != 409 || !strings.Contains(toString(body["error"]), "January 31, 2027") {
		t.Errorf("holiday window: %d %v", code, body)
	}
}

func TestTickets(t *testing.T) {
	h := serve(t)
	code, body := do(t, h, "POST", "/tickets", `{"call_id":"c","arguments":{"type":"billing_dispute","order_number":"7701342","amount":"42.50","phone":"+1 617 555 0160"}}`)
	if code != 201 || body["ticket_id"] != "100001" || body["status"] != "open" || body["type"] != "billing_dispute" {
		t.Errorf("ticket: %d %v", code, body)
	}
	if code, body = do(t, h, "POST", "/tickets", `{"arguments":{}}`); code != 201 || body["ticket_id"] != "100002" || body["type"] != "general" {
		t.Errorf("second ticket: %d %v", code, body)
	}
	for _, bad := range []string{`{"arguments":{"order_number":"1111111"}}`, `{"arguments":{"zip_code":"9721"}}`} {
		if code, _ := do(t, h, "POST", "/tickets", bad); code < 400 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	big := `{"arguments":{"summary":"` + strings.Repeat("x", maxBodyBytes) + `"}}`
	if code, _ := do(t, h, "POST", "/tickets", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", code)
	}
	code, body = do(t, h, "GET", "/customers?phone=%2B1-617-555-0160", "")
	if code != 200 || body["name"] != "Sam Ortiz" || body["open_tickets"] != 1.0 {
		t.Errorf("customer with a ticket: %d %v", code, body)
	}
}

func TestCustomers(t *testing.T) {
	h := serve(t)
	code, body := do(t, h, "GET", "/customers?phone=5035550134", "")
	orders, _ := body["orders"].([]any)
	if code != 200 || body["name"] != "Jane Doe" || body["tier"] != "trail_rewards" || len(orders) != 3 {
		t.Errorf("Jane: %d %v", code, body)
	}
	if code, _ := do(t, h, "GET", "/customers?phone=5550000", ""); code != 404 {
		t.Errorf("unknown phone: %d", code)
	}
	if code, _ := do(t, h, "GET", "/customers", ""); code != 400 {
		t.Errorf("no phone: %d", code)
	}
	if code, _ := do(t, h, "POST", "/customers?phone=5035550134", ""); code != http.StatusNotFound {
		t.Errorf("wrong method: %d", code)
	}
}
