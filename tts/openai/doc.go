// Package openai synthesizes speech with any OpenAI-compatible speech
// endpoint (POST {base_url}/audio/speech): OpenAI's tts-1, tts-1-hd and
// gpt-4o-mini-tts, or a server of your own that speaks the same API.
//
// Synthesizer implements pipeline.Synthesizer. It streams: the answer is
// raw 16-bit PCM read 20 to 40 ms at a time, resampled to the call's rate
// and handed to the session while the server is still synthesizing, so the
// caller hears the first words of a sentence after the server's first-byte
// latency rather than after the whole sentence. Barge-in cancels the turn's
// context, which closes the answer at once.
//
// # Configuration
//
// Config is the `tts.openai:` section of the server configuration. The API
// key and base URL may come from OPENAI_API_KEY and OPENAI_BASE_URL
// (Config.FromEnv); a key is required only for api.openai.com:
//
//	tts:
//	  openai:
//	    model: tts-1
//	    voice: alloy
//	    speed: 1.0
//	    timeout: 5s   # first audio, and any stall after it
//	    retries: 2
//
// # What the caller heard
//
// The endpoint gives no word timings, so the text range of each chunk is
// estimated from a speaking rate (Config.SpeakingRate characters per
// second, scaled by Config.Speed), snapped to word boundaries, never going
// backwards, with the last chunk closing the range to the end of the text.
// It is an estimate: after a barge-in the session may count a word more or
// less than the caller heard.
//
// # Failures
//
// Timeouts, network errors, HTTP 408, 409, 429 and 5xx are retried with
// exponential backoff and jitter, honouring the server's Retry-After, but
// only before the first chunk was handed on; after that an error wrapping
// ErrStream is returned and a fallback chain above may take over. Errors
// wrap the sentinels of errors.go, which say what to change, and the
// server's answers are *APIError values with its status and message.
package openai
