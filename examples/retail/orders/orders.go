// Package orders is the fictional order system of the retail example
// (Northwind Outfitters): an HTTP service the example's webhook tools call
// to look up orders, start returns, open tickets and find customers. Its
// data is embedded: two dozen orders and their customers, consistent with
// the example knowledge base (7-digit online orders, 8-digit phone orders
// beginning with 9, 6-digit orders from before March 2021; a $5.95 return
// fee waived for damaged, defective or wrong items; final-sale prices
// ending in .97).
//
// Endpoints (JSON in and out; errors are {"error": "..."} with a 4xx
// status and a message meant to be read to the caller):
//
//	GET  /orders/{number}       the order (404 {"error":"no order 4827163"})
//	POST /returns               start a return: label URL, refund amount
//	POST /tickets               open a ticket for the back office
//	GET  /customers?phone=...   the caller's customer record (screen pop)
//
// POST bodies are the webhook tool format, {"call_id": "...", "arguments":
// {...}}, or the arguments object alone.
package orders

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

//go:embed data/orders.json
var embedded []byte

// Order is one order as the service returns it. Dates are ISO dates,
// empty until the event happened; amounts are US dollars.
type Order struct {
	// Number is the order number: 7 digits online, 8 digits beginning
	// with 9 by phone, 6 digits before March 2021.
	Number string `json:"order_number"`
	// Status is one of Statuses.
	Status string `json:"status"`
	// CustomerID, Customer, Email, Phone and Zip identify the buyer.
	CustomerID string `json:"customer_id"`
	Customer   string `json:"customer"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Zip        string `json:"zip"`
	// Placed, Shipped, EstimatedDelivery, Delivered and Returned are the
	// order's dates.
	Placed            string `json:"placed"`
	Shipped           string `json:"shipped"`
	EstimatedDelivery string `json:"estimated_delivery"`
	Delivered         string `json:"delivered"`
	Returned          string `json:"returned"`
	// Carrier (UPS, USPS), TrackingNumber and ShippingMethod (standard,
	// expedited, overnight) describe the shipment.
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	ShippingMethod string `json:"shipping_method"`
	// Items are the order's lines.
	Items []Item `json:"items"`
	// Total is the sum of the items' prices.
	Total float64 `json:"total"`
	// PaymentMethod is a payment_method value of the domain
	// (credit_card, paypal, klarna...).
	PaymentMethod string `json:"payment_method"`
}

// Item is one line of an order.
type Item struct {
	// SKU identifies the product.
	SKU string `json:"sku"`
	// Name and NameZH are what callers call it in English and Mandarin.
	Name   string `json:"name"`
	NameZH string `json:"name_zh"`
	// Size and Color are the variant bought, empty when not applicable.
	Size  string `json:"size"`
	Color string `json:"color"`
	// Quantity is how many were bought.
	Quantity int `json:"quantity"`
	// Price is the unit price paid; final-sale prices end in .97.
	Price float64 `json:"price"`
	// FinalSale marks an item that cannot be returned.
	FinalSale bool `json:"final_sale"`
}

// Customer is a customer record, as the CRM screen pop shows it.
type Customer struct {
	// ID is referenced by the customer's orders.
	ID string `json:"id"`
	// Name, Phone (10 digits), Email, Zip and Address are the contact
	// details.
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Zip     string `json:"zip"`
	Address string `json:"address"`
	// Tier is "trail_rewards" for members (45-day returns) or "standard".
	Tier string `json:"tier"`
	// Language is the language the customer prefers ("en", "zh").
	Language string `json:"language"`
}

// Data is the service's data set.
type Data struct {
	// AsOf is the day the data describes (ISO date): the service's
	// "today" unless the handler is given a clock.
	AsOf      string     `json:"as_of"`
	Customers []Customer `json:"customers"`
	Orders    []Order    `json:"orders"`
}

// Statuses an order can have.
var Statuses = []string{"processing", "shipped", "out_for_delivery", "delivered", "returned"}

// Embedded returns the example's data set (a fresh copy each call).
func Embedded() (*Data, error) { return ParseData(embedded) }

// ParseData reads and checks a data set: every order has a 6 to 8 digit
// number, a known status, items and a known customer.
func ParseData(b []byte) (*Data, error) {
	var d Data
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrData, err)
	}
	if _, err := time.Parse(time.DateOnly, d.AsOf); err != nil {
		return nil, fmt.Errorf("%w: as_of %q is not a date such as 2026-11-23", ErrData, d.AsOf)
	}
	customers := map[string]bool{}
	for _, c := range d.Customers {
		customers[c.ID] = true
	}
	seen := map[string]bool{}
	for _, o := range d.Orders {
		switch {
		case !validNumber(o.Number):
			return nil, fmt.Errorf("%w: order %q: numbers have 6 to 8 digits", ErrData, o.Number)
		case seen[o.Number]:
			return nil, fmt.Errorf("%w: order %s appears twice", ErrData, o.Number)
		case !contains(Statuses, o.Status):
			return nil, fmt.Errorf("%w: order %s: unknown status %q (%s)", ErrData, o.Number, o.Status, strings.Join(Statuses, ", "))
		case len(o.Items) == 0:
			return nil, fmt.Errorf("%w: order %s has no items", ErrData, o.Number)
		case !customers[o.CustomerID]:
			return nil, fmt.Errorf("%w: order %s: unknown customer %q", ErrData, o.Number, o.CustomerID)
		}
		seen[o.Number] = true
	}
	return &d, nil
}

// validNumber reports whether s is an order number: 6 to 8 digits.
func validNumber(s string) bool {
	return len(s) >= 6 && len(s) <= 8 && strings.Trim(s, "0123456789") == ""
}

// digitsOnly keeps the digits of s.
func digitsOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
