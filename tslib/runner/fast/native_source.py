"""C source of the native step kernels (compiled at first use by :mod:`.native_build`).

The source lives in a Python string so that it ships with the package. It uses
no torch or Python headers: the functions take raw pointers to contiguous
float32 arrays and are called through :mod:`ctypes`. Three entry points:

``tslib_pack``
    Fill the GEMM input ``[x, h]`` (B, In + H) of one layer: ``x`` rows (when
    given) and the layer's ``h`` rows of the pool, gathered by slot.
``tslib_pointwise``
    Everything after the layer's gate GEMM, in one pass: gate non-linearities,
    the new ``h`` (and ``c``) written into the pool rows in place (scattered by
    slot), and the new ``h`` written into ``out`` (the next layer's input).
``tslib_step_small``
    A whole step for a few rows: per row and layer the gate GEMV, the pointwise
    update and finally the output layer, with no per-layer round trip to Python.

Gate pre-activations come from :func:`~tslib.runner.fast.fused.fuse_layer`, so the
ones that go through ``tanh`` are doubled; ``tanhf(0.5f * g)`` undoes that exactly
(scaling by a power of two is exact). Maths is ``expf`` / ``tanhf`` from libm; with
``TSLIB_LIBMVEC`` the compiler may call glibc's vector variants of those same
functions (libmvec), which is what lets it vectorise the loops without
``-ffast-math``. With ``TSLIB_CLONES`` (x86-64, gcc) every loop is compiled for
AVX-512, AVX2 and baseline x86-64 and the loader picks one for the CPU, so the
library does not depend on the CPU it was built on.
"""

from __future__ import annotations

__all__ = ["ABI_VERSION", "SOURCE"]

#: Bumped whenever a signature below changes (part of the cache key, checked at load).
ABI_VERSION = 2

SOURCE = r"""
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TSLIB_ABI_VERSION 2

#ifdef TSLIB_LIBMVEC
/* The declarations glibc's <math.h> itself makes under __FAST_MATH__: they let
   gcc call libmvec's vector expf / tanhf from vectorised loops. */
float expf(float) __attribute__((__simd__("notinbranch")));
float tanhf(float) __attribute__((__simd__("notinbranch")));
#endif

#ifdef TSLIB_CLONES
#define TSLIB_TARGETS __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TSLIB_TARGETS
#endif

#define TSLIB_INLINE static inline __attribute__((always_inline))

enum { CELL_LSTM = 0, CELL_GRU = 1, CELL_RNN = 2 };

/* Work (rows x width) below which a pass stays on one thread. */
#define TSLIB_PARALLEL_MIN_ELEMENTS 32768

int tslib_native_abi(void) { return TSLIB_ABI_VERSION; }

/* Bit 0: vector libm (libmvec); bit 1: OpenMP; bit 2: per-ISA clones. */
int tslib_native_features(void) {
    int features = 0;
#ifdef TSLIB_LIBMVEC
    features |= 1;
#endif
#ifdef _OPENMP
    features |= 2;
#endif
#ifdef TSLIB_CLONES
    features |= 4;
#endif
    return features;
}

TSLIB_INLINE int64_t gate_width(int cell, int64_t hidden) {
    return cell == CELL_RNN ? hidden : 4 * hidden;
}

/* ---------------------------------------------------------------- cell math
   g: the row's gates; h, c: the slot's pool rows of this layer (read, then
   overwritten); out: where the new h goes as well. */

TSLIB_INLINE void lstm_row(int64_t H, const float *restrict g, float *restrict h,
                           float *restrict c, float *restrict out) {
    for (int64_t j = 0; j < H; j++) {
        const float i = 1.0f / (1.0f + expf(-g[j]));
        const float f = 1.0f / (1.0f + expf(-g[H + j]));
        const float n = tanhf(0.5f * g[2 * H + j]); /* g holds 2 z_g */
        const float o = 1.0f / (1.0f + expf(-g[3 * H + j]));
        const float c_new = f * c[j] + i * n;
        const float h_new = o * tanhf(c_new);
        c[j] = c_new;
        h[j] = h_new;
        out[j] = h_new;
    }
}

TSLIB_INLINE void gru_row(int64_t H, const float *restrict g, float *restrict h,
                          float *restrict out) {
    for (int64_t j = 0; j < H; j++) { /* g: r, z, 2 n_x, 2 n_h */
        const float r = 1.0f / (1.0f + expf(-g[j]));
        const float z = 1.0f / (1.0f + expf(-g[H + j]));
        const float n = tanhf(0.5f * (g[2 * H + j] + r * g[3 * H + j]));
        const float h_new = n + z * (h[j] - n); /* (1 - z) n + z h */
        h[j] = h_new;
        out[j] = h_new;
    }
}

TSLIB_INLINE void rnn_row(int64_t H, const float *restrict g, float *restrict h,
                          float *restrict out) {
    for (int64_t j = 0; j < H; j++) { /* g holds 2 z */
        const float h_new = tanhf(0.5f * g[j]);
        h[j] = h_new;
        out[j] = h_new;
    }
}

TSLIB_TARGETS
void tslib_cell_rows(int cell, int64_t b0, int64_t b1, int64_t H, int64_t L, int64_t layer,
                     const float *gates, const int64_t *slots, int64_t start, float *h_pool,
                     float *c_pool, float *out, int64_t ld_out) {
    const int64_t width = gate_width(cell, H);
    for (int64_t b = b0; b < b1; b++) {
        const int64_t row = ((slots ? slots[b] : start + b) * L + layer) * H;
        const float *g = gates + b * width;
        if (cell == CELL_LSTM)
            lstm_row(H, g, h_pool + row, c_pool + row, out + b * ld_out);
        else if (cell == CELL_GRU)
            gru_row(H, g, h_pool + row, out + b * ld_out);
        else
            rnn_row(H, g, h_pool + row, out + b * ld_out);
    }
}

/* 0 when every slot is in [0, capacity), else -1 (nothing has been written). */
static int check_slots(int64_t B, const int64_t *slots, int64_t start, int64_t capacity) {
    if (!slots) return (start >= 0 && start + B <= capacity) ? 0 : -1;
    for (int64_t b = 0; b < B; b++)
        if (slots[b] < 0 || slots[b] >= capacity) return -1;
    return 0;
}

/* ------------------------------------------------------- large batches: per layer */

int tslib_pack(int64_t B, int64_t In, int64_t H, int64_t L, int64_t layer, int64_t capacity,
               const float *x, const int64_t *slots, int64_t start, const float *h_pool,
               float *xh, int nthreads) {
    if (check_slots(B, slots, start, capacity)) return -1;
    const int64_t K = In + H;
    (void)nthreads;
#pragma omp parallel for schedule(static) num_threads(nthreads) \
    if (nthreads > 1 && B * K >= TSLIB_PARALLEL_MIN_ELEMENTS)
    for (int64_t b = 0; b < B; b++) {
        const int64_t row = ((slots ? slots[b] : start + b) * L + layer) * H;
        if (x) memcpy(xh + b * K, x + b * In, (size_t)In * sizeof(float));
        memcpy(xh + b * K + In, h_pool + row, (size_t)H * sizeof(float));
    }
    return 0;
}

int tslib_pointwise(int cell, int64_t B, int64_t H, int64_t L, int64_t layer, int64_t capacity,
                    const float *gates, const int64_t *slots, int64_t start, float *h_pool,
                    float *c_pool, float *out, int64_t ld_out, int nthreads) {
    if (check_slots(B, slots, start, capacity)) return -1;
    int64_t chunks = 1;
    if (nthreads > 1 && B * H >= TSLIB_PARALLEL_MIN_ELEMENTS) chunks = nthreads;
    const int64_t size = (B + chunks - 1) / chunks;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (chunks > 1)
    for (int64_t chunk = 0; chunk < chunks; chunk++) {
        const int64_t b0 = chunk * size;
        const int64_t b1 = b0 + size < B ? b0 + size : B;
        if (b0 < b1)
            tslib_cell_rows(cell, b0, b1, H, L, layer, gates, slots, start, h_pool, c_pool,
                            out, ld_out);
    }
    return 0;
}

/* ------------------------------------------------------- small batches: whole step */

/* out (C,) = w[K] + xh (K,) @ w[:K], with w (K + 1, C) row-major (bias = last row). */
TSLIB_TARGETS
void tslib_gemv_bias(int64_t K, int64_t C, const float *restrict xh, const float *restrict w,
                     float *restrict out) {
    const float *restrict bias = w + K * C;
    for (int64_t c = 0; c < C; c++) out[c] = bias[c];
    for (int64_t k = 0; k < K; k++) {
        const float a = xh[k];
        const float *restrict row = w + k * C;
        for (int64_t c = 0; c < C; c++) out[c] += a * row[c];
    }
}

/* Arguments of tslib_step_small, kept in one struct so that Python updates only
   the fields that change between calls (a ctypes call costs ~0.1 us per argument). */
typedef struct {
    int64_t cell, batch, n_in, hidden, layers, n_out, capacity, start;
    const float *x;                /* (B, F) */
    const int64_t *slots;          /* (B,) or NULL: rows start, start + 1, ... */
    float *h_pool, *c_pool;        /* (capacity, L, H); c_pool NULL unless LSTM */
    const float *const *weights;   /* per layer (In_l + H + 1, C), bias last */
    const float *w_out, *b_out;    /* (H, O), (O,) */
    float *work;                   /* max(F, H) + H + 4 H floats */
    float *y;                      /* (B, O) */
} tslib_step_args;

int tslib_step_small(const tslib_step_args *a) {
    const int64_t F = a->n_in, H = a->hidden, L = a->layers, O = a->n_out;
    if (check_slots(a->batch, a->slots, a->start, a->capacity)) return -1;
    const int cell = (int)a->cell;
    const int64_t width = gate_width(cell, H);
    float *xh = a->work;                          /* [input, h] of the current layer */
    float *gates = a->work + (F > H ? F : H) + H; /* (C,) */
    for (int64_t b = 0; b < a->batch; b++) {
        const int64_t slot = a->slots ? a->slots[b] : a->start + b;
        memcpy(xh, a->x + b * F, (size_t)F * sizeof(float));
        for (int64_t layer = 0; layer < L; layer++) {
            const int64_t In = layer == 0 ? F : H;
            memcpy(xh + In, a->h_pool + (slot * L + layer) * H, (size_t)H * sizeof(float));
            tslib_gemv_bias(In + H, width, xh, a->weights[layer], gates);
            /* the new h becomes the next layer's input, xh[:H] */
            tslib_cell_rows(cell, 0, 1, H, L, layer, gates, NULL, slot, a->h_pool, a->c_pool,
                            xh, H);
        }
        for (int64_t o = 0; o < O; o++) {
            float acc = a->b_out[o];
            for (int64_t j = 0; j < H; j++) acc += xh[j] * a->w_out[j * O + o];
            a->y[b * O + o] = acc;
        }
    }
    return 0;
}
"""
