// Package flow is the default agent: it runs a contact center's dialogue
// from a YAML flow file, with the NLU parser and no LLM. A flow answers one
// intent step by step (collect and confirm slots, call tools, branch on
// their results, answer from the knowledge base, transfer or hang up), in
// every language of the file.
//
// # Running it
//
//	flows, err := flow.Load("flows.yaml")            // *flow.Error gives file:line: path
//	f, err := flow.New(flows, parser,
//		flow.WithDomains(enDomain, zhDomain),        // slot types, intent and slot checks
//		flow.WithSearcher(kb), flow.WithTools(tools)) // knowledge base, webhook tools
//	agent, err := f.NewAgent(agentic.Call{ID: "call-1", Language: "en"})
//
// Each call's Agent holds its dialogue state. Every turn it writes an
// agentic.Understood (what the caller meant), then an agentic.ToolCall per
// tool called, one Response per sentence, and the recognition Hints for
// the caller's next turn (a digits grammar while an order number is
// collected, yes/no after a confirmation, the choices of an enum slot,
// phrases otherwise); or, instead of the hints, an agentic.Handoff or
// agentic.EndCall with AfterSpeech after its last sentence.
//
// # The flow file
//
//	language: en                 # calls that name no language
//	languages: [en, zh]          # every spoken prompt needs each of them
//	settings:
//	  max_attempts: 2            # failed answers before a transfer
//	  switch_confidence: 0.7     # a new intent this sure leaves the flow
//	  queue: general             # transfers that name no queue
//	  skills: {zh: [mandarin]}   # added to the transfers of zh calls
//	  dtmf_yes: "1"              # keys that answer yes/no questions
//	  dtmf_no: "2"
//	  knowledge: {results: 3, sentences: 2}
//	  intents: {affirm: affirm, deny: deny, repeat: repeat, goodbye: goodbye, agent: speak_to_agent}
//	prompts: {greeting: ..., anything_else: ..., transfer: ..., goodbye: ...}
//	hints: {en: [order status, agent], zh: [查订单]}
//	menu: {prompt: ..., keys: {"1": order_status, "0": speak_to_agent}}
//	labels: {payment: {credit_card: {en: credit card, zh: 信用卡}}}
//	slots: {reason: {type: text}}   # slots the NLU domain lacks
//	no_match: [not_understood, search_help_center, transfer]
//	flows:
//	  order_status:              # started by the intent of that name
//	    intents: [order_status]  # or by these (default: the flow's name)
//	    queue: general           # transfers from this flow
//	    then: anything_else      # after the last step; or listen
//	    steps: [...]
//
// A prompt is a text for the default language or a mapping {en: ..., zh:
// ...}; the call's language picks. Prompts are text/template templates
// reading slots ({{.order_number}}), tool results saved with save_as
// ({{.order.status}}) and the built-in values text (the caller's words),
// language, today (ISO date), call_id, caller, intent, error (the last
// tool failure's message) and slots. Functions say values as a caller
// should hear them, in the call's language: digits ("four eight two...",
// "四八二..."), money ("forty two dollars and fifty cents"), number, date
// ("Thursday, March fifth"), time, email, list ("a, b and c"), pluck
// (a field of each object of a list), words ("out_for_delivery" is "out
// for delivery"), label (a value's text from the labels section), default
// and lower. A prompt of several sentences is spoken one Response per
// sentence. The built-in prompts (greeting, how_can_i_help,
// anything_else, goodbye, transfer, not_understood, yes_or_no, bad_key,
// tool_error, offer_transfer, no_answer) have English and Mandarin
// defaults.
//
// # Steps
//
// Each step is a mapping with one kind key and may have an id (for goto):
//
//	say: PROMPT                    speak
//	collect: SLOT                  ask for a slot unless it is known
//	  prompt, reprompt (one or a list), confirm (a yes/no prompt),
//	  hints (phrases), max_attempts, dtmf (default true), on_fail (steps;
//	  default: transfer)
//	ask: PROMPT                    a yes/no question
//	  on_yes, on_no (steps; default: go on), hints
//	call: TOOL                     call a tool
//	  args (name: template), save_as, on_success, on_failure (the tool
//	  refused: an *agentic.ToolError such as "no order 4827163"), on_error
//	  (timeout, unreachable, server error; default for both: apologise and
//	  offer a transfer)
//	answer: QUERY                  answer from the knowledge base (default
//	  query: the caller's words); results, sentences, on_no_answer
//	switch: TEMPLATE               branch on a value
//	  cases (value or "a, b": steps), default (steps)
//	handoff: QUEUE | {queue, reason, priority, skills, say}
//	end: REASON | {reason, say}    say goodbye and hang up
//	goto: ID                       jump to a step of the flow
//	retry: SLOT                    forget a slot, count a failed attempt and
//	                               ask again (after max_attempts: on_fail)
//	clear: SLOT | [SLOTS]          forget slots
//	start: FLOW                    go on with another flow
//	done: true | anything_else | listen   end the flow here
//
// Branches are lists of steps; when a branch ends, the flow goes on after
// the step that branched. Top-level fields named x-... are ignored and can
// hold YAML anchors (&name) for prompts or steps used in several places
// (*name).
//
// # The dialogue
//
// An empty first turn gets the greeting and the menu prompt. The agent
// intent (speak_to_agent) transfers at once from anywhere, goodbye ends
// the call, repeat says the last turn again. While a question waits for
// its answer, a bare answer fills the expected slot (ParseOptions.Expect);
// after a yes/no question the parser is restricted to yes, no and the
// global intents (ParseOptions.Intents), then asked again without the
// restriction if that understood nothing. A new intent with a flow and at
// least switch_confidence moves the caller to its flow, keeping the slots.
// Keypad digits fill a digits slot (# ends the entry, * starts it over),
// dtmf_yes and dtmf_no answer yes/no questions, and the menu keys start
// their flows when the caller is in none (a key of the agent or goodbye
// flow works anywhere). Turns nobody understood run the no_match flows in
// turn; by default a reprompt, then a knowledge-base answer, then a
// transfer.
//
// After a barge-in the History shows what the caller heard: when the
// awaited question was cut off, a yes or no is not taken as its answer and
// the question is asked again, and a failed answer does not count as an
// attempt. A transfer the caller interrupted is carried out again unless
// the caller asked for something else.
//
// Slot values are kept for the whole call: a caller who asked about order
// 4827163 and then wants a return is asked to confirm that order rather
// than to say it again. A yes when nothing was asked invites the next
// request; a no asks whether there is anything else.
//
// A transfer carries the queue, reason, priority, skills, the intent being
// served, the slots and a short summary of the call.
//
// # With another agent
//
// Plan, Execute and Spoken split a turn so that agentic/hybrid can hand the
// turns no flow handles (Plan.Delegate) to an LLM agent, and tell the flow
// agent what that agent said.
package flow
