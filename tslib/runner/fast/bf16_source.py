"""C source of the native bf16 LSTM step (:mod:`.bf16_native`).

``tslib_bf16_step`` advances a batch of LSTM streams by one step in one call. Rows go
in tiles of :data:`BF16_TILE_ROWS`; per tile and layer it converts ``[x_t, h_{t-1}]``
to bf16 (round to nearest even), runs the gate GEMM with ``vdpbf16ps`` (AVX512-BF16:
pairs of bf16 products summed into fp32 lanes) against weights converted once and
stored pair-interleaved, ``(K/2, C, 2)`` with ``K`` and ``C`` zero-padded, then does
the gate maths in fp32 (bias added in fp32, every gate through the polynomial
exponential of :data:`.recurrent_source.CELL_SOURCE`), writes the new fp32 ``h`` and
``c`` into the pool rows and, on the top layer, the fp32 output layer. Only the GEMM
operands are bf16; accumulation, gate maths and the state stay fp32.

The whole file is compiled with ``-mavx512f -mavx512bf16`` and is loaded only on a CPU
that has ``avx512_bf16`` (checked again by ``tslib_bf16_selftest`` in a subprocess).
"""

from __future__ import annotations

__all__ = ["BF16_ABI_VERSION", "BF16_COLUMN_BLOCK", "BF16_SOURCE", "BF16_TILE_ROWS"]

BF16_ABI_VERSION = 2
#: Rows per tile of the GEMM micro-kernel (accumulators: rows x 4 vectors of 16 lanes).
BF16_TILE_ROWS = 4
#: Gate columns per micro-kernel block; the packed weights pad C to a multiple of it.
BF16_COLUMN_BLOCK = 64

BF16_SOURCE = r"""
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define TSLIB_BF16_ABI 2
#define TILE 4
#define COLS 64
#define PARALLEL_MIN_ROWS 256 /* smaller batches stay on one thread */
#define TSLIB_INLINE static inline __attribute__((always_inline))

/* e^x, 16 lanes, x clamped to [-87, 88]: x = n ln 2 + r (Cody-Waite), a degree-6
   Taylor polynomial for e^r on |r| <= ln 2 / 2, times 2^n (vscalefps). */
TSLIB_INLINE __m512 exp16(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.0f)), _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860682030941723e-6f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* 1 / (1 + e^-x): vrcp14ps and one Newton step (relative error ~1e-7). */
TSLIB_INLINE __m512 sigmoid16(__m512 x) {
    const __m512 d = _mm512_add_ps(_mm512_set1_ps(1.0f), exp16(_mm512_sub_ps(_mm512_setzero_ps(), x)));
    const __m512 y = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(y, _mm512_fnmadd_ps(d, y, _mm512_set1_ps(2.0f)));
}

/* tanh(z) = 2 sigmoid(2 z) - 1, given two_z. */
TSLIB_INLINE __m512 tanh16(__m512 two_z) {
    return _mm512_fmsub_ps(_mm512_set1_ps(2.0f), sigmoid16(two_z), _mm512_set1_ps(1.0f));
}

/* One LSTM row: g the gates without bias (i, f, 2 g, o), b the bias; h, c the pool
   rows (overwritten); out gets the new h too. */
TSLIB_INLINE void lstm_row16(int64_t H, const float *g, const float *b, float *h, float *c,
                             float *out) {
    for (int64_t j = 0; j < H; j += 16) {
        const __mmask16 m = H - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (H - j)) - 1);
#define LD(ptr) _mm512_maskz_loadu_ps(m, (ptr))
        const __m512 i = sigmoid16(_mm512_add_ps(LD(g + j), LD(b + j)));
        const __m512 f = sigmoid16(_mm512_add_ps(LD(g + H + j), LD(b + H + j)));
        const __m512 n = tanh16(_mm512_add_ps(LD(g + 2 * H + j), LD(b + 2 * H + j)));
        const __m512 o = sigmoid16(_mm512_add_ps(LD(g + 3 * H + j), LD(b + 3 * H + j)));
        const __m512 c_new = _mm512_fmadd_ps(f, LD(c + j), _mm512_mul_ps(i, n));
        const __m512 h_new = _mm512_mul_ps(o, tanh16(_mm512_add_ps(c_new, c_new)));
#undef LD
        _mm512_mask_storeu_ps(c + j, m, c_new);
        _mm512_mask_storeu_ps(h + j, m, h_new);
        _mm512_mask_storeu_ps(out + j, m, h_new);
    }
}
typedef struct {
    int64_t batch, n_in, hidden, layers, n_out, capacity, start;
    int64_t k_pad, c_pad, check_finite; /* k_pad: xh row stride (max even K) */
    int64_t nthreads;            /* OpenMP threads for large batches (1: serial) */
    const float *x;              /* (B, n_in) */
    const int64_t *slots;        /* (B,) or NULL: rows start + b */
    float *h_pool, *c_pool;      /* (capacity, L, H) */
    const uint16_t *const *weights; /* per layer (k_pad / 2, c_pad, 2) bf16 */
    const float *const *biases;  /* per layer (C,) fp32 */
    const float *w_out, *b_out;  /* (H, O), (O,) fp32 */
    float *y;                    /* (B, O) */
    uint16_t *xh;                /* work per thread: TILE * k_pad bf16 */
    float *gates;                /* work per thread: TILE * c_pad fp32 */
    float *hbuf;                 /* work per thread: TILE * H fp32 */
} tslib_bf16_args;

int tslib_bf16_abi(void) { return TSLIB_BF16_ABI; }

/* 1 when built with OpenMP. */
int tslib_bf16_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}
int64_t tslib_bf16_args_size(void) { return (int64_t)sizeof(tslib_bf16_args); }

/* fp32 -> bf16, round to nearest even (inputs are finite). */
TSLIB_INLINE uint16_t to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

/* 1 when vdpbf16ps gives 1*2 + 3*4 = 14 in every lane (run in a subprocess first). */
int tslib_bf16_selftest(void) {
    uint16_t a[32], b[32];
    for (int i = 0; i < 16; i++) {
        a[2 * i] = to_bf16(1.0f), a[2 * i + 1] = to_bf16(3.0f);
        b[2 * i] = to_bf16(2.0f), b[2 * i + 1] = to_bf16(4.0f);
    }
    __m512 acc = _mm512_dpbf16_ps(_mm512_setzero_ps(), (__m512bh)_mm512_loadu_si512(a),
                                  (__m512bh)_mm512_loadu_si512(b));
    float out[16];
    _mm512_storeu_ps(out, acc);
    for (int i = 0; i < 16; i++)
        if (out[i] != 14.0f) return 0;
    return 1;
}

/* gates[r, :] = sum_p xh[r, p] . w[p, :] for R rows (R a constant after inlining). */
TSLIB_INLINE void gemm_rows(const int R, int64_t pairs, int64_t c_pad, const uint32_t *xh,
                            int64_t ld_xh, const uint16_t *w, float *gates) {
    for (int64_t cb = 0; cb < c_pad; cb += COLS) {
        __m512 acc[TILE][4];
        for (int r = 0; r < R; r++)
            for (int v = 0; v < 4; v++) acc[r][v] = _mm512_setzero_ps();
        for (int64_t p = 0; p < pairs; p++) {
            const uint16_t *wp = w + (p * c_pad + cb) * 2;
            const __m512bh w0 = (__m512bh)_mm512_loadu_si512(wp);
            const __m512bh w1 = (__m512bh)_mm512_loadu_si512(wp + 32);
            const __m512bh w2 = (__m512bh)_mm512_loadu_si512(wp + 64);
            const __m512bh w3 = (__m512bh)_mm512_loadu_si512(wp + 96);
            for (int r = 0; r < R; r++) {
                const __m512bh a = (__m512bh)_mm512_set1_epi32((int)xh[r * ld_xh + p]);
                acc[r][0] = _mm512_dpbf16_ps(acc[r][0], a, w0);
                acc[r][1] = _mm512_dpbf16_ps(acc[r][1], a, w1);
                acc[r][2] = _mm512_dpbf16_ps(acc[r][2], a, w2);
                acc[r][3] = _mm512_dpbf16_ps(acc[r][3], a, w3);
            }
        }
        for (int r = 0; r < R; r++)
            for (int v = 0; v < 4; v++)
                _mm512_storeu_ps(gates + r * c_pad + cb + 16 * v, acc[r][v]);
    }
}

/* One row (small batches: latency-bound): two accumulator chains per vector, even and
   odd pairs, summed at the end. */
TSLIB_INLINE void gemm_row(int64_t pairs, int64_t c_pad, const uint32_t *xh, const uint16_t *w,
                           float *gates) {
    for (int64_t cb = 0; cb < c_pad; cb += COLS) {
        __m512 acc[2][4];
        for (int s = 0; s < 2; s++)
            for (int v = 0; v < 4; v++) acc[s][v] = _mm512_setzero_ps();
        for (int64_t p = 0; p < pairs; p += 2) {
            const uint16_t *wp = w + (p * c_pad + cb) * 2;
            const __m512bh a = (__m512bh)_mm512_set1_epi32((int)xh[p]);
            for (int v = 0; v < 4; v++)
                acc[0][v] = _mm512_dpbf16_ps(acc[0][v], a,
                                             (__m512bh)_mm512_loadu_si512(wp + 32 * v));
            if (p + 1 == pairs) break;
            const __m512bh b = (__m512bh)_mm512_set1_epi32((int)xh[p + 1]);
            for (int v = 0; v < 4; v++)
                acc[1][v] = _mm512_dpbf16_ps(acc[1][v], b,
                                             (__m512bh)_mm512_loadu_si512(wp + 2 * c_pad + 32 * v));
        }
        for (int v = 0; v < 4; v++)
            _mm512_storeu_ps(gates + cb + 16 * v, _mm512_add_ps(acc[0][v], acc[1][v]));
    }
}

static void gemm_tile(int R, int64_t pairs, int64_t c_pad, const uint32_t *xh, int64_t ld_xh,
                      const uint16_t *w, float *gates) {
    if (R == 1) {
        gemm_row(pairs, c_pad, xh, w, gates);
        return;
    }
    switch (R) {
    case 4: gemm_rows(4, pairs, c_pad, xh, ld_xh, w, gates); break;
    case 3: gemm_rows(3, pairs, c_pad, xh, ld_xh, w, gates); break;
    case 2: gemm_rows(2, pairs, c_pad, xh, ld_xh, w, gates); break;
    default: gemm_rows(1, pairs, c_pad, xh, ld_xh, w, gates); break;
    }
}

/* Tile t (rows t * TILE ...) through every layer and the output layer, with the work
   arrays of thread `rank`. */
TSLIB_INLINE void run_tile(const tslib_bf16_args *a, int64_t t, int64_t rank, const int64_t B,
                           const int64_t In, const int64_t H, const int64_t L, const int64_t O,
                           const int64_t c_pad, const int64_t k_pad) {
    const int64_t b0 = t * TILE;
    const int R = (int)(B - b0 < TILE ? B - b0 : TILE);
    uint16_t *xh = a->xh + rank * TILE * k_pad;
    float *gates = a->gates + rank * TILE * c_pad, *hbuf = a->hbuf + rank * TILE * H;
    for (int64_t layer = 0; layer < L; layer++) {
        const int64_t n_in = layer == 0 ? In : H;
        const int64_t k = n_in + H, kp = (k + 1) & ~(int64_t)1; /* even */
        for (int r = 0; r < R; r++) {
            const int64_t b = b0 + r;
            const int64_t row = ((a->slots ? a->slots[b] : a->start + b) * L + layer) * H;
            const float *in = layer == 0 ? a->x + b * In : hbuf + r * H;
            uint16_t *dst = xh + r * k_pad;
            for (int64_t j = 0; j < n_in; j++) dst[j] = to_bf16(in[j]);
            for (int64_t j = 0; j < H; j++) dst[n_in + j] = to_bf16(a->h_pool[row + j]);
            for (int64_t j = k; j < kp; j++) dst[j] = 0;
        }
        gemm_tile(R, kp / 2, c_pad, (const uint32_t *)xh, k_pad / 2, a->weights[layer],
                  gates);
        for (int r = 0; r < R; r++) {
            const int64_t b = b0 + r;
            const int64_t row = ((a->slots ? a->slots[b] : a->start + b) * L + layer) * H;
            lstm_row16(H, gates + r * c_pad, a->biases[layer], a->h_pool + row,
                       a->c_pool + row, hbuf + r * H);
        }
    }
    for (int r = 0; r < R; r++) {
        const float *h = hbuf + r * H;
        float *y = a->y + (b0 + r) * O;
        for (int64_t o = 0; o < O; o++) y[o] = a->b_out[o];
        for (int64_t j = 0; j < H; j++)
            for (int64_t o = 0; o < O; o++) y[o] += h[j] * a->w_out[j * O + o];
    }
}

/* 0 on success; -1 a slot outside [0, capacity); -2 a NaN / inf in x (check_finite);
   -3 the arguments' shape differs from the one the library was built for (FIX_*).
   Nothing is written when it returns non-zero. */
int tslib_bf16_step(const tslib_bf16_args *a) {
    const int64_t B = a->batch;
#ifdef FIX_H /* built for one model shape: constant loop bounds */
    const int64_t In = FIX_IN, H = FIX_H, L = FIX_L, O = FIX_O;
    const int64_t k0 = (In + H + 1) & ~(int64_t)1, c_pad = (4 * H + COLS - 1) / COLS * COLS;
    const int64_t k_pad = L > 1 && 2 * H > k0 ? 2 * H : k0;
    if (a->n_in != In || a->hidden != H || a->layers != L || a->n_out != O ||
        a->c_pad != c_pad || a->k_pad != k_pad)
        return -3;
#else
    const int64_t In = a->n_in, H = a->hidden, L = a->layers, O = a->n_out;
    const int64_t c_pad = a->c_pad, k_pad = a->k_pad;
#endif
    if (a->slots)
        for (int64_t b = 0; b < B; b++)
            if (a->slots[b] < 0 || a->slots[b] >= a->capacity) return -1;
    if (!a->slots && (a->start < 0 || a->start + B > a->capacity)) return -1;
    if (a->check_finite)
        for (int64_t i = 0; i < B * In; i++)
            if (!isfinite(a->x[i])) return -2;
    const int64_t tiles = (B + TILE - 1) / TILE;
#ifdef _OPENMP
    if (a->nthreads > 1 && B >= PARALLEL_MIN_ROWS) { /* no parallel region when serial */
#pragma omp parallel for schedule(static) num_threads((int)a->nthreads)
        for (int64_t t = 0; t < tiles; t++)
            run_tile(a, t, omp_get_thread_num(), B, In, H, L, O, c_pad, k_pad);
        return 0;
    }
#endif
    for (int64_t t = 0; t < tiles; t++) run_tile(a, t, 0, B, In, H, L, O, c_pad, k_pad);
    return 0;
}
"""
