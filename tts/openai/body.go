package openai

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

const (
	// maxWAVHeader bounds the bytes read before a WAV file's data chunk.
	maxWAVHeader = 64 << 10
	// wavUnknownSize marks a data chunk of unknown length, as streaming
	// writers leave it.
	wavUnknownSize = 0xFFFFFFFF
)

// openAudio inspects an answer's Content-Type and first bytes and returns
// the reader of its raw little-endian PCM16 mono samples and their rate:
// the body itself for raw PCM (at pcmRate), or the data chunk of a WAV
// file. Compressed audio fails with ErrFormat; JSON, text or an empty body
// with ErrResponse. br must wrap the body.
func openAudio(h http.Header, br *bufio.Reader, pcmRate int) (io.Reader, int, error) {
	ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	head, err := br.Peek(12)
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return nil, 0, fmt.Errorf("%w: the body is empty", ErrResponse)
		}
		return nil, 0, err
	}
	switch {
	case ct == "application/json" || strings.HasPrefix(ct, "text/"):
		body, _ := br.Peek(min(br.Buffered(), 300))
		return nil, 0, fmt.Errorf("%w: got %s: %s", ErrResponse, ct, excerpt(body))
	case bytes.HasPrefix(head, []byte("RIFF")) || ct == "audio/wav" || ct == "audio/x-wav" || ct == "audio/wave" || ct == "audio/vnd.wave":
		return readWAVHeader(br)
	case isCompressed(ct, head):
		return nil, 0, fmt.Errorf("%w: got %q", ErrFormat, ct)
	}
	return br, pcmRate, nil
}

// isCompressed reports a compressed audio answer by its media type, or by
// its magic bytes when the type says nothing (empty or octet-stream).
func isCompressed(ct string, head []byte) bool {
	switch ct {
	case "audio/mpeg", "audio/mp3", "audio/ogg", "audio/opus", "audio/aac", "audio/flac",
		"audio/x-flac", "audio/webm", "audio/mp4":
		return true
	case "", "application/octet-stream":
		for _, magic := range []string{"ID3", "OggS", "fLaC"} {
			if bytes.HasPrefix(head, []byte(magic)) {
				return true
			}
		}
	}
	return false
}

// readWAVHeader reads a RIFF/WAVE header up to the data chunk and returns
// the reader of the chunk's samples and their rate. Only 16-bit PCM mono
// (plain or WAVE_FORMAT_EXTENSIBLE) is accepted; a data chunk of unknown
// size (0 or 0xFFFFFFFF, as streaming servers write) runs to the end of the
// body.
func readWAVHeader(r io.Reader) (io.Reader, int, error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return nil, 0, fmt.Errorf("%w: WAV header cut short: %w", ErrFormat, err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("%w: a WAV answer without a RIFF/WAVE header", ErrFormat)
	}
	rate, read := 0, 12
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, 0, fmt.Errorf("%w: WAV header cut short: %w", ErrFormat, err)
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		read += 8
		switch {
		case id == "data" && rate == 0:
			return nil, 0, fmt.Errorf("%w: WAV data before its fmt chunk", ErrFormat)
		case id == "data" && (size == 0 || size == wavUnknownSize):
			return r, rate, nil
		case id == "data":
			return io.LimitReader(r, int64(size)), rate, nil
		case id == "fmt ":
			var err error
			if rate, err = readWAVFormat(r, size); err != nil {
				return nil, 0, err
			}
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size&1)); err != nil {
				return nil, 0, fmt.Errorf("%w: WAV chunk %q cut short: %w", ErrFormat, id, err)
			}
		}
		read += int(size)
		if read > maxWAVHeader {
			return nil, 0, fmt.Errorf("%w: no WAV data chunk in the first %d bytes", ErrFormat, maxWAVHeader)
		}
	}
}

// readWAVFormat reads a fmt chunk of size bytes and returns the sample rate
// of 16-bit PCM mono audio.
func readWAVFormat(r io.Reader, size uint32) (int, error) {
	if size < 16 || size > 64 {
		return 0, fmt.Errorf("%w: WAV fmt chunk of %d bytes", ErrFormat, size)
	}
	var b [64]byte
	n := int(size + size&1)
	if _, err := io.ReadFull(r, b[:n]); err != nil {
		return 0, fmt.Errorf("%w: WAV fmt chunk cut short: %w", ErrFormat, err)
	}
	le := binary.LittleEndian
	tag, channels, rate, bits := le.Uint16(b[0:]), le.Uint16(b[2:]), le.Uint32(b[4:]), le.Uint16(b[14:])
	if tag == 0xFFFE && size >= 26 {
		tag = le.Uint16(b[24:]) // the sub-format GUID starts with the format tag
	}
	if tag != 1 || channels != 1 || bits != 16 {
		return 0, fmt.Errorf("%w: WAV of format %d, %d channels, %d bits", ErrFormat, tag, channels, bits)
	}
	if rate < 1000 || rate > 384000 {
		return 0, fmt.Errorf("%w: WAV at %d Hz", ErrFormat, rate)
	}
	return int(rate), nil
}
