"""The argument structs shared by the C kernels and :mod:`ctypes`, and their layout check.

The C side declares each struct once, as a field list (an X-macro), so that the
same list gives the struct, its field names, offsets and sizes; the library exports
them through ``tslib_struct_layout``. The Python side mirrors each struct by hand as
a :class:`ctypes.Structure` (:class:`StepArgs`, :class:`LayerArgs`): nothing but
this check ties the two together. :func:`read_c_layout` reads the C layout from a
loaded library and :func:`layout_mismatches` compares it with the mirrors; the
load-time probe (:mod:`.native_probe`) runs both, in a subprocess, before the
library is used.
"""

from __future__ import annotations

import ctypes

__all__ = [
    "STRUCTS",
    "STRUCTS_SOURCE",
    "LayerArgs",
    "StepArgs",
    "ctypes_layout",
    "layout_mismatches",
    "read_c_layout",
]

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
