package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"
)

// attemptInfo records what the HTTP layer saw of one attempt's response,
// which go-openai's errors do not carry (the Retry-After headers).
type attemptInfo struct {
	header http.Header
}

// attemptKey is the context key of an attempt's *attemptInfo.
type attemptKey struct{}

// headerDoer passes requests to next and records each response's header in
// the *attemptInfo of the request's context.
type headerDoer struct{ next HTTPDoer }

// Do sends req and records the response header.
func (d headerDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.next.Do(req)
	if resp != nil {
		if info, ok := req.Context().Value(attemptKey{}).(*attemptInfo); ok {
			info.header = resp.Header
		}
	}
	return resp, err
}

// failure is a classified error of a model request.
type failure struct {
	err   error
	retry bool          // a transient failure, worth another attempt
	hint  time.Duration // the server's Retry-After, zero if none
}

// classify turns the error of a model request, made while the turn is
// still live, into a failure.
func classify(err error, h http.Header, now time.Time) failure {
	if api := apiError(err, h, now); api != nil {
		return failure{err: api, retry: shouldRetry(api, h), hint: api.RetryAfter}
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, goopenai.ErrTooManyEmptyStreamMessages):
		return failure{err: fmt.Errorf("%w: %w", ErrResponse, err)}
	case errors.Is(err, goopenai.ErrReasoningModelMaxTokensDeprecated), errors.Is(err, goopenai.ErrReasoningModelLimitationsOther),
		errors.Is(err, goopenai.ErrReasoningToolsRequireResponses), errors.Is(err, goopenai.ErrReasoningSamplingUnsupported),
		errors.Is(err, goopenai.ErrChatCompletionInvalidModel):
		return failure{err: fmt.Errorf("%w: %w", ErrBadRequest, err)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return failure{err: fmt.Errorf("%w: the stream was cut short: %w", ErrUnavailable, err), retry: true}
	}
	return failure{err: fmt.Errorf("%w: %w", ErrUnavailable, err), retry: true}
}

// apiError converts go-openai's error for an HTTP error answer (or an
// error event mid-stream) into an *APIError; nil when err is not one.
func apiError(err error, h http.Header, now time.Time) *APIError {
	e := &APIError{}
	var re *goopenai.RequestError
	var ae *goopenai.APIError
	switch {
	case errors.As(err, &re):
		e.StatusCode = re.HTTPStatusCode
		e.Message = excerpt(re.Body)
		if errors.As(re.Err, &ae) {
			fillFromAPI(e, ae)
		}
	case errors.As(err, &ae):
		e.StatusCode = ae.HTTPStatusCode
		fillFromAPI(e, ae)
	default:
		return nil
	}
	e.RetryAfter = retryAfter(h, now)
	e.Kind = kindOf(e)
	return e
}

// fillFromAPI copies the fields of OpenAI's error body.
func fillFromAPI(e *APIError, ae *goopenai.APIError) {
	e.Type = ae.Type
	if ae.Code != nil {
		e.Code = fmt.Sprint(ae.Code)
	}
	if ae.Message != "" {
		e.Message = excerpt([]byte(ae.Message))
	}
}

// kindOf returns the sentinel for an error answer.
func kindOf(e *APIError) error {
	msg := strings.ToLower(e.Message)
	switch {
	case e.Code == "model_not_found" || (e.StatusCode == http.StatusNotFound && strings.Contains(msg, "model")):
		return ErrModel
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return ErrAuth
	case e.StatusCode == http.StatusNotFound:
		return ErrEndpoint
	case e.StatusCode == http.StatusTooManyRequests && (e.Code == "insufficient_quota" || e.Type == "insufficient_quota"):
		return ErrQuota
	case e.StatusCode == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.StatusCode == http.StatusRequestTimeout:
		return ErrTimeout
	case e.StatusCode == 0, e.StatusCode == http.StatusConflict, e.StatusCode >= 500:
		return ErrUnavailable
	default:
		return ErrBadRequest
	}
}

// shouldRetry reports whether an error answer may succeed when repeated:
// the server's x-should-retry header when present, else by status (408,
// 409, 429 but not insufficient_quota, 5xx), as OpenAI's own clients do.
func shouldRetry(e *APIError, h http.Header) bool {
	switch strings.ToLower(h.Get("x-should-retry")) {
	case "true":
		return true
	case "false":
		return false
	}
	return e.Kind == ErrTimeout || e.Kind == ErrUnavailable || e.Kind == ErrRateLimited
}

// retryAfter returns the wait the server asked for in the retry-after-ms or
// Retry-After header (seconds or an HTTP date, RFC 9110 section 10.2.3);
// zero when absent, unparsable or in the past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e6 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) && t.Sub(now) < 1e6*time.Second {
		return t.Sub(now)
	}
	return 0
}

// excerpt returns the start of an error body as one line of at most 300
// bytes of valid UTF-8.
func excerpt(body []byte) string {
	const limit = 300
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body[:min(len(body), 4*limit)]), "?")), " ")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// backoff returns the wait before retry n (1-based): Backoff doubled for
// each earlier retry, capped at MaxBackoff, with equal jitter (between half
// and all of it), and at least hint, the server's Retry-After. ok is false
// when the server asked for more than MaxBackoff, or when the wait would
// not leave the turn time for an answer (left is the turn's remaining
// time).
func backoff(c Config, n int, hint, left time.Duration, jitter float64) (d time.Duration, ok bool) {
	d = c.MaxBackoff
	if n-1 < 30 && c.Backoff<<(n-1) < c.MaxBackoff {
		d = c.Backoff << (n - 1)
	}
	d = d/2 + time.Duration(jitter*float64(d/2))
	if hint > c.MaxBackoff {
		return hint, false
	}
	d = max(d, hint)
	return d, d < left
}
