package llm

import (
	"encoding/json"
	"strings"
	"testing"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/agentic"
)

func TestDecodeArguments(t *testing.T) {
	tests := []struct {
		desc    string
		raw     string
		want    string
		wantErr string
	}{
		{desc: "an object is compacted", raw: ` { "query" : "return window", "k": 3 } `, want: `{"query":"return window","k":3}`},
		{desc: "empty means no arguments", raw: "  ", want: `{}`},
		{desc: "null means no arguments", raw: "null", want: `{}`},
		{desc: "an object encoded twice", raw: `"{\"query\":\"hours\"}"`, want: `{"query":"hours"}`},
		{desc: "a code fence", raw: "```json\n{\"query\": \"hours\"}\n```", want: `{"query":"hours"}`},
		{desc: "a fence without a tag", raw: "```{\"a\":1}```", want: `{"a":1}`},
		{desc: "unicode is kept", raw: `{"query":"退货政策"}`, want: `{"query":"退货政策"}`},
		{desc: "cut short", raw: `{"query": "ret`, wantErr: "not valid JSON"},
		{desc: "an array", raw: `["hours"]`, wantErr: "must be a JSON object"},
		{desc: "a bare string", raw: `"hours"`, wantErr: "must be a JSON object"},
		{desc: "trailing garbage", raw: `{"a":1} extra`, wantErr: "not valid JSON"},
		{desc: "invalid UTF-8", raw: "{\"a\":\"\xff\"}", wantErr: "UTF-8"},
		{desc: "too long", raw: `{"a":"` + strings.Repeat("x", maxArguments) + `"}`, wantErr: "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := decodeArguments(tc.raw)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("decodeArguments = %s, %v; want an error with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("decodeArguments = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func FuzzDecodeArguments(f *testing.F) {
	for _, seed := range []string{`{"query":"x","k":3}`, `"{\"a\":1}"`, "```json\n{}\n```", `{"a":`, `[1]`, "", "null", `"\"{}\""`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := decodeArguments(raw)
		if err != nil {
			return
		}
		var obj map[string]any
		if jerr := json.Unmarshal(got, &obj); jerr != nil || obj == nil {
			t.Fatalf("decodeArguments(%q) = %s, which is not a JSON object: %v", raw, got, jerr)
		}
		again, err := decodeArguments(string(got))
		if err != nil || string(again) != string(got) {
			t.Fatalf("not idempotent: %s then %s, %v", got, again, err)
		}
	})
}

func TestAccumulator(t *testing.T) {
	idx := func(i int) *int { return &i }
	tests := []struct {
		desc   string
		deltas [][]goopenai.ToolCall
		want   []string // "id name args"
	}{
		{
			desc: "OpenAI's deltas: index, id and name first, then argument fragments",
			deltas: [][]goopenai.ToolCall{
				{{Index: idx(0), ID: "call_a", Type: "function", Function: goopenai.FunctionCall{Name: "kb_search"}}},
				{{Index: idx(0), Function: goopenai.FunctionCall{Arguments: `{"que`}}},
				{{Index: idx(1), ID: "call_b", Function: goopenai.FunctionCall{Name: "end_call"}}},
				{{Index: idx(0), Function: goopenai.FunctionCall{Arguments: `ry":"x"}`}}},
				{{Index: idx(1), Function: goopenai.FunctionCall{Arguments: `{}`}}},
			},
			want: []string{`call_a kb_search {"query":"x"}`, `call_b end_call {}`},
		},
		{
			desc: "servers without an index: whole calls told apart by id",
			deltas: [][]goopenai.ToolCall{
				{{ID: "1", Function: goopenai.FunctionCall{Name: "kb_search", Arguments: `{"query":"a"}`}}},
				{{ID: "2", Function: goopenai.FunctionCall{Name: "kb_search", Arguments: `{"query":"b"}`}}},
			},
			want: []string{`1 kb_search {"query":"a"}`, `2 kb_search {"query":"b"}`},
		},
		{
			desc: "fragments without index or id go to the last call",
			deltas: [][]goopenai.ToolCall{
				{{ID: "1", Function: goopenai.FunctionCall{Name: "kb_search", Arguments: `{"query"`}}},
				{{Function: goopenai.FunctionCall{Arguments: `:"a"}`}}},
			},
			want: []string{`1 kb_search {"query":"a"}`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var acc accumulator
			for _, d := range tc.deltas {
				acc.add(d)
			}
			var got []string
			for _, c := range acc.calls {
				got = append(got, c.id+" "+c.name+" "+c.args.String())
			}
			if quoted(got) != quoted(tc.want) {
				t.Errorf("calls %s, want %s", quoted(got), quoted(tc.want))
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		var acc accumulator
		for i := range maxCalls + 5 {
			acc.add([]goopenai.ToolCall{{Index: idx(i), ID: "x", Function: goopenai.FunctionCall{Name: "f", Arguments: strings.Repeat("a", maxArguments/2+1)}}})
			acc.add([]goopenai.ToolCall{{Index: idx(i), Function: goopenai.FunctionCall{Arguments: strings.Repeat("a", maxArguments/2+1)}}})
		}
		if len(acc.calls) != maxCalls || !acc.calls[0].overflow || acc.calls[0].args.Len() > maxArguments {
			t.Errorf("%d calls, overflow %v, %d bytes", len(acc.calls), acc.calls[0].overflow, acc.calls[0].args.Len())
		}
	})
}

func TestToolSpecsChecked(t *testing.T) {
	tool := func(name, params string) agentic.Tool {
		return &fakeTool{spec: agentic.ToolSpec{Name: name, Parameters: json.RawMessage(params)}}
	}
	tests := []struct {
		desc  string
		tools []agentic.Tool
		want  string
	}{
		{desc: "a bad name", tools: []agentic.Tool{tool("kb search", `{}`)}, want: "must be 1 to 64"},
		{desc: "a built-in name", tools: []agentic.Tool{tool(ToolTransfer, `{}`)}, want: "name is taken"},
		{desc: "a duplicate", tools: []agentic.Tool{tool("a", `{}`), tool("a", `{}`)}, want: "name is taken"},
		{desc: "parameters that are not an object", tools: []agentic.Tool{tool("a", `[1]`)}, want: "JSON Schema object"},
		{desc: "a nil tool", tools: []agentic.Tool{nil}, want: "nil"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := testConfig()
			cfg.BaseURL = "http://localhost:1/v1"
			_, err := New(cfg, tc.tools, WithEnv(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error with %q", err, tc.want)
			}
		})
	}
}
