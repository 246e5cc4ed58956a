// Package agentictest holds fakes for testing agents and the code around
// them without a real parser, knowledge base, business system or model: a
// scripted nlu.Parser keyed by text, a scripted knowledge.Searcher, a
// scripted agentic.Tool, a recording ResponseWriter, a fake Agent with its
// Factory, and a Conversation that drives an agent turn by turn the way a
// call session does (turn numbers, History with what the caller heard,
// barge-in).
//
// Every fake is safe for concurrent use and records what it was asked, so
// that tests can assert on the requests as well as the answers.
package agentictest
