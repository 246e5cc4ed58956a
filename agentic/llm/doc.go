// Package llm is the agent that answers callers with any OpenAI-compatible
// chat model (OpenAI, vLLM, Ollama, llama.cpp server), streaming its answer
// sentence by sentence and calling tools.
//
// New makes a Factory from a Config and the tools the model may call (the
// knowledge search, webhooks); every agent also has two built-in tools:
// transfer_to_human (the model's words, then an agentic.Handoff after the
// speech) and end_call (the goodbye, then an agentic.EndCall).
//
// Each turn the conversation becomes chat messages: the system prompt (a
// template with the Persona and the call's language), the latest
// Config.MaxHistory messages as the caller heard them (an interrupted bot
// turn keeps only its heard words and is followed by a note saying the
// caller cut it off), and the caller's turn, with keypad digits as
// "[keypad: 1234]". The answer is streamed and cut into sentences by a
// Splitter (never inside "4.95" or after "Mr."; long clauses are cut at a
// comma so speech starts early); each sentence is written as one
// agentic.Response as soon as it is complete. Tool calls run with the
// turn's context and Config.ToolTimeout, are recorded as agentic.ToolCall
// actions, and their results go back to the model, for at most
// Config.MaxToolRounds requests; a malformed call (arguments that are not
// JSON, an unknown tool) gets an error result once, and the fallback the
// second time.
//
// Guardrails: a model that sends no token within
// Config.FirstTokenTimeout (or stalls that long), a turn that runs past
// Config.TurnTimeout, an empty answer, an error from the server after its
// retries (HTTP 429 and 5xx before the first token are retried with
// backoff, honouring Retry-After), or a stream that breaks mid-answer: the
// sentences already spoken stand, then the fallback prompt is spoken and,
// with Config.FallbackQueue set, the call is handed off. An answer longer
// than Config.MaxSentences is cut there.
//
// Barge-in: when the turn's context is done, the agent stops reading the
// stream at once, which closes the HTTP request, and Respond returns
// ctx.Err() without saying anything more.
//
// Time comes from a pipeline.Clock (WithClock), so tests drive timeouts
// and retries without sleeping.
package llm
