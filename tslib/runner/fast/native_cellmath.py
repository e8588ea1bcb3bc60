"""C source of the native kernels' cell math: the gate non-linearities, in two kinds.

Part of :data:`~tslib.runner.fast.native_source.SOURCE`. ``tslib_cell_rows`` applies
one cell update (LSTM, GRU or RNN) to a block of gate rows and writes the new state
into the pool rows, with one of two kinds of maths (:data:`MATH_CODES`):

* ``"libm"``: ``expf`` / ``tanhf`` from libm (glibc's libmvec vector variants when the
  loop is vectorised): the first native kernels' maths;
* ``"poly"``: every gate through one exponential, ``tanh(z) = 2 sigmoid(2 z) - 1``, and
  that exponential written out (``tslib_exp``: Cody-Waite reduction ``x = n ln 2 + r``,
  a degree-6 Taylor polynomial for ``e^r`` on ``|r| <= ln 2 / 2``, relative error below
  2e-7, and ``2^n`` built in the exponent bits). Plain C with no calls and no branches,
  so gcc vectorises it for each ISA clone: 5 short polynomials per hidden unit instead
  of 3 libmvec ``expf`` and 2 ``tanhf``. Results differ from libm by a few float32 ulps
  (tested against PlainKernel to 1e-5 like every path).

Gate pre-activations come without their bias (added here); the ones that go through
``tanh`` hold twice the pre-activation (see :func:`~tslib.runner.fast.fused.fuse_layer`).
"""

from __future__ import annotations

__all__ = ["CELL_SOURCE", "MATH_CODES"]

#: Name of the maths kind -> its code in the C structs and calls.
MATH_CODES = {"libm": 0, "poly": 1}

CELL_SOURCE = r"""
/* ---------------------------------------------------------------- cell math
   g: the row's gate pre-activations without bias; b: the bias (C,); h, c: the
   slot's pool rows of this layer (read, then overwritten); out: where the new h
   goes as well. poly: 0 libm maths, 1 the polynomial exponential (a constant at
   every call site after inlining, so each kind gets its own vectorised loop). */

enum { MATH_LIBM = 0, MATH_POLY = 1 };

typedef union { float f; int32_t i; } tslib_bits;

/* e^x for float32: relative error < 2e-7 on [-87, 88]; x is clamped to that range
   (e^-87 ~ 1.6e-38 and e^88 ~ 1.7e38 keep 1 + e^x finite in the sigmoid). NaN stays NaN. */
TSLIB_INLINE float tslib_exp(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    const float n = (x * 1.44269504088896341f + shifter) - shifter;
    const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    tslib_bits scale;
    scale.i = ((int32_t)n + 127) << 23; /* 2^n, n in [-126, 127] */
    return p * scale.f;
}

TSLIB_INLINE float sigmoid_of(float x, const int poly) {
    return 1.0f / (1.0f + (poly ? tslib_exp(-x) : expf(-x)));
}

/* tanh(z) given two_z = 2 z. */
TSLIB_INLINE float tanh_of_double(float two_z, const int poly) {
    return poly ? 2.0f * sigmoid_of(two_z, 1) - 1.0f : tanhf(0.5f * two_z);
}

TSLIB_INLINE void lstm_row(int64_t H, const float *restrict g, const float *restrict b,
                           float *restrict h, float *restrict c, float *restrict out,
                           const int poly) {
    for (int64_t j = 0; j < H; j++) {
        const float i = sigmoid_of(g[j] + b[j], poly);
        const float f = sigmoid_of(g[H + j] + b[H + j], poly);
        const float n = tanh_of_double(g[2 * H + j] + b[2 * H + j], poly); /* holds 2 z_g */
        const float o = sigmoid_of(g[3 * H + j] + b[3 * H + j], poly);
        const float c_new = f * c[j] + i * n;
        const float h_new = o * tanh_of_double(2.0f * c_new, poly);
        c[j] = c_new;
        h[j] = h_new;
        out[j] = h_new;
    }
}

TSLIB_INLINE void gru_row(int64_t H, const float *restrict g, const float *restrict b,
                          float *restrict h, float *restrict out, const int poly) {
    for (int64_t j = 0; j < H; j++) { /* g: r, z, 2 n_x, 2 n_h */
        const float r = sigmoid_of(g[j] + b[j], poly);
        const float z = sigmoid_of(g[H + j] + b[H + j], poly);
        const float n_x = g[2 * H + j] + b[2 * H + j], n_h = g[3 * H + j] + b[3 * H + j];
        const float n = tanh_of_double(n_x + r * n_h, poly);
        const float h_new = n + z * (h[j] - n); /* (1 - z) n + z h */
        h[j] = h_new;
        out[j] = h_new;
    }
}

TSLIB_INLINE void rnn_row(int64_t H, const float *restrict g, const float *restrict b,
                          float *restrict h, float *restrict out, const int poly) {
    for (int64_t j = 0; j < H; j++) { /* g holds 2 z */
        const float h_new = tanh_of_double(g[j] + b[j], poly);
        h[j] = h_new;
        out[j] = h_new;
    }
}

TSLIB_INLINE void cell_rows(int cell, int64_t b0, int64_t b1, int64_t H, int64_t L,
                            int64_t layer, const float *gates, const float *bias,
                            const int64_t *slots, int64_t start, float *h_pool, float *c_pool,
                            float *out, int64_t ld_out, const int poly) {
    const int64_t width = gate_width(cell, H);
    for (int64_t b = b0; b < b1; b++) {
        const int64_t row = ((slots ? slots[b] : start + b) * L + layer) * H;
        const float *g = gates + (b - b0) * width;
        float *y = out + (b - b0) * ld_out;
        if (cell == CELL_LSTM)
            lstm_row(H, g, bias, h_pool + row, c_pool + row, y, poly);
        else if (cell == CELL_GRU)
            gru_row(H, g, bias, h_pool + row, y, poly);
        else
            rnn_row(H, g, bias, h_pool + row, y, poly);
    }
}

/* Rows b0 <= b < b1: gates row b at gates + (b - b0) * C; out row b at
   out + (b - b0) * ld_out; the pool row of slot slots[b] (or start + b). */
TSLIB_TARGETS
void tslib_cell_rows(int cell, int64_t b0, int64_t b1, int64_t H, int64_t L, int64_t layer,
                     const float *gates, const float *bias, const int64_t *slots, int64_t start,
                     float *h_pool, float *c_pool, float *out, int64_t ld_out, int math) {
    if (math == MATH_POLY)
        cell_rows(cell, b0, b1, H, L, layer, gates, bias, slots, start, h_pool, c_pool, out,
                  ld_out, 1);
    else
        cell_rows(cell, b0, b1, H, L, layer, gates, bias, slots, start, h_pool, c_pool, out,
                  ld_out, 0);
}
"""
