// Package audio is Parley's audio toolkit: PCM16 frames with an explicit
// sample rate, band-limited resampling, G.711 and Opus codecs, WAV files, an
// RTP jitter buffer and a real-time pacer shared by many calls.
//
// # Frames and buffers
//
// Audio moves as [Frame] values: 20 ms ([FrameDuration]) of mono signed 16-bit
// PCM at an explicit rate. The inside of a call runs at [PipelineRate]
// (16 kHz); transports convert at their edge.
//
// Everything on a per-frame path here is written to run without allocating in
// steady state. Slice functions follow the append convention of strconv's
// AppendXxx: they append their output to dst and return the extended slice,
// so a caller that passes buf[:0] with enough capacity never allocates.
// Types that need scratch space (Resampler, OpusEncoder, OpusDecoder,
// JitterBuffer) keep it between calls.
//
// # Pieces
//
//   - [Resampler] converts between sample rates with a polyphase windowed-sinc
//     (Kaiser) low-pass filter, streaming across frame boundaries; [Resample]
//     converts a whole buffer.
//   - [EncodeULaw], [DecodeULaw], [EncodeALaw] and [DecodeALaw] implement
//     ITU-T G.711 bit-exactly.
//   - [OpusEncoder] and [OpusDecoder] wrap libopus for 20 ms mono frames,
//     with in-band FEC and packet loss concealment.
//   - [ReadWAV], [WriteWAV] and [WAVWriter] read and write RIFF/WAVE files,
//     including call recordings written while the call runs.
//   - [JitterBuffer] reorders RTP packets, conceals losses and adapts its
//     depth to the network (RFC 3550 interarrival jitter).
//   - [Pacer] drives the 20 ms send clock of many calls from one ticker and a
//     few worker goroutines.
//
// # Concurrency
//
// Codecs, resamplers and WAV readers and writers hold per-stream state and
// are not safe for concurrent use. JitterBuffer accepts Push from one
// goroutine concurrently with Pop from another. Pacer is safe for concurrent
// use by any number of goroutines.
package audio
