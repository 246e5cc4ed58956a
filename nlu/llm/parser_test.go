package llmnlu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/internal/openaitest"
	"github.com/parley-voice/parley/nlu"
	"github.com/parley-voice/parley/pipeline/pipelinetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// domainEN is a small part of the retail domain.
func domainEN() *nlu.Domain {
	return &nlu.Domain{
		Language: "en",
		Intents: []nlu.Intent{
			{Name: "order_status", Description: "Caller wants to know where an order is.", Examples: []string{"where is my order", "has my package shipped yet"}, Slots: []string{"order_number", "email"}},
			{Name: "return_item", Description: "Caller wants to return or exchange an item.", Examples: []string{"i need to return a jacket"}, Slots: []string{"order_number", "product", "size"}},
			{Name: "store_hours", Description: "Caller asks about store hours or locations.", Examples: []string{"when does the vermont store open"}, Slots: []string{"store", "day"}},
			{Name: "billing_dispute", Description: "Caller questions a charge.", Examples: []string{"i was charged twice"}, Slots: []string{"amount", "order_number"}},
			{Name: "affirm", Description: "Caller says yes.", Examples: []string{"yes"}},
			{Name: "deny", Description: "Caller says no.", Examples: []string{"no"}},
		},
		Slots: map[string]nlu.Slot{
			"order_number": {Name: "order_number", Type: nlu.SlotDigits, MinLength: 6, MaxLength: 8, Description: "Order number, spoken digit by digit."},
			"email":        {Name: "email", Type: nlu.SlotEmail, Description: "Spoken as 'jane dot doe at example dot com'."},
			"product":      {Name: "product", Type: nlu.SlotText, Description: "Product as spoken, lowercase."},
			"size":         {Name: "size", Type: nlu.SlotText, Description: "xs, s, m, l, xl ('medium' is m)."},
			"store":        {Name: "store", Type: nlu.SlotEnum, Values: []string{"portland", "denver", "burlington"}, Synonyms: map[string][]string{"burlington": {"vermont", "the vermont store"}}},
			"day":          {Name: "day", Type: nlu.SlotEnum, Values: []string{"today", "tomorrow", "new_years_day"}},
			"amount":       {Name: "amount", Type: nlu.SlotMoney, Description: "Dollars with two decimals."},
		},
	}
}

// domainZH is a Mandarin domain.
func domainZH() *nlu.Domain {
	return &nlu.Domain{Language: "zh", Intents: []nlu.Intent{
		{Name: "order_status", Description: "查询订单", Examples: []string{"我的订单到哪了"}, Slots: []string{"order_number"}},
		{Name: "return_item", Description: "退货", Examples: []string{"我要退货"}},
	}, Slots: map[string]nlu.Slot{"order_number": {Name: "order_number", Type: nlu.SlotDigits, MinLength: 6, MaxLength: 8}}}
}

// fakeParser returns a scripted result and records its calls.
type fakeParser struct {
	result nlu.Result
	err    error
	mu     sync.Mutex
	calls  int
}

func (f *fakeParser) Parse(ctx context.Context, text string, opts nlu.ParseOptions) (nlu.Result, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nlu.Result{}, err
	}
	r := f.result
	r.Text = text
	return r, f.err
}

// localResult is what the fake local parser understands.
func localResult() nlu.Result {
	return nlu.Result{
		Intent: "order_status", Confidence: 0.6, Source: "local",
		Slots:    map[string]string{"order_number": "4827163"},
		Entities: []nlu.Entity{{Type: nlu.EntityDigits, Value: "4827163", Text: "four eight two seven one six three", Start: 18, End: 52}},
		Ranking:  []nlu.IntentScore{{Intent: "order_status", Confidence: 0.6}, {Intent: "return_item", Confidence: 0.2}},
	}
}

// fakeTimer is an AfterFunc whose timers fire when the test says.
type fakeTimer struct {
	mu     sync.Mutex
	timers []func()
}

func (f *fakeTimer) after(d time.Duration, fn func()) func() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timers = append(f.timers, fn)
	return func() bool { return true }
}

// fire runs every timer started so far.
func (f *fakeTimer) fire() {
	f.mu.Lock()
	ts := slices.Clone(f.timers)
	f.mu.Unlock()
	for _, fn := range ts {
		fn()
	}
}

// started returns how many timers were started.
func (f *fakeTimer) started() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// setup returns a parser over both domains against a new server.
func setup(t *testing.T, cfg Config, local *fakeParser, replies ...openaitest.Reply) (*Parser, *openaitest.Server, *fakeTimer) {
	t.Helper()
	srv := openaitest.NewServer()
	t.Cleanup(srv.Close)
	srv.Enqueue(replies...)
	cfg.BaseURL, cfg.APIKey = srv.URL(), "sk-test"
	timer := &fakeTimer{}
	p, err := New(cfg, []*nlu.Domain{domainEN(), domainZH()}, local, WithHTTPClient(srv.Client()), WithEnv(nil), WithAfterFunc(timer.after))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, srv, timer
}

// classify is a reply calling classify with args.
func classify(args string) openaitest.Reply {
	return openaitest.Calls("", openaitest.Call(toolName, args))
}

func TestParse(t *testing.T) {
	tests := []struct {
		desc      string
		cfg       func(*Config)
		reply     openaitest.Reply
		opts      nlu.ParseOptions
		local     func(*nlu.Result)
		intent    string
		conf      float64
		slots     map[string]string
		source    string
		firstRank string
	}{
		{desc: "the model's intent; the local digits win over a dropped digit",
			reply:  classify(`{"intent":"order_status","confidence":0.95,"slots":{"order_number":"482716"}}`),
			intent: "order_status", conf: 0.95, slots: map[string]string{"order_number": "4827163"}, source: "llm", firstRank: "order_status"},
		{desc: "model slots fill what the local parser missed, normalized",
			reply:  classify(`{"intent":"return_item","confidence":0.9,"slots":{"product":" Rain  Jacket ","size":"XL","order_number":3551208}}`),
			local:  func(r *nlu.Result) { r.Slots = map[string]string{} },
			intent: "return_item", conf: 0.9, slots: map[string]string{"product": "rain jacket", "size": "xl", "order_number": "3551208"}, source: "llm"},
		{desc: "an enum value through its synonyms; the model's enum wins",
			reply:  classify(`{"intent":"store_hours","confidence":0.8,"slots":{"store":"Vermont","day":"new years day"}}`),
			local:  func(r *nlu.Result) { r.Slots = map[string]string{"store": "portland"} },
			intent: "store_hours", conf: 0.8, slots: map[string]string{"store": "burlington", "day": "new_years_day"}, source: "llm"},
		{desc: "money normalized to two decimals",
			reply:  classify(`{"intent":"billing_dispute","confidence":0.9,"slots":{"amount":"$42.5"}}`),
			local:  func(r *nlu.Result) { r.Slots = map[string]string{} },
			intent: "billing_dispute", conf: 0.9, slots: map[string]string{"amount": "42.50"}, source: "llm"},
		{desc: "values that do not fit and slots of other intents are dropped",
			reply:  classify(`{"intent":"store_hours","confidence":0.9,"slots":{"store":"seattle","order_number":"4827163","amount":"lots"}}`),
			local:  func(r *nlu.Result) { r.Slots = map[string]string{} },
			intent: "store_hours", conf: 0.9, slots: map[string]string{}, source: "llm"},
		{desc: "an intent outside the domain is none",
			reply:  classify(`{"intent":"refund_request","confidence":0.9,"slots":{}}`),
			intent: nlu.NoIntent, conf: 0.6, slots: map[string]string{}, source: "llm", firstRank: "order_status"},
		{desc: "a low confidence is none, ranked",
			reply:  classify(`{"intent":"return_item","confidence":0.3,"slots":{}}`),
			intent: nlu.NoIntent, conf: 0.3, slots: map[string]string{}, source: "llm", firstRank: "return_item"},
		{desc: "an intent the dialogue does not allow is none",
			reply: classify(`{"intent":"order_status","confidence":0.9,"slots":{}}`), opts: nlu.ParseOptions{Intents: []string{"affirm", "deny"}},
			intent: nlu.NoIntent, conf: 0.6, slots: map[string]string{}, source: "llm"},
		{desc: "a bare answer fills the expected slot",
			reply: classify(`{"intent":"none","confidence":0.9,"slots":{"order_number":"4827163"}}`), opts: nlu.ParseOptions{Expect: []string{"order_number"}},
			local:  func(r *nlu.Result) { r.Slots = map[string]string{} },
			intent: nlu.NoIntent, conf: 0.6, slots: map[string]string{"order_number": "4827163"}, source: "llm"},
		{desc: "no confidence is taken as fairly sure",
			reply:  classify(`{"intent":"deny","slots":{}}`),
			intent: "deny", conf: defaultConfidence, slots: map[string]string{}, source: "llm"},
		{desc: "malformed arguments: the local result",
			reply:  classify(`{"intent":"order_status","confid`),
			intent: "order_status", conf: 0.6, slots: map[string]string{"order_number": "4827163"}, source: "local"},
		{desc: "no tool call and no JSON: the local result",
			reply:  openaitest.Text("The caller wants their order."),
			intent: "order_status", conf: 0.6, slots: map[string]string{"order_number": "4827163"}, source: "local"},
		{desc: "HTTP 500: the local result",
			reply:  openaitest.ErrorReply(http.StatusInternalServerError, ""),
			intent: "order_status", conf: 0.6, slots: map[string]string{"order_number": "4827163"}, source: "local"},
		{desc: "JSON mode reads the content, fenced",
			cfg:    func(c *Config) { c.Mode = ModeJSON },
			reply:  openaitest.Text("```json\n{\"intent\": \"affirm\", \"confidence\": \"0.97\", \"slots\": {}}\n```"),
			intent: "affirm", conf: 0.97, slots: map[string]string{}, source: "llm"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			local := &fakeParser{result: localResult()}
			if tc.local != nil {
				tc.local(&local.result)
			}
			p, srv, _ := setup(t, cfg, local, tc.reply)
			text := "where is my order four eight two seven one six three"
			r, err := p.Parse(context.Background(), text, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Intent != tc.intent || r.Confidence != tc.conf || r.Source != tc.source || r.Text != text {
				t.Errorf("intent %q %.2f source %q text %q, want %q %.2f %q", r.Intent, r.Confidence, r.Source, r.Text, tc.intent, tc.conf, tc.source)
			}
			if got, _ := json.Marshal(r.Slots); string(got) != mustJSON(tc.slots) {
				t.Errorf("slots %s, want %s", got, mustJSON(tc.slots))
			}
			if len(r.Entities) != 1 {
				t.Errorf("entities %+v, want the local parser's", r.Entities)
			}
			if tc.firstRank != "" && (len(r.Ranking) == 0 || r.Ranking[0].Intent != tc.firstRank) {
				t.Errorf("ranking %+v, want %s first", r.Ranking, tc.firstRank)
			}
			if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Err != nil {
				t.Errorf("requests %+v", reqs)
			}
		})
	}
}

// mustJSON formats v as JSON.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRequest(t *testing.T) {
	p, srv, _ := setup(t, DefaultConfig(), &fakeParser{result: localResult()}, classify(`{"intent":"deny","confidence":1,"slots":{}}`))
	if _, err := p.Parse(context.Background(), "the vermont one", nlu.ParseOptions{Expect: []string{"store"}, Intents: []string{"store_hours", "deny"}}); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Stream || r.ToolChoiceString() != toolName || len(r.Tools) != 1 || r.Temperature == nil || *r.Temperature > 1e-6 || r.MaxTokens != 200 {
		t.Errorf("request stream=%v tool_choice=%q tools=%d temperature=%v max_tokens=%d", r.Stream, r.ToolChoiceString(), len(r.Tools), r.Temperature, r.MaxTokens)
	}
	var schema struct {
		Properties struct {
			Intent struct {
				Enum []string `json:"enum"`
			} `json:"intent"`
			Slots struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"slots"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(r.Tools[0].Parameters, &schema); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(schema.Properties.Intent.Enum, ","); got != "order_status,return_item,store_hours,billing_dispute,affirm,deny,none" {
		t.Errorf("intent enum %s", got)
	}
	if got := schema.Properties.Slots.Properties["store"].Enum; len(got) != 3 || len(schema.Properties.Slots.Properties) != 7 {
		t.Errorf("slot schema %+v", schema.Properties.Slots)
	}
	sys, user := r.Messages[0].Content, r.Messages[1].Content
	for _, want := range []string{"- order_status: Caller wants to know where an order is. Examples: \"where is my order\"; \"has my package shipped yet\". Slots: order_number, email.",
		"- store: one of portland, denver, burlington; \"burlington\" for vermont, the vermont store", "- none:", "order_number: digits, 6 to 8 of them"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
	if want := "Utterance: \"the vermont one\"\nThe agent has just asked the caller for: store. A bare answer gives that slot.\nOnly these intents are possible now: store_hours, deny (else none)."; user != want {
		t.Errorf("user message %q", user)
	}
}

func TestLanguageAndFallbackErrors(t *testing.T) {
	t.Run("the Mandarin domain for a Mandarin utterance", func(t *testing.T) {
		p, srv, _ := setup(t, DefaultConfig(), &fakeParser{result: localResult()}, classify(`{"intent":"return_item","confidence":0.9,"slots":{}}`))
		r, err := p.Parse(context.Background(), "我要退货", nlu.ParseOptions{Language: "zh-CN"})
		if err != nil || r.Intent != "return_item" || r.Language != "zh" {
			t.Fatalf("Parse = %+v, %v", r, err)
		}
		if sys := srv.Requests()[0].Messages[0].Content; !strings.Contains(sys, "查询订单") || !strings.Contains(sys, "Mandarin") {
			t.Errorf("system prompt %s", sys)
		}
	})
	t.Run("a language without a domain: the local result, no request", func(t *testing.T) {
		p, srv, _ := setup(t, DefaultConfig(), &fakeParser{result: localResult()})
		r, err := p.Parse(context.Background(), "hola", nlu.ParseOptions{Language: "es"})
		if err != nil || r.Source != SourceLocal || srv.Len() != 0 {
			t.Errorf("Parse = %+v, %v with %d requests", r, err, srv.Len())
		}
	})
	t.Run("the fallback's errors are returned", func(t *testing.T) {
		bad := errors.New("unknown slot")
		p, srv, _ := setup(t, DefaultConfig(), &fakeParser{err: bad})
		if _, err := p.Parse(context.Background(), "x", nlu.ParseOptions{}); !errors.Is(err, bad) || srv.Len() != 0 {
			t.Errorf("Parse = %v with %d requests", err, srv.Len())
		}
	})
	t.Run("blank text is not sent", func(t *testing.T) {
		p, srv, _ := setup(t, DefaultConfig(), &fakeParser{result: localResult()})
		if r, err := p.Parse(context.Background(), "  ", nlu.ParseOptions{}); err != nil || r.Source != SourceLocal || srv.Len() != 0 {
			t.Errorf("Parse = %+v, %v", r, err)
		}
	})
}

func TestTimeoutAndCancel(t *testing.T) {
	t.Run("past the timeout: the local result, the request abandoned", func(t *testing.T) {
		p, srv, timer := setup(t, DefaultConfig(), &fakeParser{result: localResult()}, openaitest.Stalled(nil, ""))
		done := make(chan nlu.Result, 1)
		go func() {
			r, _ := p.Parse(context.Background(), "where is my order", nlu.ParseOptions{})
			done <- r
		}()
		pipelinetest.Eventually(t, func() bool { return srv.Len() == 1 && timer.started() == 1 }, "the request is stalled")
		timer.fire()
		if r := <-done; r.Source != SourceLocal || r.Intent != "order_status" {
			t.Errorf("result %+v", r)
		}
		pipelinetest.Eventually(t, func() bool { return slices.Contains(srv.Aborted(), 1) }, "the server sees the request end")
	})
	t.Run("a cancelled context ends Parse with its error", func(t *testing.T) {
		p, srv, _ := setup(t, DefaultConfig(), &fakeParser{result: localResult()}, openaitest.Stalled(nil, ""))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := p.Parse(ctx, "where is my order", nlu.ParseOptions{})
			done <- err
		}()
		pipelinetest.Eventually(t, func() bool { return srv.Len() == 1 }, "the request is stalled")
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Parse = %v", err)
		}
	})
}

func TestConcurrentParse(t *testing.T) {
	p, srv, _ := setup(t, DefaultConfig(), &fakeParser{result: localResult()})
	srv.SetDefault(classify(`{"intent":"order_status","confidence":0.9,"slots":{}}`))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if r, err := p.Parse(context.Background(), "where is my order", nlu.ParseOptions{}); err != nil || r.Source != SourceLLM {
				t.Errorf("Parse = %+v, %v", r, err)
			}
		})
	}
	wg.Wait()
}
