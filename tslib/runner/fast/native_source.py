"""C source of the native step kernels (compiled at first use by :mod:`.native_build`).

A Python string, so that it ships with the package; no torch or Python headers:
the functions take raw pointers to contiguous float32 arrays (called through
:mod:`ctypes` by :mod:`.native`). Entry points: ``tslib_step_small`` (a whole step
for a few rows), ``tslib_layer_tiled`` (one layer of a large batch: GEMM tiles by
the BLAS ``sgemm`` torch uses, gate math and the output layer in cache), and the
fallback pair ``tslib_pack`` / ``tslib_pointwise`` around a ``torch.mm``.

Gate pre-activations come from :func:`~tslib.runner.fast.fused.fuse_layer` without
their bias (added here); the ones that go through ``tanh`` are doubled, and
``tanhf(0.5f * g)`` undoes that exactly. Maths is ``expf`` / ``tanhf`` from libm;
with ``TSLIB_LIBMVEC`` gcc may call glibc's vector variants of those functions
(libmvec), which lets it vectorise the loops without ``-ffast-math``. With
``TSLIB_CLONES`` (x86-64) the loops are compiled for AVX-512, AVX2 and baseline
x86-64 and the loader picks one for the CPU it runs on. The argument structs come
from :mod:`.native_structs` (declared once, with their layout export).
"""

from __future__ import annotations

from tslib.runner.fast.native_cellmath import CELL_SOURCE
from tslib.runner.fast.native_isa import ISA_SOURCE
from tslib.runner.fast.native_structs import STRUCTS_SOURCE

__all__ = ["ABI_VERSION", "SOURCE"]

#: Bumped whenever a signature below changes (part of the cache key, checked at load).
ABI_VERSION = 6

SOURCE = (
    r"""
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define TSLIB_ABI_VERSION 6

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
#define TSLIB_PARALLEL_MIN_ELEMENTS 16384

/* Fortran BLAS sgemm (column-major). Integers are passed as pointers to int64
   holding small non-negative values, which read correctly as LP64 int32 too on a
   little-endian machine (the only kind this is enabled on). */
typedef void (*tslib_sgemm)(const char *, const char *, const int64_t *, const int64_t *,
                            const int64_t *, const float *, const float *, const int64_t *,
                            const float *, const int64_t *, const float *, float *,
                            const int64_t *);

"""
    + STRUCTS_SOURCE
    + ISA_SOURCE
    + r"""
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

"""
    + CELL_SOURCE
    + r"""
/* 0 when every slot is in [0, capacity), else -1 (nothing has been written). */
static int check_slots(int64_t B, const int64_t *slots, int64_t start, int64_t capacity) {
    if (!slots) return (start >= 0 && start + B <= capacity) ? 0 : -1;
    for (int64_t b = 0; b < B; b++)
        if (slots[b] < 0 || slots[b] >= capacity) return -1;
    return 0;
}

/* xh rows b0..b1-1 (row stride In + H) = [x row (stride ld_x), pool h row]. */
static void pack_rows(int64_t b0, int64_t b1, int64_t In, int64_t H, int64_t L, int64_t layer,
                      const float *x, int64_t ld_x, const int64_t *slots, int64_t start,
                      const float *h_pool, float *xh) {
    const int64_t K = In + H;
    for (int64_t b = b0; b < b1; b++) {
        const int64_t row = ((slots ? slots[b] : start + b) * L + layer) * H;
        memcpy(xh + (b - b0) * K, x + b * ld_x, (size_t)In * sizeof(float));
        memcpy(xh + (b - b0) * K + In, h_pool + row, (size_t)H * sizeof(float));
    }
}

/* -------------------------------------------- large batches: GEMM by torch, per layer */

int tslib_pack(int64_t B, int64_t In, int64_t H, int64_t L, int64_t layer, int64_t capacity,
               const float *x, int64_t ld_x, const int64_t *slots, int64_t start,
               const float *h_pool, float *xh, int nthreads) {
    if (check_slots(B, slots, start, capacity)) return -1;
    int64_t chunks = (nthreads > 1 && B * (In + H) >= TSLIB_PARALLEL_MIN_ELEMENTS) ? nthreads : 1;
    const int64_t size = (B + chunks - 1) / chunks;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (chunks > 1)
    for (int64_t chunk = 0; chunk < chunks; chunk++) {
        const int64_t b0 = chunk * size, b1 = b0 + size < B ? b0 + size : B;
        if (b0 < b1)
            pack_rows(b0, b1, In, H, L, layer, x, ld_x, slots, start, h_pool,
                      xh + b0 * (In + H));
    }
    return 0;
}

int tslib_pointwise(int cell, int64_t B, int64_t H, int64_t L, int64_t layer, int64_t capacity,
                    const float *gates, const float *bias, const int64_t *slots, int64_t start,
                    float *h_pool, float *c_pool, float *out, int64_t ld_out, int nthreads,
                    int math) {
    if (check_slots(B, slots, start, capacity)) return -1;
    const int64_t width = gate_width(cell, H);
    int64_t chunks = (nthreads > 1 && B * H >= TSLIB_PARALLEL_MIN_ELEMENTS) ? nthreads : 1;
    const int64_t size = (B + chunks - 1) / chunks;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (chunks > 1)
    for (int64_t chunk = 0; chunk < chunks; chunk++) {
        const int64_t b0 = chunk * size, b1 = b0 + size < B ? b0 + size : B;
        if (b0 < b1)
            tslib_cell_rows(cell, b0, b1, H, L, layer, gates + b0 * width, bias, slots, start,
                            h_pool, c_pool, out + b0 * ld_out, ld_out, math);
    }
    return 0;
}

/* ------------------------------------ large batches: GEMM tiles and gate math fused */

/* Rows first <= b < last, tile by tile: gather [x, h] of the tile, one sgemm into a
   gates tile that stays in cache, then the gate math straight into the pool. */
static void tiled_rows(const tslib_layer_args *a, int64_t first, int64_t last, int64_t rank) {
    const int cell = (int)a->cell;
    const int64_t In = a->n_in, H = a->hidden, K = In + H;
    const int64_t C = gate_width(cell, H), tile = a->tile;
    const tslib_sgemm sgemm = (tslib_sgemm)a->sgemm;
    const float *bias = a->weight + K * C;
    float *xh = a->scratch + rank * tile * (K + C);
    float *gates = xh + tile * K;
    const char no = 'N';
    const float one = 1.0f, zero = 0.0f;
    for (int64_t b0 = first; b0 < last; b0 += tile) {
        const int64_t b1 = b0 + tile < last ? b0 + tile : last, rows = b1 - b0;
        pack_rows(b0, b1, In, H, a->layers, a->layer, a->x, a->ld_x, a->slots, a->start,
                  a->h_pool, xh);
        /* row-major gates (rows, C) = xh (rows, K) @ W (K, C), i.e. column-major
           gates^T = W^T @ xh^T */
        sgemm(&no, &no, &C, &rows, &K, &one, a->weight, &C, xh, &K, &zero, gates, &C);
        tslib_cell_rows(cell, b0, b1, H, a->layers, a->layer, gates, bias, a->slots, a->start,
                        a->h_pool, a->c_pool, a->out + b0 * a->ld_out, a->ld_out, (int)a->math);
        if (a->y) { /* the output layer on the tile's new h, still in cache */
            const int64_t O = a->n_out;
            for (int64_t b = b0; b < b1; b++) memcpy(a->y + b * O, a->b_out, (size_t)O * sizeof(float));
            sgemm(&no, &no, &O, &rows, &H, &one, a->w_out, &O, a->out + b0 * a->ld_out,
                  &a->ld_out, &one, a->y + b0 * O, &O);
        }
    }
}

/* One layer: each thread takes a contiguous share of the rows (see tiled_rows). With
   one thread no OpenMP region is opened, so the BLAS keeps its own threading. */
int tslib_layer_tiled(const tslib_layer_args *a) {
    if (check_slots(a->batch, a->slots, a->start, a->capacity)) return -1;
    const int64_t B = a->batch;
    const int threads = (int)a->nthreads;
    if (threads <= 1) {
        tiled_rows(a, 0, B, 0);
        return 0;
    }
#pragma omp parallel num_threads(threads)
    {
        int64_t rank = 0, team = 1;
#ifdef _OPENMP
        rank = omp_get_thread_num();
        team = omp_get_num_threads();
#endif
        const int64_t share = (B + team - 1) / team;
        const int64_t first = rank * share, last = first + share < B ? first + share : B;
        if (first < last) tiled_rows(a, first, last, rank);
    }
    return 0;
}

/* ------------------------------------------------------- small batches: whole step */

/* out (C,) = xh (K,) @ w (K, C), row-major. */
TSLIB_TARGETS
void tslib_gemv(int64_t K, int64_t C, const float *restrict xh, const float *restrict w,
                float *restrict out) {
    for (int64_t c = 0; c < C; c++) out[c] = 0.0f;
    for (int64_t k = 0; k < K; k++) {
        const float v = xh[k];
        const float *restrict row = w + k * C;
        for (int64_t c = 0; c < C; c++) out[c] += v * row[c];
    }
}

/* 0 after the step; -1: a slot outside the pool, -2: a non-finite input with
   check_finite set (in both cases nothing has been written). */
int tslib_step_small(const tslib_step_args *a) {
    const int64_t F = a->n_in, H = a->hidden, L = a->layers, O = a->n_out;
    if (check_slots(a->batch, a->slots, a->start, a->capacity)) return -1;
    if (a->check_finite)
        for (int64_t i = 0; i < a->batch * F; i++)
            if (!isfinite(a->x[i])) return -2;
    const int cell = (int)a->cell;
    const int64_t width = gate_width(cell, H);
    float *xh = a->work;                          /* [input, h] of the current layer */
    float *gates = a->work + (F > H ? F : H) + H; /* (C,) */
    for (int64_t b = 0; b < a->batch; b++) {
        const int64_t slot = a->slots ? a->slots[b] : a->start + b;
        memcpy(xh, a->x + b * F, (size_t)F * sizeof(float));
        for (int64_t layer = 0; layer < L; layer++) {
            const int64_t In = layer == 0 ? F : H, K = In + H;
            memcpy(xh + In, a->h_pool + (slot * L + layer) * H, (size_t)H * sizeof(float));
            tslib_gemv(K, width, xh, a->weights[layer], gates);
            /* the new h becomes the next layer's input, xh[:H] */
            tslib_cell_rows(cell, 0, 1, H, L, layer, gates, a->weights[layer] + K * width,
                            NULL, slot, a->h_pool, a->c_pool, xh, H, (int)a->math);
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
)
