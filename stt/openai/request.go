package openai

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/parley-voice/parley/pipeline/audio"
)

const (
	// minAudio is the shortest utterance worth sending: OpenAI rejects
	// files under 0.1 s, and no word is that short.
	minAudio = 100 * time.Millisecond
	// maxUpload is the endpoint's file size limit (25 MB), about 13
	// minutes of 16 kHz audio.
	maxUpload = 25_000_000
	// grammarPhrases bounds the sentences of a grammar used as hints.
	grammarPhrases = 20
	// fileName names the upload; its extension tells the server the
	// container.
	fileName = "utterance.wav"
)

// Response formats, from the richest down; a Transcriber moves down when
// the server rejects one and stays there.
const (
	// formatWords is verbose_json with word timestamps.
	formatWords int32 = iota
	// formatSegments is verbose_json without timestamp_granularities, for
	// servers that reject that field.
	formatSegments
	// formatJSON is plain json: text only.
	formatJSON
)

// formatName names a response format level in logs.
func formatName(level int32) string {
	switch level {
	case formatWords:
		return "verbose_json with word timestamps"
	case formatSegments:
		return "verbose_json"
	default:
		return "json"
	}
}

// applyFormat sets the response format fields of req for level.
func applyFormat(req *goopenai.AudioRequest, level int32) {
	req.TimestampGranularities = nil
	switch level {
	case formatWords:
		req.Format = goopenai.AudioResponseFormatVerboseJSON
		req.TimestampGranularities = []goopenai.TranscriptionTimestampGranularity{
			goopenai.TranscriptionTimestampGranularityWord,
			goopenai.TranscriptionTimestampGranularitySegment,
		}
	case formatSegments:
		req.Format = goopenai.AudioResponseFormatVerboseJSON
	default:
		req.Format = goopenai.AudioResponseFormatJSON
	}
}

// fallbackLevel returns the format level to retry with when e rejects a
// response format or timestamp granularity the request asked for, or -1.
// Servers word this differently (OpenAI's 400 names the param, FastAPI
// servers answer 422 with the field's location), so the param and the
// message are both searched.
func fallbackLevel(e *APIError) int32 {
	if e.StatusCode != http.StatusBadRequest && e.StatusCode != http.StatusUnprocessableEntity {
		return -1
	}
	switch {
	case mentions(e, "response_format"), mentions(e, "verbose_json"), mentions(e, "response format"):
		return formatJSON
	case mentions(e, "timestamp_granularit"), mentions(e, "timestamp granularit"):
		return formatSegments
	}
	return -1
}

// encodeWAV returns f as a 16-bit PCM mono WAV file.
func encodeWAV(f audio.Frame) ([]byte, error) {
	size := 44 + 2*len(f.Samples)
	if size > maxUpload {
		return nil, fmt.Errorf("%w: %v of audio makes a %d-byte file, over the endpoint's %d-byte limit: segment the speech into shorter utterances",
			ErrAudio, f.Duration(), size, maxUpload)
	}
	var b bytes.Buffer
	b.Grow(size)
	if err := audio.WriteWAV(&b, f.Rate, 1, f.Samples); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAudio, err)
	}
	return b.Bytes(), nil
}

// buildPrompt joins base and the hint phrases (explicit phrases first) into
// a prompt of at most limit bytes: base cut at a word boundary if it alone
// is too long, then as many whole phrases as fit, separated by ", ", without
// empty or repeated (case-insensitively) phrases.
func buildPrompt(base string, limit int, phrases ...[]string) string {
	var b strings.Builder
	b.WriteString(cutAtWord(strings.TrimSpace(base), limit))
	seen := map[string]bool{}
	for _, list := range phrases {
		for _, p := range list {
			p = strings.Join(strings.Fields(p), " ")
			key := strings.ToLower(p)
			if p == "" || seen[key] {
				continue
			}
			seen[key] = true
			sep := ", "
			if b.Len() == 0 {
				sep = ""
			} else if strings.HasSuffix(b.String(), ".") {
				sep = " "
			}
			if b.Len()+len(sep)+len(p) > limit {
				continue
			}
			b.WriteString(sep)
			b.WriteString(p)
		}
	}
	return b.String()
}

// cutAtWord returns s cut to at most limit bytes, at the last space that
// fits when it must be cut, and at a rune boundary in any case.
func cutAtWord(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if i := strings.LastIndexByte(s[:cut], ' '); i > 0 {
		cut = i
	}
	return strings.TrimSpace(s[:cut])
}
