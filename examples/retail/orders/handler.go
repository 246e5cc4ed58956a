package orders

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Business rules of the example, from its knowledge base.
const (
	returnWindowDays  = 30
	memberWindowDays  = 45
	returnFee         = 5.95
	labelValidDays    = 14
	maxBodyBytes      = 64 << 10
	firstTicketNumber = 100001
)

// Option configures NewHandler.
type Option func(*service)

// WithNow sets the service's clock, which decides return windows and
// dates; by default "today" is the data's as_of day, so the example
// behaves the same whenever it runs. A nil clock keeps the default.
func WithNow(now func() time.Time) Option {
	return func(s *service) {
		if now != nil {
			s.now = now
		}
	}
}

// service is the handler's state: the data, and the returns and tickets
// created since it started. It is safe for concurrent use.
type service struct {
	data   *Data
	orders map[string]*Order
	now    func() time.Time

	mu      sync.Mutex
	returns map[string]returnRecord // order number + SKU
	tickets []ticket
}

type returnRecord struct {
	ID       string  `json:"return_id"`
	Order    string  `json:"order_number"`
	Item     string  `json:"item"`
	ItemZH   string  `json:"item_zh"`
	Label    string  `json:"label_url"`
	QRCode   string  `json:"qr_code_url"`
	Expires  string  `json:"label_expires"`
	Refund   float64 `json:"refund_amount"`
	Fee      float64 `json:"fee"`
	Method   string  `json:"refund_method"`
	Email    string  `json:"email"`
	Reason   string  `json:"reason"`
	Received string  `json:"created"`
}

type ticket struct {
	ID      string            `json:"ticket_id"`
	Type    string            `json:"type"`
	Status  string            `json:"status"`
	Order   string            `json:"order_number,omitempty"`
	Phone   string            `json:"phone,omitempty"`
	Created string            `json:"created"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// NewHandler returns the order service over data (nil serves no orders).
// It keeps the returns and tickets it creates in memory.
func NewHandler(data *Data, opts ...Option) http.Handler {
	if data == nil {
		data = &Data{AsOf: time.Now().Format(time.DateOnly)}
	}
	s := &service{data: data, orders: map[string]*Order{}, returns: map[string]returnRecord{}}
	for i := range data.Orders {
		s.orders[data.Orders[i].Number] = &data.Orders[i]
	}
	asOf, err := time.Parse(time.DateOnly, data.AsOf)
	if err != nil {
		asOf = time.Now()
	}
	s.now = func() time.Time { return asOf }
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{number}", s.getOrder)
	mux.HandleFunc("POST /returns", s.createReturn)
	mux.HandleFunc("POST /tickets", s.createTicket)
	mux.HandleFunc("GET /customers", s.findCustomer)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "no such endpoint: use GET /orders/{number}, POST /returns, POST /tickets or GET /customers?phone=")
	})
	return mux
}

// reply writes v as JSON.
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail writes {"error": msg}.
func fail(w http.ResponseWriter, status int, format string, args ...any) {
	reply(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func (s *service) getOrder(w http.ResponseWriter, r *http.Request) {
	n := r.PathValue("number")
	if !validNumber(n) {
		fail(w, http.StatusBadRequest, "order numbers have 6 to 8 digits, got %q", n)
		return
	}
	o := s.orders[n]
	if o == nil {
		fail(w, http.StatusNotFound, "no order %s", n)
		return
	}
	reply(w, http.StatusOK, o)
}

// arguments reads a POST body: {"call_id", "arguments": {...}} or the
// arguments alone. Values are read as text.
func arguments(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	var body map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", maxBodyBytes)
		} else {
			fail(w, http.StatusBadRequest, "the request body is not a JSON object: %v", err)
		}
		return nil, false
	}
	if inner, ok := body["arguments"]; ok {
		body = nil
		if err := json.Unmarshal(inner, &body); err != nil {
			fail(w, http.StatusBadRequest, "arguments is not a JSON object: %v", err)
			return nil, false
		}
	}
	out := make(map[string]string, len(body))
	for k, v := range body {
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = strings.TrimSpace(str)
			continue
		}
		var num float64
		if json.Unmarshal(v, &num) == nil {
			out[k] = strconv.FormatFloat(num, 'f', -1, 64)
		}
	}
	return out, true
}

func (s *service) createReturn(w http.ResponseWriter, r *http.Request) {
	args, ok := arguments(w, r)
	if !ok {
		return
	}
	o, status, msg := s.returnable(args["order_number"])
	if o == nil {
		fail(w, status, "%s", msg)
		return
	}
	it, status, msg := pickItem(o, args["product"])
	if it == nil {
		fail(w, status, "%s", msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := o.Number + "/" + it.SKU
	if _, dup := s.returns[key]; dup {
		fail(w, http.StatusConflict, "a return for the %s in order %s was already started", it.Name, o.Number)
		return
	}
	fee := returnFee
	if ourFault(args["reason"]) {
		fee = 0
	}
	today := s.now()
	id := fmt.Sprintf("RMA%s%02d", o.Number, len(s.returns)+1)
	rec := returnRecord{
		ID: id, Order: o.Number, Item: it.Name, ItemZH: it.NameZH,
		Label:   "https://returns.northwindoutfitters.example/labels/" + id + ".pdf",
		QRCode:  "https://returns.northwindoutfitters.example/qr/" + id,
		Expires: today.AddDate(0, 0, labelValidDays).Format(time.DateOnly),
		Refund:  math.Round((it.Price*float64(max(it.Quantity, 1))-fee)*100) / 100,
		Fee:     fee, Method: o.PaymentMethod, Email: o.Email, Reason: args["reason"],
		Received: today.Format(time.DateOnly),
	}
	s.returns[key] = rec
	reply(w, http.StatusCreated, rec)
}

// returnable finds an order that can be returned, or says why not.
func (s *service) returnable(number string) (*Order, int, string) {
	number = digitsOnly(number)
	if number == "" {
		return nil, http.StatusUnprocessableEntity, "the order number is missing"
	}
	o := s.orders[number]
	switch {
	case o == nil:
		return nil, http.StatusNotFound, "no order " + number
	case o.Status == "returned":
		return nil, http.StatusConflict, "order " + number + " was already returned"
	case o.Status != "delivered":
		return nil, http.StatusConflict, "order " + number + " has not been delivered yet, so it cannot be returned; once it arrives there are 30 days to return it"
	}
	if end, ok := s.windowEnd(o); ok && s.now().After(end) {
		return nil, http.StatusConflict, "the return window for order " + number + " ended on " + end.Format("January 2, 2006")
	}
	return o, 0, ""
}

// windowEnd returns the last day an order can be returned: 30 days after
// delivery (45 for Trail Rewards members); holiday deliveries (November 1
// to December 24) until January 31.
func (s *service) windowEnd(o *Order) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, o.Delivered)
	if err != nil {
		return time.Time{}, false
	}
	days := returnWindowDays
	for _, c := range s.data.Customers {
		if c.ID == o.CustomerID && c.Tier == "trail_rewards" {
			days = memberWindowDays
		}
	}
	end := d.AddDate(0, 0, days)
	holidayStart := time.Date(d.Year(), time.November, 1, 0, 0, 0, 0, time.UTC)
	holidayEnd := time.Date(d.Year(), time.December, 24, 0, 0, 0, 0, time.UTC)
	if !d.Before(holidayStart) && !d.After(holidayEnd) {
		if jan31 := time.Date(d.Year()+1, time.January, 31, 0, 0, 0, 0, time.UTC); jan31.After(end) {
			end = jan31
		}
	}
	return end.Add(24*time.Hour - time.Nanosecond), true
}

// pickItem finds the item of o a caller named ("the rain jacket", "冲锋衣");
// an order of one item needs no name.
func pickItem(o *Order, product string) (*Item, int, string) {
	names := make([]string, len(o.Items))
	for i, it := range o.Items {
		names[i] = it.Name
	}
	product = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(product), "the ")))
	var found *Item
	switch {
	case product == "" && len(o.Items) == 1:
		found = &o.Items[0]
	case product == "":
		return nil, http.StatusUnprocessableEntity, "which item? order " + o.Number + " has " + strings.Join(names, " and ")
	default:
		for i := range o.Items {
			it := &o.Items[i]
			if matches(product, it.Name) || it.NameZH != "" && (strings.Contains(product, it.NameZH) || strings.Contains(it.NameZH, product)) {
				found = it
				break
			}
		}
	}
	if found == nil {
		return nil, http.StatusUnprocessableEntity, "there is no " + product + " in order " + o.Number + ", which has " + strings.Join(names, " and ")
	}
	if found.FinalSale {
		return nil, http.StatusUnprocessableEntity, "the " + found.Name + " were final sale and cannot be returned"
	}
	return found, 0, ""
}

// matches reports whether a spoken product names an item: one contains
// the other, or every word of the item's name (singular) is in it.
func matches(product, name string) bool {
	if strings.Contains(product, name) || strings.Contains(name, product) {
		return true
	}
	for _, w := range strings.Fields(name) {
		if !strings.Contains(product, strings.TrimSuffix(w, "s")) {
			return false
		}
	}
	return true
}

// ourFault reports a return reason for which the fee is waived: damaged,
// defective or wrong items.
func ourFault(reason string) bool {
	reason = strings.ToLower(reason)
	for _, w := range []string{"damage", "defect", "broke", "wrong", "missing", "torn", "ripped", "faulty", "坏", "破", "错", "瑕疵"} {
		if strings.Contains(reason, w) {
			return true
		}
	}
	return false
}

func (s *service) createTicket(w http.ResponseWriter, r *http.Request) {
	args, ok := arguments(w, r)
	if !ok {
		return
	}
	t := ticket{Type: args["type"], Status: "open", Order: digitsOnly(args["order_number"]), Phone: digitsOnly(args["phone"]),
		Created: s.now().Format(time.DateOnly), Fields: map[string]string{}}
	if t.Type == "" {
		t.Type = "general"
	}
	if t.Order != "" && s.orders[t.Order] == nil {
		fail(w, http.StatusNotFound, "no order %s", t.Order)
		return
	}
	if z := args["zip_code"]; z != "" && (len(z) != 5 || digitsOnly(z) != z) {
		fail(w, http.StatusUnprocessableEntity, "a ZIP code has five digits, got %q", z)
		return
	}
	for k, v := range args {
		switch k {
		case "type", "order_number", "phone":
		default:
			if v != "" {
				t.Fields[k] = v
			}
		}
	}
	s.mu.Lock()
	t.ID = strconv.Itoa(firstTicketNumber + len(s.tickets))
	s.tickets = append(s.tickets, t)
	s.mu.Unlock()
	reply(w, http.StatusCreated, t)
}

func (s *service) findCustomer(w http.ResponseWriter, r *http.Request) {
	phone := digitsOnly(r.URL.Query().Get("phone"))
	if len(phone) == 11 && phone[0] == '1' {
		phone = phone[1:]
	}
	if len(phone) < 7 {
		fail(w, http.StatusBadRequest, "give the caller's phone number: /customers?phone=5035550134")
		return
	}
	for _, c := range s.data.Customers {
		if !strings.HasSuffix(c.Phone, phone) {
			continue
		}
		var numbers []string
		for _, o := range s.data.Orders {
			if o.CustomerID == c.ID {
				numbers = append(numbers, o.Number)
			}
		}
		s.mu.Lock()
		open := 0
		for _, t := range s.tickets {
			if t.Phone == c.Phone || t.Order != "" && contains(numbers, t.Order) {
				open++
			}
		}
		s.mu.Unlock()
		reply(w, http.StatusOK, struct {
			Customer
			Orders      []string `json:"orders"`
			OpenTickets int      `json:"open_tickets"`
		}{c, numbers, open})
		return
	}
	fail(w, http.StatusNotFound, "no customer with phone %s", phone)
}
