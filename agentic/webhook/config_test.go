package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func validConfig() Config {
	c := DefaultConfig()
	c.Name = "order_lookup"
	c.Description = "Look up an order."
	c.Method = "GET"
	c.URL = "http://localhost:8081/orders/{order_number}"
	c.Parameters = map[string]any{"type": "object",
		"properties": map[string]any{"order_number": map[string]any{"type": "string"}},
		"required":   []any{"order_number"}}
	return c
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc   string
		change func(*Config)
		msg    string
	}{
		{"valid", func(*Config) {}, ""},
		{"no parameters", func(c *Config) { c.Parameters = nil; c.URL = "http://x/orders" }, ""},
		{"bad name", func(c *Config) { c.Name = "order lookup" }, "name:"},
		{"no description", func(c *Config) { c.Description = " " }, "description:"},
		{"method", func(c *Config) { c.Method = "DELETE" }, "method: must be GET or POST"},
		{"relative url", func(c *Config) { c.URL = "/orders/{order_number}" }, "url: must be an absolute http"},
		{"ftp url", func(c *Config) { c.URL = "ftp://host/{order_number}" }, "url: must be an absolute http"},
		{"placeholder in host", func(c *Config) { c.URL = "http://{order_number}.example.com/x" }, "only in the path or the query"},
		{"placeholder glued to host", func(c *Config) { c.URL = "http://example.com{order_number}/x" }, "only in the path or the query"},
		{"unclosed brace", func(c *Config) { c.URL = "http://x/orders/{order_number" }, "without its }"},
		{"stray brace", func(c *Config) { c.URL = "http://x/orders/}" }, "without its {"},
		{"bad placeholder", func(c *Config) { c.URL = "http://x/orders/{order number}" }, "is not a placeholder"},
		{"unknown placeholder", func(c *Config) { c.URL = "http://x/orders/{number}" }, "{number} is not one of parameters.properties"},
		{"fragment", func(c *Config) { c.URL = "http://x/orders/{order_number}#top" }, "fragment"},
		{"schema not object", func(c *Config) { c.Parameters["type"] = "array" }, "parameters.type: must be object"},
		{"required unknown", func(c *Config) { c.Parameters["required"] = []any{"zip"} }, "parameters.required: zip"},
		{"bad header", func(c *Config) { c.Headers = map[string]string{"Bad Header": "x"} }, "headers.Bad Header"},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "timeout: must be in (0, 1m]"},
		{"retries", func(c *Config) { c.Retries = 9 }, "retries: must be in [0, 5]"},
		{"backoff", func(c *Config) { c.Backoff = time.Minute }, "backoff:"},
		{"max response", func(c *Config) { c.MaxResponseBytes = 10 }, "max_response_bytes:"},
	}
	for _, tt := range tests {
		c := validConfig()
		tt.change(&c)
		err := c.Validate()
		switch {
		case tt.msg == "" && err != nil:
			t.Errorf("%s: %v", tt.desc, err)
		case tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg) || !errors.Is(err, ErrConfig)):
			t.Errorf("%s: got %v, want %q", tt.desc, err, tt.msg)
		}
	}
}

func TestToolsFromYAML(t *testing.T) {
	src := `
order_lookup:
  description: Look up an order.
  method: GET
  url: http://localhost:8081/orders/{order_number}
  timeout: 2s
  headers: {Authorization: "Bearer ${ORDERS_TOKEN}"}
  parameters:
    type: object
    properties: {order_number: {type: string}}
    required: [order_number]
create_ticket:
  description: Open a ticket.
  url: http://localhost:8081/tickets
`
	var nodes map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(src), &nodes); err != nil {
		t.Fatal(err)
	}
	tools := Tools{}
	for name, n := range nodes {
		c := DefaultConfig()
		if err := n.Decode(&c); err != nil {
			t.Fatal(err)
		}
		tools[name] = c
	}
	if tools["order_lookup"].Timeout != 2*time.Second || tools["create_ticket"].Timeout != DefaultTimeout {
		t.Errorf("timeouts %v %v", tools["order_lookup"].Timeout, tools["create_ticket"].Timeout)
	}
	_, err := NewTools(tools, WithGetenv(func(string) string { return "" }))
	if err == nil || !strings.Contains(err.Error(), "order_lookup.headers.Authorization: the environment variable ORDERS_TOKEN is not set") {
		t.Fatalf("missing secret: got %v", err)
	}
	built, err := NewTools(tools, WithGetenv(func(k string) string { return map[string]string{"ORDERS_TOKEN": "s3cret"}[k] }))
	if err != nil {
		t.Fatal(err)
	}
	if built["create_ticket"].Spec().Name != "create_ticket" || string(built["create_ticket"].Spec().Parameters) != `{"type":"object","properties":{}}` {
		t.Errorf("spec %+v", built["create_ticket"].Spec())
	}
	bad := Tools{"a": {Name: "b"}}
	if err := bad.Validate(); err == nil || !strings.HasPrefix(err.Error(), "a.name:") || !errors.Is(err, ErrConfig) {
		t.Errorf("name mismatch: got %v", err)
	}
	bad = Tools{"lookup": {Description: "x", URL: "nope", Timeout: time.Second, Backoff: time.Second, MaxResponseBytes: 1 << 20}}
	if err := bad.Validate(); err == nil || !strings.HasPrefix(err.Error(), "lookup.url:") || !errors.Is(err, ErrConfig) {
		t.Errorf("bad url: got %v", err)
	}
}
