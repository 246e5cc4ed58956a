#include "silero_stft.h"

#include <math.h>

// The 4 frames of a row are transformed together, one per lane of a
// 4-float vector (GCC and Clang vector extensions: SSE on x86-64, NEON on
// arm64), so every butterfly serves all of them.
typedef float v4 __attribute__((vector_size(4 * sizeof(float))));

void parley_stft_init(parley_stft *s) {
	const double pi = 3.14159265358979323846;
	for (int n = 0; n < PARLEY_STFT_N; n++) {
		s->window[n] = (float)(0.5 - 0.5 * cos(2 * pi * n / PARLEY_STFT_N));
	}
	for (int k = 0; k < PARLEY_STFT_HALF / 2; k++) {
		s->tw_re[k] = (float)cos(-2 * pi * k / PARLEY_STFT_HALF);
		s->tw_im[k] = (float)sin(-2 * pi * k / PARLEY_STFT_HALF);
	}
	for (int k = 0; k <= PARLEY_STFT_HALF; k++) {
		s->sp_re[k] = (float)cos(-2 * pi * k / PARLEY_STFT_N);
		s->sp_im[k] = (float)sin(-2 * pi * k / PARLEY_STFT_N);
	}
	for (int i = 0; i < PARLEY_STFT_HALF; i++) {
		int r = 0;
		for (int b = 0; b < 7; b++) {
			if (i & (1 << b)) r |= 1 << (6 - b);
		}
		s->bitrev[i] = (unsigned char)r;
	}
}

// sample returns padded sample p of row x: the row, then its mirror image
// around its last sample (reflection padding without repeating the edge).
static inline float sample(const float *x, int p) {
	return p < PARLEY_STFT_INPUT ? x[p] : x[2 * (PARLEY_STFT_INPUT - 1) - p];
}

static inline v4 splat(float f) {
	return (v4){f, f, f, f};
}

// The 256 real samples of a frame are packed as 128 complex ones (even
// samples real, odd imaginary), transformed by a radix-2 FFT, and the
// one-sided spectrum split out of the result:
// X[k] = (Z[k] + conj Z[128-k])/2 - i·W^k·(Z[k] - conj Z[128-k])/2.
void parley_stft_magnitudes(const parley_stft *s, const float *x, float *mag) {
	v4 re[PARLEY_STFT_HALF], im[PARLEY_STFT_HALF];
	for (int m = 0; m < PARLEY_STFT_HALF; m++) {
		int j = s->bitrev[m];
		float we = s->window[2 * m], wo = s->window[2 * m + 1];
		for (int t = 0; t < PARLEY_STFT_FRAMES; t++) {
			int p = t * PARLEY_STFT_HOP + 2 * m;
			re[j][t] = sample(x, p) * we;
			im[j][t] = sample(x, p + 1) * wo;
		}
	}
	for (int size = 2; size <= PARLEY_STFT_HALF; size <<= 1) {
		int half = size / 2, step = PARLEY_STFT_HALF / size;
		for (int j = 0; j < half; j++) {
			v4 wr = splat(s->tw_re[j * step]), wi = splat(s->tw_im[j * step]);
			for (int a = j; a < PARLEY_STFT_HALF; a += size) {
				int b = a + half;
				v4 tr = wr * re[b] - wi * im[b];
				v4 ti = wr * im[b] + wi * re[b];
				re[b] = re[a] - tr;
				im[b] = im[a] - ti;
				re[a] += tr;
				im[a] += ti;
			}
		}
	}
	const v4 h = splat(0.5f);
	for (int k = 0; k <= PARLEY_STFT_HALF; k++) {
		int ak = k & (PARLEY_STFT_HALF - 1), bk = (PARLEY_STFT_HALF - k) & (PARLEY_STFT_HALF - 1);
		v4 zr = re[ak], zi = im[ak], cr = re[bk], ci = -im[bk];
		v4 er = (zr + cr) * h, ei = (zi + ci) * h;
		v4 or_ = (zr - cr) * h, oi = (zi - ci) * h;
		v4 sr = splat(s->sp_re[k]), si = splat(s->sp_im[k]);
		v4 tr = sr * or_ - si * oi, ti = sr * oi + si * or_;
		v4 xr = er + ti, xi = ei - tr;
		v4 p = xr * xr + xi * xi;
		for (int t = 0; t < PARLEY_STFT_FRAMES; t++) {
			mag[t * PARLEY_STFT_BINS + k] = sqrtf(p[t]);
		}
	}
}
