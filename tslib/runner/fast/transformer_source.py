"""C source of the native transformer step (compiled at first use by :mod:`.transformer_native`).

One entry point, ``tslib_tf_step``, advances rows ``[row_begin, row_end)`` of a
batch of :class:`~tslib.encoders.transformer.CausalTransformerEncoder` streams by
one step, writing the new keys and values into the pool's ring buffers in place
(slot ``position % context``) and incrementing each stream's position. Per row and
layer: LayerNorm, one fused QKV GEMV, attention of every head over the live
window only (slots ``0 .. position`` before the ring buffer wraps, all of them
after), the output projection and the MLP (exact erf GELU), then the final
LayerNorm and the output layer.

Weights come packed by :func:`~tslib.runner.fast.transformer_native.pack_weights`
in one float32 blob, every matrix transposed to (in, out) so that a GEMV is a
sequence of ``y += x[i] * W[i, :]`` updates that vectorise without reassociating
any sum; the LayerNorm scales and shifts are folded into the following linear
layer. Dot products and row sums use ``#pragma omp simd reduction`` (compiled
with ``-fopenmp-simd``: vector reductions, no OpenMP runtime). ``expf`` may come
from glibc's vector maths (libmvec; ``erff`` too with glibc 2.35 or later) and the
loops are compiled per ISA (``target_clones``), as in :mod:`.recurrent_source`.
"""

from __future__ import annotations

__all__ = ["TF_ABI_VERSION", "TF_SOURCE"]

#: Bumped whenever the signature or the weight layout changes (part of the cache key).
TF_ABI_VERSION = 3

TF_SOURCE = r"""
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TSLIB_TF_ABI_VERSION 3

#ifdef TSLIB_LIBMVEC
float expf(float) __attribute__((__simd__("notinbranch")));
#endif
#ifdef TSLIB_LIBMVEC_ERF /* glibc >= 2.35 */
float erff(float) __attribute__((__simd__("notinbranch")));
#endif

#ifdef TSLIB_CLONES
#define TSLIB_TARGETS __attribute__((target_clones("avx512f", "avx2", "avx", "default")))
#else
#define TSLIB_TARGETS
#endif

#define TSLIB_INLINE static inline __attribute__((always_inline))

int tslib_tf_abi(void) { return TSLIB_TF_ABI_VERSION; }

typedef float v16 __attribute__((vector_size(64)));

TSLIB_INLINE v16 load16(const float *p) {
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

TSLIB_INLINE void store16(float *p, v16 v) { memcpy(p, &v, sizeof v); }

/* y (n_out) = b + x (n_in) @ W (n_in, n_out). Columns in blocks of 64 and 16 keep their
   sums in (vector) registers over all n_in; the rest are updated row by row. */
TSLIB_INLINE void gemv(int64_t n_in, int64_t n_out, const float *restrict x,
                       const float *restrict W, const float *restrict b, float *restrict y) {
    int64_t o = 0;
    for (; o + 64 <= n_out; o += 64) {
        v16 a0 = load16(b + o), a1 = load16(b + o + 16);
        v16 a2 = load16(b + o + 32), a3 = load16(b + o + 48);
        for (int64_t i = 0; i < n_in; i++) {
            const float xi = x[i];
            const float *restrict w = W + i * n_out + o;
            a0 += xi * load16(w);
            a1 += xi * load16(w + 16);
            a2 += xi * load16(w + 32);
            a3 += xi * load16(w + 48);
        }
        store16(y + o, a0);
        store16(y + o + 16, a1);
        store16(y + o + 32, a2);
        store16(y + o + 48, a3);
    }
    for (; o + 16 <= n_out; o += 16) {
        v16 a = load16(b + o);
        for (int64_t i = 0; i < n_in; i++) a += x[i] * load16(W + i * n_out + o);
        store16(y + o, a);
    }
    if (o < n_out) {
        memcpy(y + o, b + o, (size_t)(n_out - o) * sizeof(float));
        for (int64_t i = 0; i < n_in; i++) {
            const float xi = x[i];
            const float *restrict w = W + i * n_out;
            for (int64_t k = o; k < n_out; k++) y[k] += xi * w[k];
        }
    }
}

/* out (n) = (x - mean) / sqrt(var + eps), biased variance as torch's LayerNorm. */
TSLIB_INLINE void normalize(int64_t n, float eps, const float *restrict x, float *restrict out) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; i++) sum += x[i];
    const float mean = sum / (float)n;
    float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
    for (int64_t i = 0; i < n; i++) {
        const float d = x[i] - mean;
        sq += d * d;
    }
    const float inv = 1.0f / sqrtf(sq / (float)n + eps);
    for (int64_t i = 0; i < n; i++) out[i] = (x[i] - mean) * inv;
}

/* Softmax of scores (live) in place: exp(s - max); returns the sum. */
TSLIB_INLINE float softmax_numerators(int64_t live, float top, float *restrict scores) {
    float total = 0.0f;
#pragma omp simd reduction(+ : total)
    for (int64_t j = 0; j < live; j++) {
        const float e = expf(scores[j] - top);
        scores[j] = e;
        total += e;
    }
    return total;
}

/* Attention of one head over slots 0 .. live-1 of its ring buffer K, V (C, dh). The ALiBi
   distance of slot j is (ring - j) mod C. out (dh) = softmax(q.K / sqrt(dh) + bias) @ V. */
TSLIB_INLINE void attend(int64_t dh, const float *restrict q, const float *restrict K,
                         const float *restrict V, int64_t live, int64_t ring, int64_t C,
                         float scale, float slope, float *restrict scores, float *restrict out) {
    float top = -INFINITY;
    for (int64_t j = 0; j < live; j++) {
        const float *restrict k = K + j * dh;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int64_t d = 0; d < dh; d++) dot += q[d] * k[d];
        const int64_t distance = j <= ring ? ring - j : ring - j + C;
        const float s = dot * scale - slope * (float)distance;
        scores[j] = s;
        top = s > top ? s : top;
    }
    const float inv = 1.0f / softmax_numerators(live, top, scores);
    for (int64_t d = 0; d < dh; d++) out[d] = 0.0f;
    for (int64_t j = 0; j < live; j++) {
        const float w = scores[j];
        const float *restrict v = V + j * dh;
        for (int64_t d = 0; d < dh; d++) out[d] += w * v[d];
    }
    for (int64_t d = 0; d < dh; d++) out[d] *= inv;
}

typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));

/* Sum of the 16 lanes as a tree of halves (vector adds, then 4 scalars). */
TSLIB_INLINE float hsum16(v16 v) {
    v8 lo, hi;
    memcpy(&lo, &v, sizeof lo);
    memcpy(&hi, (const char *)&v + sizeof lo, sizeof hi);
    lo += hi;
    v4 a, b;
    memcpy(&a, &lo, sizeof a);
    memcpy(&b, (const char *)&lo + sizeof a, sizeof b);
    a += b;
    return (a[0] + a[2]) + (a[1] + a[3]);
}

typedef int32_t i16 __attribute__((vector_size(64)));

/* a + b where lane pairs are taken from a and b in blocks of `half` lanes (see dots16). */
#define TSLIB_FOLD(a, b, lo, hi) \
    (__builtin_shuffle((a), (b), (lo)) + __builtin_shuffle((a), (b), (hi)))

/* dots (16) = K[j] . q for the 16 rows j of K (16, 16): products reduced by a transposing tree
   of shuffles, so that 16 sums cost 15 vector additions instead of 16 horizontal sums. */
TSLIB_INLINE void dots16(v16 q, const float *restrict K, float *restrict dots) {
    const i16 lo8 = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
    const i16 hi8 = {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31};
    const i16 lo4 = {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27};
    const i16 hi4 = {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31};
    const i16 lo2 = {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29};
    const i16 hi2 = {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31};
    const i16 lo1 = {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30};
    const i16 hi1 = {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31};
    v16 r1[8], r2[4], r3[2];
    for (int t = 0; t < 8; t++) /* lanes 0-7: partial sums of row t, 8-15: of row t + 8 */
        r1[t] = TSLIB_FOLD(q * load16(K + t * 16), q * load16(K + (t + 8) * 16), lo8, hi8);
    for (int t = 0; t < 4; t++) /* rows t, t + 4, t + 8, t + 12 in groups of 4 lanes */
        r2[t] = TSLIB_FOLD(r1[t], r1[t + 4], lo4, hi4);
    for (int t = 0; t < 2; t++) /* rows t, t + 2, ..., t + 14 in pairs of lanes */
        r3[t] = TSLIB_FOLD(r2[t], r2[t + 2], lo2, hi2);
    const v16 sums = TSLIB_FOLD(r3[0], r3[1], lo1, hi1); /* lane i: row i */
    memcpy(dots, &sums, sizeof sums);
}

/* attend() for dh == 16, with the head vectors held in (vector) registers. */
TSLIB_INLINE void attend16(const float *restrict q, const float *restrict K,
                           const float *restrict V, int64_t live, int64_t ring, int64_t C,
                           float scale, float slope, float *restrict scores,
                           float *restrict out) {
    const v16 qv = load16(q);
    int64_t j = 0;
    for (; j + 16 <= live; j += 16) dots16(qv, K + j * 16, scores + j);
    for (; j < live; j++) scores[j] = hsum16(qv * load16(K + j * 16));
    /* ALiBi distance (ring - j) mod C: ring - j up to the current slot, + C after it. */
    const int64_t split = ring + 1 < live ? ring + 1 : live;
    float top = -INFINITY;
#pragma omp simd reduction(max : top)
    for (int64_t i = 0; i < split; i++) {
        scores[i] = scores[i] * scale - slope * (float)(ring - i);
        top = scores[i] > top ? scores[i] : top;
    }
#pragma omp simd reduction(max : top)
    for (int64_t i = split; i < live; i++) {
        scores[i] = scores[i] * scale - slope * (float)(ring - i + C);
        top = scores[i] > top ? scores[i] : top;
    }
    const float inv = 1.0f / softmax_numerators(live, top, scores);
    v16 acc0 = {0}, acc1 = {0};
    for (j = 0; j + 1 < live; j += 2) {
        acc0 += scores[j] * load16(V + j * 16);
        acc1 += scores[j + 1] * load16(V + (j + 1) * 16);
    }
    if (j < live) acc0 += scores[j] * load16(V + j * 16);
    const v16 result = (acc0 + acc1) * inv;
    memcpy(out, &result, sizeof result);
}

/* args: F, D, n_heads, d_head, C, L, FF, O, then the addresses of params, index (B,) int64,
   then capacity, then the addresses of kc, vc (capacity, L, nh, C, dh) and pos (capacity,).
   params: eps, scale, slopes (nh), embed W (F, D), b (D), per layer [qkv W (D, 3D), b (3D),
   proj W (D, D), b (D), ff_in W (D, FF), b (FF), ff_out W (FF, D), b (D)], output W (D, O),
   b (O); every W is (in, out). x: (B, F); y: (B, O); scratch: 6 D + FF + C floats.
   Rows [row_begin, row_end) are stepped. Returns 0, or -1 (nothing written) for a slot
   outside [0, capacity) or a negative position. */
TSLIB_TARGETS
int tslib_tf_step(const int64_t *args, const float *x, float *y, int64_t row_begin,
                  int64_t row_end, float *scratch) {
    const int64_t F = args[0], D = args[1], nh = args[2], dh = args[3], C = args[4],
                  L = args[5], FF = args[6], O = args[7];
    const float *params = (const float *)(intptr_t)args[8];
    const int64_t *index = (const int64_t *)(intptr_t)args[9];
    const int64_t capacity = args[10];
    float *kc = (float *)(intptr_t)args[11], *vc = (float *)(intptr_t)args[12];
    int64_t *pos = (int64_t *)(intptr_t)args[13];
    for (int64_t b = row_begin; b < row_end; b++)
        if (index[b] < 0 || index[b] >= capacity || pos[index[b]] < 0) return -1;
    const float eps = params[0], scale = params[1];
    const float *slopes = params + 2;
    const float *embed_w = slopes + nh, *embed_b = embed_w + F * D;
    const float *layers = embed_b + D;
    const int64_t layer_size = D * 3 * D + 3 * D + D * D + D + D * FF + FF + FF * D + D;
    const float *out_w = layers + L * layer_size, *out_b = out_w + D * O;
    float *h = scratch, *xn = h + D, *qkv = xn + D, *att = qkv + 3 * D, *ff = att + D;
    float *scores = ff + FF;
    for (int64_t b = row_begin; b < row_end; b++) {
        const int64_t slot = index[b], p = pos[slot];
        const int64_t ring = p % C, live = p + 1 < C ? p + 1 : C;
        gemv(F, D, x + b * F, embed_w, embed_b, h);
        for (int64_t l = 0; l < L; l++) {
            const float *qkv_w = layers + l * layer_size, *qkv_b = qkv_w + D * 3 * D;
            const float *proj_w = qkv_b + 3 * D, *proj_b = proj_w + D * D;
            const float *ffin_w = proj_b + D, *ffin_b = ffin_w + D * FF;
            const float *ffout_w = ffin_b + FF, *ffout_b = ffout_w + FF * D;
            normalize(D, eps, h, xn);
            gemv(D, 3 * D, xn, qkv_w, qkv_b, qkv);
            for (int64_t hd = 0; hd < nh; hd++) {
                const int64_t base = ((slot * L + l) * nh + hd) * C * dh;
                float *restrict K = kc + base, *restrict V = vc + base;
                memcpy(K + ring * dh, qkv + D + hd * dh, (size_t)dh * sizeof(float));
                memcpy(V + ring * dh, qkv + 2 * D + hd * dh, (size_t)dh * sizeof(float));
                if (dh == 16)
                    attend16(qkv + hd * 16, K, V, live, ring, C, scale, slopes[hd], scores,
                             att + hd * 16);
                else
                    attend(dh, qkv + hd * dh, K, V, live, ring, C, scale, slopes[hd], scores,
                           att + hd * dh);
            }
            gemv(D, D, att, proj_w, proj_b, xn);
            for (int64_t i = 0; i < D; i++) h[i] += xn[i];
            normalize(D, eps, h, xn);
            gemv(D, FF, xn, ffin_w, ffin_b, ff);
#pragma omp simd
            for (int64_t i = 0; i < FF; i++)
                ff[i] = 0.5f * ff[i] * (1.0f + erff(ff[i] * (float)M_SQRT1_2));
            gemv(FF, D, ff, ffout_w, ffout_b, xn);
            for (int64_t i = 0; i < D; i++) h[i] += xn[i];
        }
        normalize(D, eps, h, xn);
        gemv(D, O, xn, out_w, out_b, y + b * O);
        pos[slot] = p + 1;
    }
    return 0;
}
"""
