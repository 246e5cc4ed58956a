package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// DefaultMaxWAVBytes is the default limit on the audio data ReadWAV
// accepts: 1 GiB, over 9 hours of 16 kHz mono PCM16.
const DefaultMaxWAVBytes = 1 << 30

// WAV reading limits.
const (
	// maxWAVChannels is the most channels ReadWAV accepts.
	maxWAVChannels = 8
	// maxFmtChunk bounds the fmt chunk (40 bytes for the extensible form).
	maxFmtChunk = 1024
	// wavReadBlock is how many bytes ReadWAV decodes per step.
	wavReadBlock = 32 << 10
	// wavPrealloc caps the samples ReadWAV allocates up front from a
	// declared data size, so that a lying header cannot make it allocate;
	// beyond it the buffer grows with the data actually read.
	wavPrealloc = 64 << 10
	// wavSizeUnknown is the chunk size streaming writers leave in a header
	// they cannot patch.
	wavSizeUnknown = 0xFFFFFFFF
)

// WAV format tags (Microsoft mmreg.h).
const (
	wavFormatPCM        = 0x0001
	wavFormatFloat      = 0x0003
	wavFormatALaw       = 0x0006
	wavFormatULaw       = 0x0007
	wavFormatExtensible = 0xFFFE
)

// wavSubformatSuffix is the fixed tail of the KSDATAFORMAT_SUBTYPE GUIDs
// whose first two bytes are a format tag.
const wavSubformatSuffix = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71"

// WAVEncoding is how samples are stored in a WAV file.
type WAVEncoding int

const (
	// WAVPCM16 is signed 16-bit little-endian linear PCM.
	WAVPCM16 WAVEncoding = iota + 1
	// WAVPCM8 is unsigned 8-bit linear PCM (128 is silence).
	WAVPCM8
	// WAVULaw is G.711 mu-law, one byte per sample (format tag 7).
	WAVULaw
	// WAVALaw is G.711 A-law, one byte per sample (format tag 6).
	WAVALaw
)

// String returns a short name such as "pcm16" or "mulaw".
func (e WAVEncoding) String() string {
	switch e {
	case WAVPCM16:
		return "pcm16"
	case WAVPCM8:
		return "pcm8"
	case WAVULaw:
		return "mulaw"
	case WAVALaw:
		return "alaw"
	}
	return fmt.Sprintf("WAVEncoding(%d)", int(e))
}

// WAV is the decoded audio of a WAV file.
type WAV struct {
	// Rate is the sample rate in Hz, as declared by the file: it may be a
	// rate the pipeline does not run at (44100, 22050, 11025...), so
	// convert with Resample when needed.
	Rate int
	// Channels is the number of interleaved channels (1..8).
	Channels int
	// Samples holds the audio as signed 16-bit PCM, channels interleaved
	// (left, right, left, ... for stereo). G.711 and 8-bit files are
	// decoded to it.
	Samples []int16
	// Encoding is how the file stored the samples.
	Encoding WAVEncoding
	// Truncated reports that the data chunk ended before its declared size
	// (a recording cut short by a crash or a partial download). ReadWAV
	// returns the whole sample frames that were present.
	Truncated bool
}

// Frames returns the number of sample frames (samples per channel).
func (w *WAV) Frames() int {
	if w.Channels <= 0 {
		return 0
	}
	return len(w.Samples) / w.Channels
}

// Duration returns how long the audio lasts.
func (w *WAV) Duration() time.Duration {
	if w.Rate <= 0 {
		return 0
	}
	return time.Duration(w.Frames()) * time.Second / time.Duration(w.Rate)
}

// Channel appends the samples of channel ch (0 is the first, the left of a
// stereo pair) to dst and returns the extended slice.
func (w *WAV) Channel(dst []int16, ch int) ([]int16, error) {
	if ch < 0 || ch >= w.Channels {
		return dst, fmt.Errorf("%w: channel %d of a %d-channel file", ErrBadFrame, ch, w.Channels)
	}
	for i := ch; i < len(w.Samples); i += w.Channels {
		dst = append(dst, w.Samples[i])
	}
	return dst, nil
}

// Mono appends the average of all channels to dst and returns the extended
// slice (a copy of the samples for a mono file).
func (w *WAV) Mono(dst []int16) []int16 {
	if w.Channels <= 1 {
		return append(dst, w.Samples...)
	}
	for i := 0; i+w.Channels <= len(w.Samples); i += w.Channels {
		sum := 0
		for _, s := range w.Samples[i : i+w.Channels] {
			sum += int(s)
		}
		dst = append(dst, int16(sum/w.Channels))
	}
	return dst
}

// wavReadConfig holds the options of ReadWAV.
type wavReadConfig struct {
	maxBytes int64
}

// WAVReadOption configures ReadWAV.
type WAVReadOption func(*wavReadConfig) error

// WithMaxWAVBytes limits the audio data ReadWAV accepts to n bytes (as
// stored in the file; default DefaultMaxWAVBytes). Larger files fail with
// ErrWAVTooLarge before their audio is read.
func WithMaxWAVBytes(n int64) WAVReadOption {
	return func(c *wavReadConfig) error {
		if n <= 0 {
			return fmt.Errorf("%w: WithMaxWAVBytes(%d): want a positive byte count", ErrInvalidOption, n)
		}
		c.maxBytes = n
		return nil
	}
}

// wavFormat is a parsed fmt chunk.
type wavFormat struct {
	enc        WAVEncoding
	channels   int
	rate       int
	blockAlign int
}

// ReadWAVFile reads the WAV file at path; see ReadWAV.
func ReadWAVFile(path string, opts ...WAVReadOption) (*WAV, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w, err := ReadWAV(f, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// ReadWAV reads a RIFF/WAVE (or RF64) file and decodes its audio to PCM16.
//
// Accepted: PCM 16-bit signed and 8-bit unsigned, G.711 mu-law (format 7)
// and A-law (format 6), in the plain or WAVE_FORMAT_EXTENSIBLE form, 1 to 8
// channels, 1 kHz to 384 kHz. Unknown chunks (LIST, fact, cue...) are
// skipped, odd-sized chunks are padded, and a data chunk of unknown size
// (0xFFFFFFFF, or 0 in an unpatched header, as streaming writers and
// WAVWriter before Close leave it) is read to the end of input, all of
// which is taken as audio.
// A data chunk that ends early is returned with Truncated set. Anything else
// fails with ErrMalformedWAV or ErrUnsupportedWAV and a message that says
// how to convert the file. ReadWAV never panics, and it allocates in
// proportion to the audio actually present, up to WithMaxWAVBytes.
func ReadWAV(r io.Reader, opts ...WAVReadOption) (*WAV, error) {
	cfg := wavReadConfig{maxBytes: DefaultMaxWAVBytes}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	br := bufio.NewReaderSize(r, 4096)
	rf64, riffUnknown, err := readRIFFHeader(br)
	if err != nil {
		return nil, err
	}
	var (
		format   *wavFormat
		ds64Data int64 = -1
		first          = true
	)
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if format == nil {
				return nil, fmt.Errorf("%w: no fmt chunk before the end of the file", ErrMalformedWAV)
			}
			return nil, fmt.Errorf("%w: no data chunk before the end of the file", ErrMalformedWAV)
		}
		id, size := string(hdr[:4]), binary.LittleEndian.Uint32(hdr[4:])
		switch {
		case id == "ds64" && rf64 && first:
			if ds64Data, err = readDS64(br, size); err != nil {
				return nil, err
			}
		case id == "fmt ":
			if format != nil {
				return nil, fmt.Errorf("%w: more than one fmt chunk", ErrMalformedWAV)
			}
			if format, err = readFmt(br, size); err != nil {
				return nil, err
			}
		case id == "data":
			if format == nil {
				return nil, fmt.Errorf("%w: data chunk before the fmt chunk", ErrMalformedWAV)
			}
			dataSize := int64(size)
			switch {
			case rf64 && size == wavSizeUnknown && ds64Data >= 0:
				dataSize = ds64Data
			case size == wavSizeUnknown, size == 0 && riffUnknown:
				dataSize = -1
			}
			return readData(br, format, dataSize, cfg.maxBytes)
		default:
			if err := skipChunk(br, id, size); err != nil {
				return nil, err
			}
		}
		first = false
	}
}

// readRIFFHeader checks the 12-byte RIFF header. It reports whether the file
// is RF64 and whether the RIFF size was left unpatched.
func readRIFFHeader(br *bufio.Reader) (rf64, unknownSize bool, err error) {
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return false, false, fmt.Errorf("%w: file is shorter than a RIFF header (12 bytes)", ErrMalformedWAV)
	}
	switch string(hdr[:4]) {
	case "RIFF":
	case "RF64", "BW64":
		rf64 = true
	case "RIFX":
		return false, false, fmt.Errorf("%w: big-endian RIFX files are not supported; convert to a little-endian WAV (sox in.wav -L out.wav)", ErrUnsupportedWAV)
	default:
		return false, false, fmt.Errorf("%w: not a WAV file (starts with %q, want \"RIFF\")", ErrMalformedWAV, hdr[:4])
	}
	if string(hdr[8:12]) != "WAVE" {
		return false, false, fmt.Errorf("%w: RIFF file of type %q, want \"WAVE\"", ErrMalformedWAV, hdr[8:12])
	}
	size := binary.LittleEndian.Uint32(hdr[4:8])
	return rf64, size == 0 || size == wavSizeUnknown, nil
}

// readDS64 parses an RF64 ds64 chunk and returns the 64-bit data size.
func readDS64(br *bufio.Reader, size uint32) (int64, error) {
	if size < 24 || size > maxFmtChunk {
		return 0, fmt.Errorf("%w: ds64 chunk of %d bytes (want 24..%d)", ErrMalformedWAV, size, maxFmtChunk)
	}
	buf := make([]byte, size+size&1)
	if _, err := io.ReadFull(br, buf); err != nil {
		return 0, fmt.Errorf("%w: ds64 chunk cut short", ErrMalformedWAV)
	}
	data := binary.LittleEndian.Uint64(buf[8:16])
	if data > 1<<62 {
		return 0, fmt.Errorf("%w: ds64 data size %d is impossible", ErrMalformedWAV, data)
	}
	return int64(data), nil
}

// skipChunk discards a chunk the reader does not need, with its pad byte.
func skipChunk(br *bufio.Reader, id string, size uint32) error {
	n := int64(size) + int64(size&1)
	if _, err := io.CopyN(io.Discard, br, n); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: %q chunk of %d bytes runs past the end of the file, and no data chunk was found", ErrMalformedWAV, id, size)
		}
		return fmt.Errorf("wav: reading %q chunk: %w", id, err)
	}
	return nil
}

// readFmt parses and validates a fmt chunk.
func readFmt(br *bufio.Reader, size uint32) (*wavFormat, error) {
	if size < 16 || size > maxFmtChunk {
		return nil, fmt.Errorf("%w: fmt chunk of %d bytes (want 16..%d)", ErrMalformedWAV, size, maxFmtChunk)
	}
	buf := make([]byte, size+size&1)
	if _, err := io.ReadFull(br, buf); err != nil {
		return nil, fmt.Errorf("%w: fmt chunk cut short", ErrMalformedWAV)
	}
	le := binary.LittleEndian
	tag := le.Uint16(buf[0:])
	f := &wavFormat{channels: int(le.Uint16(buf[2:])), rate: int(le.Uint32(buf[4:])), blockAlign: int(le.Uint16(buf[12:]))}
	bits := int(le.Uint16(buf[14:]))
	if tag == wavFormatExtensible {
		if size < 40 || le.Uint16(buf[16:]) < 22 {
			return nil, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes is too short for its subformat (want 40)", ErrMalformedWAV, size)
		}
		if valid := int(le.Uint16(buf[18:])); valid > bits {
			return nil, fmt.Errorf("%w: %d valid bits in %d-bit samples", ErrMalformedWAV, valid, bits)
		}
		if string(buf[26:40]) != wavSubformatSuffix {
			return nil, fmt.Errorf("%w: WAVE_FORMAT_EXTENSIBLE with an unknown subformat GUID; accepted: PCM, mu-law, A-law; convert with sox in.wav -e signed-integer -b 16 out.wav", ErrUnsupportedWAV)
		}
		tag = le.Uint16(buf[24:])
	}
	if err := f.setEncoding(tag, bits); err != nil {
		return nil, err
	}
	return f, f.validate(bits)
}

// setEncoding maps a format tag and sample size to an encoding.
func (f *wavFormat) setEncoding(tag uint16, bits int) error {
	const convert = "convert to 16-bit PCM (sox in.wav -e signed-integer -b 16 out.wav)"
	switch {
	case tag == wavFormatPCM && bits == 16:
		f.enc = WAVPCM16
	case tag == wavFormatPCM && bits == 8:
		f.enc = WAVPCM8
	case tag == wavFormatPCM && (bits == 24 || bits == 32):
		return fmt.Errorf("%w: %d-bit PCM samples are not supported; %s", ErrUnsupportedWAV, bits, convert)
	case tag == wavFormatPCM:
		return fmt.Errorf("%w: %d-bit PCM samples; accepted: 8 or 16 bits", ErrMalformedWAV, bits)
	case tag == wavFormatFloat:
		return fmt.Errorf("%w: %d-bit float samples are not supported; %s", ErrUnsupportedWAV, bits, convert)
	case (tag == wavFormatULaw || tag == wavFormatALaw) && bits != 8:
		return fmt.Errorf("%w: G.711 with %d bits per sample (want 8)", ErrMalformedWAV, bits)
	case tag == wavFormatULaw:
		f.enc = WAVULaw
	case tag == wavFormatALaw:
		f.enc = WAVALaw
	default:
		return fmt.Errorf("%w: format tag 0x%04x (%s) is not supported; accepted: 8/16-bit PCM, G.711 mu-law or A-law; %s", ErrUnsupportedWAV, tag, wavTagName(tag), convert)
	}
	return nil
}

// validate checks the channel count, rate and block alignment.
func (f *wavFormat) validate(bits int) error {
	switch {
	case f.channels == 0:
		return fmt.Errorf("%w: zero channels", ErrMalformedWAV)
	case f.channels > maxWAVChannels:
		return fmt.Errorf("%w: %d channels (accepted: 1..%d); mix down with sox in.wav -c 1 out.wav", ErrUnsupportedWAV, f.channels, maxWAVChannels)
	case f.rate == 0:
		return fmt.Errorf("%w: sample rate 0", ErrMalformedWAV)
	case f.rate < minResampleRate || f.rate > maxResampleRate:
		return fmt.Errorf("%w: sample rate %d Hz (accepted: %d..%d Hz); resample with sox in.wav -r 16000 out.wav", ErrUnsupportedWAV, f.rate, minResampleRate, maxResampleRate)
	case f.blockAlign != f.channels*bits/8:
		return fmt.Errorf("%w: block align %d does not match %d channels of %d bits", ErrMalformedWAV, f.blockAlign, f.channels, bits)
	}
	return nil
}

// wavTagName names common format tags for error messages.
func wavTagName(tag uint16) string {
	switch tag {
	case 0x0002:
		return "MS ADPCM"
	case 0x0011:
		return "IMA ADPCM"
	case 0x0031:
		return "GSM 6.10"
	case 0x0055:
		return "MP3"
	case 0x0064, 0x0065:
		return "G.726 ADPCM"
	case 0x00A3:
		return "G.722"
	}
	return "unknown"
}

// readData decodes a data chunk of size bytes (-1: up to the end of input).
func readData(br *bufio.Reader, f *wavFormat, size, limit int64) (*WAV, error) {
	if size > limit {
		return nil, fmt.Errorf("%w: data chunk of %d bytes is over the %d-byte limit; raise it with WithMaxWAVBytes or split the file (sox in.wav out.wav trim 0 3600 : newfile : restart)", ErrWAVTooLarge, size, limit)
	}
	bytesPerSample := f.blockAlign / f.channels
	w := &WAV{Rate: f.rate, Channels: f.channels, Encoding: f.enc}
	if size > 0 {
		w.Samples = make([]int16, 0, min(size/int64(bytesPerSample), wavPrealloc))
	}
	buf := make([]byte, wavReadBlock)
	var read int64
	carry := 0
	for size < 0 || read < size {
		want := int64(len(buf) - carry)
		if size >= 0 {
			want = min(want, size-read)
		}
		n, err := io.ReadFull(br, buf[carry:carry+int(want)])
		read += int64(n)
		if size < 0 && read > limit {
			return nil, fmt.Errorf("%w: data is over the %d-byte limit; raise it with WithMaxWAVBytes or split the file", ErrWAVTooLarge, limit)
		}
		avail := carry + n
		whole := avail - avail%f.blockAlign
		w.Samples = decodeWAVSamples(w.Samples, buf[:whole], f.enc)
		carry = copy(buf, buf[whole:avail])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			w.Truncated = size >= 0
			break
		}
		if err != nil {
			return nil, fmt.Errorf("wav: reading data: %w", err)
		}
	}
	return w, nil
}

// decodeWAVSamples appends the PCM16 decoding of whole samples in b.
func decodeWAVSamples(dst []int16, b []byte, enc WAVEncoding) []int16 {
	switch enc {
	case WAVPCM16:
		for i := 0; i+1 < len(b); i += 2 {
			dst = append(dst, int16(binary.LittleEndian.Uint16(b[i:])))
		}
	case WAVPCM8:
		for _, v := range b {
			dst = append(dst, (int16(v)-128)<<8)
		}
	case WAVULaw:
		dst = DecodeULaw(dst, b)
	case WAVALaw:
		dst = DecodeALaw(dst, b)
	}
	return dst
}
