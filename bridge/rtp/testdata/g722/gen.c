/*
 * gen.c writes the G.722 reference vectors of g722_test.go with an
 * independent implementation of ITU-T G.722 (spandsp's g722.c, which is
 * checked against the ITU-T test sequences in spandsp's own test suite).
 *
 *   cc -O2 -o gen gen.c -lspandsp -lm && ./gen
 *
 * It writes, in the current directory:
 *   input.s16     16 kHz signed 16-bit little-endian PCM: a chirp, white
 *                 noise, a clipped square wave with impulses, a quiet tone
 *   encoded.g722  spandsp's 64 kbit/s encoding of input.s16
 *   decoded.s16   spandsp's decoding of encoded.g722
 *   random.g722   pseudo-random code bytes (every code, including those an
 *                 encoder never emits)
 *   random.s16    spandsp's decoding of random.g722
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <spandsp.h>

#define RATE 16000
#define N (RATE)

static uint32_t lcg = 12345;
static uint32_t next(void) { lcg = lcg * 1664525u + 1013904223u; return lcg; }

static void put(const char *name, const void *buf, size_t size) {
    FILE *f = fopen(name, "wb");
    if (f == NULL || fwrite(buf, 1, size, f) != size) { perror(name); exit(1); }
    fclose(f);
}

int main(void) {
    static int16_t in[N], out[2 * N], rnd_out[16000];
    static uint8_t enc[N / 2], rnd[8000];
    int i;
    for (i = 0; i < N; i++) {
        double t = (double)i / RATE, v;
        int q = i / (N / 4);
        if (q == 0) {            /* chirp 50 Hz .. 7.5 kHz */
            v = 20000.0 * sin(2 * M_PI * (50.0 * t + 0.5 * 29800.0 * t * t));
        } else if (q == 1) {     /* white noise */
            v = (double)(int32_t)(next() >> 16) - 32768.0;
        } else if (q == 2) {     /* clipped square wave and impulses */
            v = ((i / 20) % 2) ? 40000.0 : -40000.0;
            if (i % 97 == 0) v = -32768.0;
        } else {                 /* quiet tone */
            v = 40.0 * sin(2 * M_PI * 1000.0 * t);
        }
        if (v > 32767) v = 32767;
        if (v < -32768) v = -32768;
        in[i] = (int16_t)lrint(v);
    }
    g722_encode_state_t *e = g722_encode_init(NULL, 64000, 0);
    int n = g722_encode(e, enc, in, N);
    g722_decode_state_t *d = g722_decode_init(NULL, 64000, 0);
    int m = g722_decode(d, out, enc, n);
    for (i = 0; i < 8000; i++) rnd[i] = (uint8_t)(next() >> 24);
    g722_decode_state_t *d2 = g722_decode_init(NULL, 64000, 0);
    int m2 = g722_decode(d2, rnd_out, rnd, 8000);
    put("input.s16", in, sizeof in);
    put("encoded.g722", enc, (size_t)n);
    put("decoded.s16", out, (size_t)m * 2);
    put("random.g722", rnd, sizeof rnd);
    put("random.s16", rnd_out, (size_t)m2 * 2);
    printf("encoded %d bytes, decoded %d samples, random decoded %d samples\n", n, m, m2);
    return 0;
}
