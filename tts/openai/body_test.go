package openai

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestOpenAudio(t *testing.T) {
	pcm := []byte{1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0}
	ext := wavHeader(16000, 1, uint32(len(pcm)))
	// WAVE_FORMAT_EXTENSIBLE: fmt chunk of 40 bytes, tag 0xFFFE, PCM sub-format.
	extFmt := make([]byte, 0, 68)
	extFmt = append(extFmt, ext[:16]...)
	extFmt = binary.LittleEndian.AppendUint32(extFmt, 40)
	extFmt = append(extFmt, ext[20:36]...)
	extFmt = append(extFmt, 22, 0, 16, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71)
	binary.LittleEndian.PutUint16(extFmt[20:], 0xFFFE)
	extFmt = append(extFmt, ext[36:]...)
	cases := []struct {
		desc     string
		ct       string
		body     []byte
		wantRate int
		wantPCM  []byte
		wantErr  error
	}{
		{desc: "raw PCM at the configured rate", ct: "audio/pcm", body: pcm, wantRate: 24000, wantPCM: pcm},
		{desc: "no content type is raw PCM", body: pcm, wantRate: 24000, wantPCM: pcm},
		{desc: "a WAV of known size stops at its data", ct: "audio/wav", body: append(append(wavHeader(16000, 1, 4), pcm...), 9, 9), wantRate: 16000, wantPCM: pcm[:4]},
		{desc: "WAVE_FORMAT_EXTENSIBLE", ct: "audio/wav", body: append(extFmt, pcm...), wantRate: 16000, wantPCM: pcm},
		{desc: "8-bit WAV", ct: "audio/wav", body: func() []byte { h := wavHeader(8000, 1, 4); h[34] = 8; return h }(), wantErr: ErrFormat},
		{desc: "data before fmt", ct: "audio/wav", body: []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00"), wantErr: ErrFormat},
		{desc: "a WAV header cut short", ct: "audio/wav", body: wavHeader(16000, 1, 4)[:30], wantErr: ErrFormat},
		{desc: "a huge fmt chunk", ct: "audio/wav", body: []byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\x00\x00"), wantErr: ErrFormat},
		{desc: "RIFF that is not WAVE", ct: "audio/wav", body: []byte("RIFF\x00\x00\x00\x00AVI LIST"), wantErr: ErrFormat},
		{desc: "text", ct: "text/html", body: []byte("<html>busy</html>"), wantErr: ErrResponse},
		{desc: "FLAC by magic", ct: "application/octet-stream", body: []byte("fLaC\x00\x00\x00\x22"), wantErr: ErrFormat},
		{desc: "empty", ct: "audio/pcm", wantErr: ErrResponse},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			h := http.Header{}
			if tc.ct != "" {
				h.Set("Content-Type", tc.ct)
			}
			src, rate, err := openAudio(h, bufio.NewReader(bytes.NewReader(tc.body)), 24000)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			got, err := io.ReadAll(src)
			if err != nil || rate != tc.wantRate || !bytes.Equal(got, tc.wantPCM) {
				t.Errorf("got %v at %d Hz (%v), want %v at %d Hz", got, rate, err, tc.wantPCM, tc.wantRate)
			}
		})
	}
}
