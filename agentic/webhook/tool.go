package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/parley-voice/parley/agentic"
)

// maxErrorBody bounds how much of an error answer is read for its message.
const maxErrorBody = 64 << 10

// Tool is an agentic.Tool that calls a business system over HTTP. It is
// safe for concurrent use.
type Tool struct {
	cfg     Config
	spec    agentic.ToolSpec
	url     *urlTemplate
	method  string
	headers http.Header
	http    HTTPDoer
	log     *slog.Logger
	sleep   func(ctx context.Context, d time.Duration) error
}

var _ agentic.Tool = (*Tool)(nil)

// New returns the tool cfg describes. ${VAR} in header values is expanded
// now; a variable that is not set is an error, so that a missing secret is
// found at startup rather than on a call.
func New(cfg Config, opts ...Option) (*Tool, error) {
	s := defaultSettings()
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	schema, _ := cfg.schema()
	tmpl, _ := parseTemplate(cfg.URL)
	headers, err := expandHeaders(cfg.Headers, s.getenv)
	if err != nil {
		return nil, err
	}
	return &Tool{
		cfg:     cfg,
		spec:    agentic.ToolSpec{Name: cfg.Name, Description: cfg.Description, Parameters: schema},
		url:     tmpl,
		method:  cfg.method(),
		headers: headers,
		http:    s.http,
		log:     s.log.With("tool", cfg.Name),
		sleep:   s.sleep,
	}, nil
}

// NewTools builds every tool of a tools section, by name.
func NewTools(tools Tools, opts ...Option) (map[string]agentic.Tool, error) {
	if err := tools.Validate(); err != nil {
		return nil, err
	}
	out := make(map[string]agentic.Tool, len(tools))
	for _, name := range sortedKeys(tools) {
		c := tools[name]
		if c.Name == "" {
			c.Name = name
		}
		t, err := New(c, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s.%w", name, stripConfig(err))
		}
		out[name] = t
	}
	return out, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandHeaders replaces ${VAR} in header values.
func expandHeaders(h map[string]string, getenv func(string) string) (http.Header, error) {
	out := http.Header{}
	for _, k := range sortedKeys(h) {
		var missing string
		v := envRef.ReplaceAllStringFunc(h[k], func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			val := getenv(name)
			if val == "" && missing == "" {
				missing = name
			}
			return val
		})
		if missing != "" {
			return nil, fmt.Errorf("%w: headers.%s: the environment variable %s is not set: export it before starting", ErrConfig, k, missing)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: headers.%s: the value must be one line", ErrConfig, k)
		}
		out.Set(k, v)
	}
	return out, nil
}

// Spec describes the tool.
func (t *Tool) Spec() agentic.ToolSpec { return t.spec }

// Call sends the request and returns the service's JSON answer. Bad
// arguments and HTTP error statuses are *agentic.ToolError values (a 4xx
// carries the service's message, such as "no order 4827163"; its Err is a
// *StatusError); timeouts and unreachable services wrap ErrTimeout and
// ErrUnavailable. Once ctx is done Call returns ctx.Err().
func (t *Tool) Call(ctx context.Context, call agentic.Call, args json.RawMessage) (json.RawMessage, error) {
	req, err := t.build(call, args)
	if err != nil {
		return nil, &agentic.ToolError{Tool: t.cfg.Name, Message: strings.TrimPrefix(err.Error(), ErrArguments.Error()+": "), Err: err}
	}
	attempts := 1
	if t.method == http.MethodGet {
		attempts += t.cfg.Retries
	}
	var last error
	for i := range attempts {
		if i > 0 {
			if err := t.sleep(ctx, t.cfg.Backoff<<(i-1)); err != nil {
				return nil, ctx.Err()
			}
		}
		out, retry, err := t.attempt(ctx, req)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		last = err
		if !retry {
			break
		}
		t.log.Debug("webhook attempt failed", "attempt", i+1, "err", err)
	}
	return nil, last
}

// request is a built request: what every attempt sends.
type request struct {
	url  string
	body []byte
	call string
}

// build makes the request of a call.
func (t *Tool) build(call agentic.Call, raw json.RawMessage) (request, error) {
	args, err := decodeArgs(raw)
	if err != nil {
		return request{}, err
	}
	u, used, err := t.url.expand(args)
	if err != nil {
		return request{}, err
	}
	r := request{call: call.ID}
	if t.method == http.MethodGet {
		if u, err = withQuery(u, args, used); err != nil {
			return request{}, err
		}
		r.url = u
		return r, nil
	}
	r.url = u
	r.body, err = json.Marshal(struct {
		CallID    string         `json:"call_id"`
		Arguments map[string]any `json:"arguments"`
	}{call.ID, args})
	return r, err
}

// attempt sends the request once, within the tool's timeout. It returns
// the result, or whether the failure is worth retrying and the error.
func (t *Tool) attempt(ctx context.Context, r request) (json.RawMessage, bool, error) {
	actx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, t.method, r.url, body)
	if err != nil {
		return nil, false, fmt.Errorf("webhook %s: %w: %v", t.cfg.Name, ErrConfig, err)
	}
	req.Header = t.headers.Clone()
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.call != "" {
		req.Header.Set("X-Parley-Call-Id", r.call)
	}
	resp, err := t.http.Do(req)
	if err != nil {
		return nil, true, t.transportError(actx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Tool: t.cfg.Name, Code: resp.StatusCode, Message: errorMessage(resp.Body)}
		msg := se.Message
		if se.Temporary() || msg == "" {
			msg = fmt.Sprintf("the %s service failed (HTTP %d)", t.cfg.Name, resp.StatusCode)
			if !se.Temporary() && se.Message == "" {
				msg = fmt.Sprintf("the %s service refused the request (HTTP %d)", t.cfg.Name, resp.StatusCode)
			}
		}
		return nil, se.Temporary(), &agentic.ToolError{Tool: t.cfg.Name, Message: msg, Err: se}
	}
	out, err := t.readResult(resp.Body)
	if err != nil && actx.Err() != nil && ctx.Err() == nil {
		return nil, true, t.transportError(actx, err)
	}
	return out, false, err
}

// transportError classifies a failure to get an answer.
func (t *Tool) transportError(actx context.Context, err error) error {
	if errors.Is(actx.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("webhook %s: %w (no answer within %v from %s)", t.cfg.Name, ErrTimeout, t.cfg.Timeout, t.cfg.URL)
	}
	return fmt.Errorf("webhook %s: %w (%s): %v", t.cfg.Name, ErrUnavailable, t.cfg.URL, err)
}

// readResult reads a JSON answer of at most MaxResponseBytes. An empty
// body is the empty object.
func (t *Tool) readResult(body io.Reader) (json.RawMessage, error) {
	b, err := io.ReadAll(io.LimitReader(body, t.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("webhook %s: read the answer: %w", t.cfg.Name, err)
	}
	if int64(len(b)) > t.cfg.MaxResponseBytes {
		return nil, fmt.Errorf("webhook %s: %w: the answer is larger than max_response_bytes (%d)", t.cfg.Name, ErrResponse, t.cfg.MaxResponseBytes)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return json.RawMessage(`{}`), nil
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("webhook %s: %w: the answer is not JSON (it starts %q)", t.cfg.Name, ErrResponse, preview(b))
	}
	return json.RawMessage(b), nil
}

// errorMessage reads the message of an error answer: the "error" or
// "message" field of a JSON body (also {"error": {"message": ...}}), or
// the start of a text body.
func errorMessage(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, maxErrorBody))
	b = bytes.TrimSpace(b)
	var m map[string]any
	if json.Unmarshal(b, &m) == nil {
		for _, k := range []string{"error", "message", "detail"} {
			switch v := m[k].(type) {
			case string:
				return v
			case map[string]any:
				if s, ok := v["message"].(string); ok {
					return s
				}
			}
		}
		return ""
	}
	if bytes.HasPrefix(b, []byte("<")) {
		return "" // an HTML error page says nothing a caller should hear
	}
	return preview(b)
}

// preview returns the start of b, for messages.
func preview(b []byte) string {
	const n = 120
	r := []rune(strings.ToValidUTF8(string(b), ""))
	s := string(r)
	if len(r) > n {
		s = string(r[:n]) + "..."
	}
	return strings.Join(strings.Fields(s), " ")
}
