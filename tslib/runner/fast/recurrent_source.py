"""C source of the fp32 native recurrent step, and its ABI as seen from Python.

The whole C side of the native LSTM / GRU / RNN step (compiled at first use by
:mod:`.recurrent_library`, called by :mod:`.recurrent_native`), in one Python string so
that it ships with the package; no torch or Python headers: the functions take raw
pointers to contiguous float32 arrays. :data:`SOURCE` is assembled from four parts,
each defined here:

* the argument structs (:data:`STRUCTS_SOURCE`), declared once in C as field lists
  (X-macros) that give the struct, its field names, offsets and sizes, exported by
  ``tslib_struct_layout``; their hand-written :mod:`ctypes` mirrors
  (:class:`StepArgs`, :class:`LayerArgs`) and the check that ties the two
  (:func:`read_c_layout`, :func:`layout_mismatches`, run by the load-time probe);
* the cell maths (:data:`CELL_SOURCE`): ``tslib_cell_rows`` applies one cell update to
  a block of gate rows and writes the new state into the pool rows, with one of two
  kinds of maths (:data:`MATH_CODES`): ``"poly"``, one vectorised polynomial ``exp``
  for every gate (the default), or ``"libm"``, libm / libmvec ``expf`` and ``tanhf``;
* which per-ISA clone runs (:data:`ISA_SOURCE`, :data:`ISA_NAMES`);
* the entry points: ``tslib_step_small`` (a whole step for a few rows),
  ``tslib_layer_tiled`` (one layer of a large batch: GEMM tiles by the BLAS ``sgemm``
  torch uses, gate maths and the output layer in cache), and the fallback pair
  ``tslib_pack`` / ``tslib_pointwise`` around a ``torch.mm``.

Gate pre-activations come from :func:`~tslib.runner.fast.fused.fuse_layer` without
their bias (added in C); the ones that go through ``tanh`` are doubled, and
``tanhf(0.5f * g)`` undoes that exactly. With ``TSLIB_LIBMVEC`` gcc may call glibc's
vector variants of ``expf`` / ``tanhf`` (libmvec), which lets it vectorise the loops
without ``-ffast-math``. With ``TSLIB_CLONES`` (x86-64) the loops are compiled for
AVX-512, AVX2 and baseline x86-64 and the loader picks one for the CPU it runs on.
"""

from __future__ import annotations

import ctypes

__all__ = [
    "ABI_VERSION",
    "CELL_SOURCE",
    "ISA_NAMES",
    "ISA_SOURCE",
    "MATH_CODES",
    "SOURCE",
    "STRUCTS",
    "STRUCTS_SOURCE",
    "LayerArgs",
    "StepArgs",
    "ctypes_layout",
    "layout_mismatches",
    "read_c_layout",
]


# ----------------------------------------------------------------- argument structs
_P = ctypes.c_void_p
_I = ctypes.c_int64


class StepArgs(ctypes.Structure):
    """The C struct ``tslib_step_args`` (arguments of ``tslib_step_small``)."""

    _fields_ = [
        *[(name, _I) for name in ("cell", "batch", "n_in", "hidden", "layers", "n_out")],
        ("capacity", _I),
        ("start", _I),
        *[(name, _P) for name in ("x", "slots", "h_pool", "c_pool", "weights")],
        *[(name, _P) for name in ("w_out", "b_out", "work", "y")],
        ("math", _I),
        ("check_finite", _I),
    ]


class LayerArgs(ctypes.Structure):
    """The C struct ``tslib_layer_args`` (arguments of ``tslib_layer_tiled``)."""

    _fields_ = [
        ("sgemm", _P),
        *[(name, _I) for name in ("cell", "batch", "n_in", "hidden", "layers", "layer")],
        *[(name, _I) for name in ("capacity", "start", "tile", "ld_x", "ld_out", "nthreads")],
        *[(name, _P) for name in ("x", "slots", "h_pool", "c_pool", "weight", "scratch", "out")],
        ("n_out", _I),
        *[(name, _P) for name in ("w_out", "b_out", "y")],
        ("math", _I),
    ]


#: C struct name -> (``which`` argument of ``tslib_struct_layout``, ctypes mirror).
STRUCTS: dict[str, tuple[int, type[ctypes.Structure]]] = {
    "tslib_step_args": (0, StepArgs),
    "tslib_layer_args": (1, LayerArgs),
}

_MAX_FIELDS = 64

#: C declarations of the structs and of ``tslib_struct_layout`` (part of the source).
STRUCTS_SOURCE = r"""
/* Arguments of tslib_layer_tiled (one layer of a large batch), as a field list (see
   TSLIB_STRUCTS below). */
#define TSLIB_LAYER_FIELDS(X)                                                                \
    X(void *, sgemm)              /* tslib_sgemm */                                          \
    X(int64_t, cell) X(int64_t, batch) X(int64_t, n_in) X(int64_t, hidden)                   \
    X(int64_t, layers) X(int64_t, layer) X(int64_t, capacity) X(int64_t, start)              \
    X(int64_t, tile) X(int64_t, ld_x) X(int64_t, ld_out) X(int64_t, nthreads)                \
    X(const float *, x)           /* (B, In) rows with stride ld_x: the layer input */       \
    X(const int64_t *, slots)     /* (B,) or NULL: rows start, start + 1, ... */             \
    X(float *, h_pool)            /* (capacity, L, H) */                                     \
    X(float *, c_pool)            /* (capacity, L, H) or NULL */                             \
    X(const float *, weight)      /* (In + H + 1, C): [W_ih | W_hh]^T, bias last */          \
    X(float *, scratch)           /* max(nthreads, 1) * tile * (In + H + C) floats */        \
    X(float *, out)               /* (B, H) rows with stride ld_out: the new h */            \
    X(int64_t, n_out)             /* O, when y is set */                                     \
    X(const float *, w_out)       /* (H, O): the output layer (top layer only) */            \
    X(const float *, b_out)       /* (O,) */                                                 \
    X(float *, y)                 /* (B, O) or NULL: y = out @ w_out + b_out, per tile */  \
    X(int64_t, math)              /* 0 libm, 1 polynomial exp (native_cellmath) */

/* Arguments of tslib_step_small, kept in one struct so that Python updates only
   the fields that change between calls (a ctypes call costs ~0.1 us per argument). */
#define TSLIB_STEP_FIELDS(X)                                                                 \
    X(int64_t, cell) X(int64_t, batch) X(int64_t, n_in) X(int64_t, hidden)                   \
    X(int64_t, layers) X(int64_t, n_out) X(int64_t, capacity) X(int64_t, start)              \
    X(const float *, x)               /* (B, F) */                                           \
    X(const int64_t *, slots)         /* (B,) or NULL: rows start, start + 1, ... */         \
    X(float *, h_pool)                /* (capacity, L, H) */                                 \
    X(float *, c_pool)                /* (capacity, L, H); NULL unless LSTM */               \
    X(const float *const *, weights)  /* per layer (In_l + H + 1, C), bias last */           \
    X(const float *, w_out)           /* (H, O) */                                           \
    X(const float *, b_out)           /* (O,) */                                             \
    X(float *, work)                  /* max(F, H) + H + 4 H floats */                       \
    X(float *, y)                     /* (B, O) */                                           \
    X(int64_t, math)                  /* 0 libm, 1 polynomial exp (native_cellmath) */      \
    X(int64_t, check_finite)          /* 1: return -2 before any write on NaN / inf in x */

#define TSLIB_FIELD(type, name) type name;
typedef struct { TSLIB_LAYER_FIELDS(TSLIB_FIELD) } tslib_layer_args;
typedef struct { TSLIB_STEP_FIELDS(TSLIB_FIELD) } tslib_step_args;

/* TSLIB_STRUCTS: the layout of the argument structs as this compiler lays them out,
   for the load-time probe that compares it with the ctypes mirrors. Struct `which`
   (0: tslib_step_args, 1: tslib_layer_args): *names = "field,field,...,", offsets[i]
   and sizes[i] of field i. Returns sizeof the struct, or -1 for an unknown struct or
   buffers of fewer than the field count (capacity). */
#define TSLIB_NAME(type, name) #name ","
#define TSLIB_OFFSET(type, name) (int64_t) offsetof(TSLIB_STRUCT, name),
#define TSLIB_SIZE(type, name) (int64_t) sizeof(((TSLIB_STRUCT *)0)->name),
int64_t tslib_struct_layout(int which, const char **names, int64_t *offsets, int64_t *sizes,
                            int64_t capacity) {
#define TSLIB_STRUCT tslib_step_args
    static const char step_names[] = TSLIB_STEP_FIELDS(TSLIB_NAME);
    static const int64_t step_offsets[] = {TSLIB_STEP_FIELDS(TSLIB_OFFSET)};
    static const int64_t step_sizes[] = {TSLIB_STEP_FIELDS(TSLIB_SIZE)};
#undef TSLIB_STRUCT
#define TSLIB_STRUCT tslib_layer_args
    static const char layer_names[] = TSLIB_LAYER_FIELDS(TSLIB_NAME);
    static const int64_t layer_offsets[] = {TSLIB_LAYER_FIELDS(TSLIB_OFFSET)};
    static const int64_t layer_sizes[] = {TSLIB_LAYER_FIELDS(TSLIB_SIZE)};
#undef TSLIB_STRUCT
    const int64_t *off = which == 0 ? step_offsets : layer_offsets;
    const int64_t *size = which == 0 ? step_sizes : layer_sizes;
    const int64_t count = (int64_t)((which == 0 ? sizeof step_offsets : sizeof layer_offsets) /
                                    sizeof(int64_t));
    if ((which != 0 && which != 1) || count > capacity) return -1;
    *names = which == 0 ? step_names : layer_names;
    memcpy(offsets, off, (size_t)count * sizeof(int64_t));
    memcpy(sizes, size, (size_t)count * sizeof(int64_t));
    return which == 0 ? (int64_t)sizeof(tslib_step_args) : (int64_t)sizeof(tslib_layer_args);
}
"""


def ctypes_layout(struct: type[ctypes.Structure]) -> dict:
    """``{"size": sizeof, "fields": [[name, offset, size], ...]}`` of a ctypes struct."""
    fields = [
        [name, getattr(struct, name).offset, getattr(struct, name).size]
        for name, *_ in struct._fields_
    ]
    return {"size": ctypes.sizeof(struct), "fields": fields}


def read_c_layout(library: ctypes.CDLL) -> dict[str, dict]:
    """The layout of every struct in :data:`STRUCTS` as the compiled library has it.

    Same form as :func:`ctypes_layout`, keyed by C struct name; a struct the library
    does not know maps to ``{"size": -1, "fields": []}``.
    """
    function = library.tslib_struct_layout
    function.argtypes = [
        ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int64),
        ctypes.POINTER(ctypes.c_int64), ctypes.c_int64,
    ]  # fmt: skip
    function.restype = ctypes.c_int64
    out = {}
    for name, (which, _) in STRUCTS.items():
        names = ctypes.c_char_p()
        offsets, sizes = (ctypes.c_int64 * _MAX_FIELDS)(), (ctypes.c_int64 * _MAX_FIELDS)()
        size = function(which, ctypes.byref(names), offsets, sizes, _MAX_FIELDS)
        if size < 0:
            out[name] = {"size": -1, "fields": []}
            continue
        fields = [field for field in names.value.decode().split(",") if field]
        out[name] = {
            "size": int(size),
            "fields": [[f, int(offsets[i]), int(sizes[i])] for i, f in enumerate(fields)],
        }
    return out


def layout_mismatches(
    c_layout: dict[str, dict], structs: dict[str, type[ctypes.Structure]] | None = None
) -> list[str]:
    """Differences between the C layout (:func:`read_c_layout`) and the ctypes mirrors.

    Parameters
    ----------
    c_layout : dict
        C struct name -> ``{"size", "fields"}`` as read from the library.
    structs : dict, optional
        C struct name -> ctypes mirror; default the mirrors of :data:`STRUCTS`.

    Returns
    -------
    list of str
        One line per difference (empty when every size, name and offset agrees).
    """
    structs = structs or {name: struct for name, (_, struct) in STRUCTS.items()}
    problems = []
    for name, struct in structs.items():
        c_side = c_layout.get(name)
        if c_side is None:
            problems.append(f"{name}: not reported by the library")
            continue
        mirror = ctypes_layout(struct)
        if c_side["size"] != mirror["size"]:
            problems.append(f"{name}: sizeof {c_side['size']} in C, {mirror['size']} in ctypes")
        c_fields = {field: (offset, size) for field, offset, size in c_side["fields"]}
        py_fields = {field: (offset, size) for field, offset, size in mirror["fields"]}
        if list(c_fields) != list(py_fields):
            problems.append(f"{name}: fields {list(c_fields)} in C, {list(py_fields)} in ctypes")
        for field in [f for f in c_fields if f in py_fields]:
            if c_fields[field] != py_fields[field]:
                problems.append(
                    f"{name}.{field}: (offset, size) {c_fields[field]} in C, "
                    f"{py_fields[field]} in ctypes"
                )
    return problems


# ------------------------------------------------------------------------ cell maths
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


# ----------------------------------------------------------------------- ISA clones
#: ``tslib_native_isa()`` code -> name of the clone the loader picked.
ISA_NAMES = {2: "avx512f", 1: "avx2", 0: "x86-64 baseline", -1: "one build (no clones)"}

#: C source of ``tslib_native_isa`` (part of the library source).
ISA_SOURCE = r"""
/* The clone target_clones("avx512f", "avx2", "default") resolves to on this CPU:
   2 avx512f, 1 avx2, 0 baseline; -1 when built without clones. */
int tslib_native_isa(void) {
#ifdef TSLIB_CLONES
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2")) return 1;
    return 0;
#else
    return -1;
#endif
}
"""


# ---------------------------------------------------------------- the whole source
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
