// Package llmnlu (nlu/llm) classifies caller utterances with any
// OpenAI-compatible chat model, constrained to a domain's intents, with the
// local parser as fallback.
//
// New builds, for each domain (one per language), a system prompt listing
// the intents with their descriptions and a few examples and the slots with
// their types, values, spoken forms and normalization; and a function
// "classify" whose JSON Schema limits the intent to the domain's (plus
// "none") and the slots to the domain's. Each Parse sends the utterance
// (with the slots the dialogue expects and the intents it allows) and asks
// for a classify call (Config.Mode "tool") or a JSON object (mode "json"),
// within Config.Timeout.
//
// The local parser always runs first: it is fast, and its result is both
// the fallback (on a model error, timeout or invalid answer; Source
// "local") and a source of slot values. When the model answers (Source
// "llm"), an intent outside the domain or ParseOptions.Intents becomes
// nlu.NoIntent, as does one below Config.MinConfidence. Slots are merged
// per slot of the chosen intent and the expected slots: digits, money and
// email slots take the local parser's value when it has one (reading
// spoken numbers is exact there, and a model may drop a digit), else the
// model's normalized value; enum and text slots take the model's
// normalized value (an enum value must be one of the slot's values or
// synonyms), else the local parser's. Values that do not fit their slot
// are dropped. Entities are the local parser's.
package llmnlu
