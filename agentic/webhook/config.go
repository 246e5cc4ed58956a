package webhook

import (
	"gopkg.in/yaml.v3"

	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Defaults of Config.
const (
	// DefaultMethod is the HTTP method of a tool that does not name one.
	DefaultMethod = http.MethodPost
	// DefaultTimeout bounds one attempt: a caller is waiting on the line.
	DefaultTimeout = 3 * time.Second
	// DefaultRetries is how many times a failed GET is repeated.
	DefaultRetries = 2
	// DefaultBackoff is the wait before the first retry.
	DefaultBackoff = 200 * time.Millisecond
	// DefaultMaxResponseBytes bounds a result (1 MiB).
	DefaultMaxResponseBytes = 1 << 20
)

// Config is the YAML-facing configuration of one webhook tool (an entry of
// the `tools:` section of the server configuration, keyed by the tool's
// name). Start from DefaultConfig and overlay the user's values.
type Config struct {
	// Name is the tool's name, [a-zA-Z0-9_-]{1,64}, as flows and models
	// call it. In a Tools map, an empty Name is the entry's key.
	Name string `yaml:"name"`
	// Description says what the tool does and when to use it; models
	// read it to choose tools. Required.
	Description string `yaml:"description"`
	// Parameters is the JSON Schema of the arguments, an object schema
	// written in YAML ({type: object, properties: {...}, required: [...]}).
	// Empty means an object with any properties.
	Parameters map[string]any `yaml:"parameters"`
	// Method is GET or POST. GET sends the arguments not used in the URL
	// as query parameters; POST sends {"call_id": ..., "arguments": {...}}
	// as a JSON body. Default POST.
	Method string `yaml:"method"`
	// URL is the endpoint, an absolute http(s) URL. {name} in its path or
	// query is replaced by the argument name, escaped (a value cannot
	// change the host or add path segments):
	// http://localhost:8081/orders/{order_number}.
	URL string `yaml:"url"`
	// Headers are sent with every request. ${VAR} in a value is replaced
	// by the environment variable VAR when the tool is built, so secrets
	// stay out of the file: "Authorization: Bearer ${ORDERS_TOKEN}".
	Headers map[string]string `yaml:"headers"`
	// Timeout bounds one attempt, from sending the request to reading the
	// whole answer. Range (0, 60s]. Default 3s.
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how many times a GET is repeated after a timeout, a
	// network error or an HTTP 408, 429 or 5xx; POST is never repeated,
	// since it may have taken effect. Range [0, 5]. Default 2.
	Retries int `yaml:"retries"`
	// Backoff is the wait before the first retry; each further retry
	// waits twice as long. Range (0, 10s]. Default 200ms.
	Backoff time.Duration `yaml:"backoff"`
	// MaxResponseBytes bounds the answer's body; a larger answer fails.
	// Range [1 KiB, 64 MiB]. Default 1 MiB.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Method:           DefaultMethod,
		Timeout:          DefaultTimeout,
		Retries:          DefaultRetries,
		Backoff:          DefaultBackoff,
		MaxResponseBytes: DefaultMaxResponseBytes,
	}
}

// Validate reports the first invalid value, wrapped in ErrConfig, naming
// the YAML field.
func (c Config) Validate() error {
	if !validName(c.Name) {
		return fmt.Errorf("%w: name: %q must be 1 to 64 letters, digits, _ or -", ErrConfig, c.Name)
	}
	if strings.TrimSpace(c.Description) == "" {
		return fmt.Errorf("%w: description: must say what the tool does and when to use it (models read it)", ErrConfig)
	}
	if _, err := c.schema(); err != nil {
		return err
	}
	if m := strings.ToUpper(c.method()); m != http.MethodGet && m != http.MethodPost {
		return fmt.Errorf("%w: method: must be GET or POST, got %q", ErrConfig, c.Method)
	}
	tmpl, err := parseTemplate(c.URL)
	if err != nil {
		return fmt.Errorf("%w: url: %w", ErrConfig, err)
	}
	if err := c.checkPlaceholders(tmpl); err != nil {
		return err
	}
	for _, k := range sortedKeys(c.Headers) {
		if !validHeaderName(k) {
			return fmt.Errorf("%w: headers.%s: not a valid HTTP header name", ErrConfig, k)
		}
	}
	checks := []struct {
		bad  bool
		what string
	}{
		{c.Timeout <= 0 || c.Timeout > time.Minute, fmt.Sprintf("timeout: must be in (0, 1m], got %v", c.Timeout)},
		{c.Retries < 0 || c.Retries > 5, fmt.Sprintf("retries: must be in [0, 5], got %d", c.Retries)},
		{c.Backoff <= 0 || c.Backoff > 10*time.Second, fmt.Sprintf("backoff: must be in (0, 10s], got %v", c.Backoff)},
		{c.MaxResponseBytes < 1<<10 || c.MaxResponseBytes > 64<<20, fmt.Sprintf("max_response_bytes: must be in [1024, 67108864], got %d", c.MaxResponseBytes)},
	}
	for _, ch := range checks {
		if ch.bad {
			return fmt.Errorf("%w: %s", ErrConfig, ch.what)
		}
	}
	return nil
}

// method returns the configured method or the default.
func (c Config) method() string {
	if c.Method == "" {
		return DefaultMethod
	}
	return strings.ToUpper(c.Method)
}

// schema returns the parameters as JSON, checking that they describe an
// object.
func (c Config) schema() (json.RawMessage, error) {
	if len(c.Parameters) == 0 {
		return json.RawMessage(`{"type":"object","properties":{}}`), nil
	}
	if t, _ := c.Parameters["type"].(string); t != "object" {
		return nil, fmt.Errorf("%w: parameters.type: must be object (the arguments are a JSON object), got %v", ErrConfig, c.Parameters["type"])
	}
	props, err := c.properties()
	if err != nil {
		return nil, err
	}
	if req, ok := c.Parameters["required"]; ok {
		list, ok := req.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: parameters.required: must be a list of property names", ErrConfig)
		}
		for _, r := range list {
			name, _ := r.(string)
			if _, ok := props[name]; !ok {
				return nil, fmt.Errorf("%w: parameters.required: %v is not one of parameters.properties", ErrConfig, r)
			}
		}
	}
	b, err := json.Marshal(c.Parameters)
	if err != nil {
		return nil, fmt.Errorf("%w: parameters: cannot be written as JSON: %w", ErrConfig, err)
	}
	return b, nil
}

// properties returns the schema's properties (nil when it lists none).
func (c Config) properties() (map[string]any, error) {
	p, ok := c.Parameters["properties"]
	if !ok || p == nil {
		return nil, nil
	}
	props, ok := p.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: parameters.properties: must be a mapping from argument name to its schema", ErrConfig)
	}
	return props, nil
}

// checkPlaceholders verifies that every {name} of the URL is a parameter
// (when the schema lists its properties).
func (c Config) checkPlaceholders(t *urlTemplate) error {
	props, err := c.properties()
	if err != nil || props == nil {
		return err
	}
	for _, name := range t.names() {
		if _, ok := props[name]; !ok {
			return fmt.Errorf("%w: url: {%s} is not one of parameters.properties (%s)", ErrConfig, name, strings.Join(sortedKeys(props), ", "))
		}
	}
	return nil
}

// Tools is the `tools:` section: tool name -> configuration. Decoded from
// YAML, each entry starts from DefaultConfig, so a tool states only what
// differs from the defaults.
type Tools map[string]Config

// UnmarshalYAML decodes the section, each entry over DefaultConfig.
func (t *Tools) UnmarshalYAML(node *yaml.Node) error {
	var raw map[string]yaml.Node
	if err := node.Decode(&raw); err != nil {
		return err
	}
	out := make(Tools, len(raw))
	for name, n := range raw {
		c := DefaultConfig()
		if err := n.Decode(&c); err != nil {
			return err
		}
		out[name] = c
	}
	*t = out
	return nil
}

// Validate reports the first invalid tool, wrapping ErrConfig, with a
// message that starts with the field as "name.field:".
func (t Tools) Validate() error {
	for _, name := range sortedKeys(t) {
		c := t[name]
		if c.Name == "" {
			c.Name = name
		}
		if c.Name != name {
			return &fieldError{msg: fmt.Sprintf("%s.name: %q differs from the entry's key %q: remove it or make them equal", name, c.Name, name)}
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%s.%w", name, stripConfig(err))
		}
	}
	return nil
}

// stripConfig rewrites "webhook: invalid tool configuration: field: msg" so
// that a prefix can be put before the field, keeping ErrConfig wrapped.
func stripConfig(err error) error {
	msg := strings.TrimPrefix(err.Error(), ErrConfig.Error()+": ")
	return &fieldError{msg: msg}
}

// fieldError is a configuration error whose message starts with the field.
type fieldError struct{ msg string }

// Error returns the message, field first.
func (e *fieldError) Error() string { return e.msg }

// Unwrap returns ErrConfig.
func (e *fieldError) Unwrap() error { return ErrConfig }

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validHeaderName reports an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 127 || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
