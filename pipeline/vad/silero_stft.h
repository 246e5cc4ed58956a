// The short-time Fourier transform at the input of Silero VAD v5 (16 kHz):
// a window of 576 samples (64 of context, then 512 new ones), reflection
// padded by 64 samples on the right, cut into 4 frames of 256 samples every
// 128, each Hann-windowed, transformed, and reduced to the magnitudes of its
// 129 one-sided bins. The published model computes it as a matrix product
// with a basis of windowed cosines and sines; a 256-point FFT gives the same
// result for a fraction of the arithmetic.

#ifndef PARLEY_SILERO_STFT_H
#define PARLEY_SILERO_STFT_H

enum {
	PARLEY_STFT_INPUT = 576,  // samples per row
	PARLEY_STFT_PAD = 64,     // reflection padding on the right
	PARLEY_STFT_N = 256,      // frame length and FFT size
	PARLEY_STFT_HOP = 128,    // frame step
	PARLEY_STFT_FRAMES = 4,   // (576 + 64 - 256) / 128 + 1
	PARLEY_STFT_BINS = 129,   // one-sided bins
	PARLEY_STFT_HALF = PARLEY_STFT_N / 2,
};

// parley_stft holds the tables of the transform. It is read-only once
// initialised, so any number of threads may use one at the same time.
typedef struct {
	float window[PARLEY_STFT_N];                                    // periodic Hann
	float tw_re[PARLEY_STFT_HALF / 2], tw_im[PARLEY_STFT_HALF / 2]; // e^{-2πik/128}
	float sp_re[PARLEY_STFT_HALF + 1], sp_im[PARLEY_STFT_HALF + 1]; // e^{-2πik/256}
	unsigned char bitrev[PARLEY_STFT_HALF];
} parley_stft;

// parley_stft_init fills the tables.
void parley_stft_init(parley_stft *s);

// parley_stft_magnitudes writes the magnitudes of the 4 frames of one row x
// (PARLEY_STFT_INPUT samples) into mag, frame after frame
// (PARLEY_STFT_FRAMES × PARLEY_STFT_BINS values).
void parley_stft_magnitudes(const parley_stft *s, const float *x, float *mag);

#endif
