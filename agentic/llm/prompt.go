package llm

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/agentic"
	"github.com/parley-voice/parley/pipeline"
)

// DefaultSystemPrompt is the system prompt template used when
// Config.SystemPrompt is empty. It tells the model that it speaks on a
// phone line (short plain sentences), how to read the phone system's notes,
// to answer from kb_search when that tool is offered, and when to transfer
// or end the call.
const DefaultSystemPrompt = `You are {{if .Name}}{{.Name}}, {{end}}the voice assistant{{if .Company}} of {{.Company}}{{end}} on a customer-service phone line. Today is {{.Date}}.
Speak {{.Language}} only{{if .Style}}. Your manner is {{.Style}}{{end}}.

Everything you write is spoken aloud by a speech synthesizer, so:
- Answer in one to three short sentences, and ask one question at a time.
- Use plain sentences: no lists, headings, markdown, emoji, links or symbols. Say numbers, prices and dates the way a person would say them.
- The caller's words come from speech recognition and may contain mistakes. If you are not sure what the caller meant, ask.
- Text in square brackets in a caller message is a note from the phone system, not the caller's words: "[keypad: 1234]" means the caller pressed 1, 2, 3 and 4 on the keypad.
- When a note says the caller interrupted you, the caller heard only your words before the interruption. Do not assume they heard the rest; answer what they said.
{{- if .Tools.kb_search}}
- For questions about policies, orders, shipping, returns, stores or products, call kb_search first and answer only from its results. Never invent facts, prices, dates or order details. If the results do not answer the question, say so and offer to transfer the caller.
{{- end}}
- Call transfer_to_human when the caller asks for a person, is upset, or needs something you cannot do. Say one short sentence first, such as "Let me transfer you to a colleague."
- Call end_call when the caller has nothing more to ask, after a short goodbye.`

// PromptData is what the system prompt template sees, for one call.
type PromptData struct {
	// Name, Company and Style are the configured Persona's.
	Name, Company, Style string
	// Language is the name of the call's language in English ("English",
	// "Mandarin Chinese"); LanguageTag is its tag ("en", "zh").
	Language, LanguageTag string
	// Channel is how the call came in ("sip", "webrtc", "ws", "chat").
	Channel string
	// Date is today's date in English ("Monday, 5 January 2026").
	Date string
	// Tools holds the names of the tools the model may call.
	Tools map[string]bool
	// Queues are the queues transfer_to_human may name; empty when it
	// names none.
	Queues []string
}

// languageNames names the languages a call may be in.
var languageNames = map[string]string{
	"en": "English", "zh": "Mandarin Chinese, in simplified Chinese characters", "yue": "Cantonese",
	"es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
	"nl": "Dutch", "ja": "Japanese", "ko": "Korean", "hi": "Hindi", "ar": "Arabic",
}

// primaryTag returns the primary language subtag of a tag, lower case
// ("zh-CN" is "zh"); "en" for an empty tag.
func primaryTag(tag string) string {
	p, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	p, _, _ = strings.Cut(p, "_")
	if p == "" {
		return "en"
	}
	return p
}

// parsePrompt parses a system prompt template (DefaultSystemPrompt when
// src is empty) and checks it against sample data.
func parsePrompt(src string) (*template.Template, error) {
	if strings.TrimSpace(src) == "" {
		src = DefaultSystemPrompt
	}
	t, err := template.New("system_prompt").Parse(src)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	sample := PromptData{Name: "Ava", Company: "Example", Style: "warm", Language: "English", LanguageTag: "en", Channel: "sip", Date: "Monday, 5 January 2026", Tools: map[string]bool{"kb_search": true}}
	if err := t.Execute(&b, sample); err != nil {
		return nil, fmt.Errorf("the template does not fit the prompt data (fields .Name .Company .Style .Language .LanguageTag .Channel .Date .Tools .Queues): %w", err)
	}
	return t, nil
}

// renderPrompt executes the system prompt for a call.
func (f *Factory) renderPrompt(call agentic.Call) (string, error) {
	tag := primaryTag(call.Language)
	lang, ok := languageNames[tag]
	if !ok {
		lang = "the language with tag " + call.Language
	}
	tools := make(map[string]bool, len(f.specs))
	for _, s := range f.specs {
		tools[s.Name] = true
	}
	data := PromptData{
		Name: f.cfg.Persona.Name, Company: f.cfg.Persona.Company, Style: f.cfg.Persona.Style,
		Language: lang, LanguageTag: tag, Channel: call.Channel,
		Date:  f.clock.Now().Format("Monday, 2 January 2006"),
		Tools: tools, Queues: f.cfg.HandoffQueues,
	}
	var b strings.Builder
	if err := f.prompt.Execute(&b, data); err != nil {
		return "", fmt.Errorf("%w: system_prompt: %w", ErrConfig, err)
	}
	return b.String(), nil
}

// Notes the agent adds to the conversation for the model.
const (
	noteInterrupted = "[The caller interrupted you after the words above; they did not hear the rest of that answer.]"
	noteConnected   = "[call connected: greet the caller]"
	noteSilent      = "[the caller has said nothing: speak to them]"
)

// callerTurn returns the caller message of a turn: its text, then the
// keypad digits as a note; empty when the turn has neither.
func callerTurn(req agentic.Request) string {
	text := strings.TrimSpace(req.Text)
	if req.DTMF == "" {
		return text
	}
	note := "[keypad: " + req.DTMF + "]"
	if text == "" {
		return note
	}
	return text + " " + note
}

// messages builds the chat messages of a turn: the system prompt, the
// latest MaxHistory messages of the conversation (bot turns as the caller
// heard them, with a note after an interrupted one), and the caller's turn.
func (a *agent) messages(req agentic.Request) []goopenai.ChatCompletionMessage {
	hist := req.History
	turn := callerTurn(req)
	if n := len(hist); n > 0 && hist[n-1].Role == pipeline.RoleCaller && turn != "" &&
		strings.TrimSpace(hist[n-1].Text) == strings.TrimSpace(req.Text) {
		hist = hist[:n-1] // the turn being answered; rebuilt with its digits
	}
	if keep := a.f.cfg.MaxHistory - 1; len(hist) > keep {
		hist = hist[len(hist)-keep:]
	}
	msgs := make([]goopenai.ChatCompletionMessage, 0, len(hist)+4)
	msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleSystem, Content: a.system})
	heardCaller := false
	for _, m := range hist {
		text := strings.TrimSpace(m.Text)
		if m.DTMF != "" {
			text = strings.TrimSpace(text + " [keypad: " + m.DTMF + "]")
		}
		if text == "" {
			continue
		}
		switch m.Role {
		case pipeline.RoleCaller:
			heardCaller = true
			msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleUser, Content: text})
		case pipeline.RoleBot:
			msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleAssistant, Content: text})
			if m.Interrupted {
				msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleSystem, Content: noteInterrupted})
			}
		default:
			msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleSystem, Content: fmt.Sprintf("[A human agent on the call said: %q]", text)})
		}
	}
	switch {
	case turn != "":
		msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleUser, Content: turn})
	case len(hist) > 0 && hist[len(hist)-1].Role == pipeline.RoleCaller && strings.TrimSpace(hist[len(hist)-1].Text) != "":
		// the caller's words end the history already
	case heardCaller:
		msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleUser, Content: noteSilent})
	default:
		msgs = append(msgs, goopenai.ChatCompletionMessage{Role: goopenai.ChatMessageRoleUser, Content: noteConnected})
	}
	return msgs
}

// speakable removes the markup a model may write despite the prompt
// (emphasis, code marks, headings, bullets) from a sentence, and collapses
// its spaces.
func speakable(s string) string {
	s = strings.NewReplacer("**", "", "__", "", "`", "").Replace(s)
	s = markupStart.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// markupStart matches a heading, bullet or quote mark that starts a line.
var markupStart = regexp.MustCompile(`^\s*(?:#{1,6}|[-*•>])\s+`)

// Localized lines the agent says itself.
type lines struct {
	troubleTransfer, troubleRetry, transfer, goodbye string
}

// builtinLines are the agent's own lines by primary language tag.
var builtinLines = map[string]lines{
	"en": {
		troubleTransfer: "Sorry, I'm having trouble right now. Let me transfer you to a colleague.",
		troubleRetry:    "Sorry, I'm having trouble right now. Please try again in a moment.",
		transfer:        "One moment, I'll transfer you to a colleague.",
		goodbye:         "Thank you for calling. Goodbye.",
	},
	"zh": {
		troubleTransfer: "抱歉，我这边暂时出了点问题。我为您转接人工客服。",
		troubleRetry:    "抱歉，我这边暂时出了点问题，请稍后再试。",
		transfer:        "请稍等，我为您转接人工客服。",
		goodbye:         "感谢您的来电，再见。",
	},
}

// linesFor returns the agent's lines in a call's language (English for
// languages it has none in).
func linesFor(language string) lines {
	if l, ok := builtinLines[primaryTag(language)]; ok {
		return l
	}
	return builtinLines["en"]
}

// fallbackPrompt returns what the agent says when the model fails.
func (f *Factory) fallbackPrompt(language string) string {
	if f.cfg.FallbackPrompt != "" {
		return f.cfg.FallbackPrompt
	}
	if f.cfg.FallbackQueue != "" {
		return linesFor(language).troubleTransfer
	}
	return linesFor(language).troubleRetry
}
