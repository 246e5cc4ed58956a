// Package openai recognises speech with any OpenAI-compatible transcription
// endpoint (POST {base_url}/audio/transcriptions): OpenAI's whisper-1 and
// gpt-4o-transcribe models, or a Whisper server of your own such as
// faster-whisper-server, whisper.cpp's server or LocalAI.
//
// Transcriber implements stt.Transcriber: it recognises one utterance at a
// time, so it enters a call through stt.NewUtteranceRecognizer, which
// segments the caller's speech with the session's voice activity.
//
// # Configuration
//
// Config is the `stt.openai:` section of the server configuration. The API
// key and base URL may come from OPENAI_API_KEY and OPENAI_BASE_URL
// (Config.FromEnv); a key is required only for api.openai.com:
//
//	stt:
//	  openai:
//	    base_url: http://localhost:8000/v1   # a local Whisper server
//	    model: Systran/faster-whisper-small
//	    language: en
//	    timeout: 10s
//	    retries: 2
//
// # Failures
//
// Each attempt has its own timeout; timeouts, network errors, HTTP 408,
// 409, 429 and 5xx are retried with exponential backoff and jitter,
// honouring the server's Retry-After; HTTP 400, 401, 403 and 404 are not.
// Errors wrap the sentinels of errors.go, which say what to change, and the
// server's answers are *APIError values with its status and message.
package openai
