"""Fused recurrent-cell math shared by the fast kernels.

Weights of one layer are fused into a single (In + H, C) matrix so that a step
is one GEMM on ``[input, h]`` followed by in-place gate arithmetic. Every
``tanh`` is written ``2 sigmoid(2 z) - 1`` with the doubling folded into the
weights: on the CPU torch's ``sigmoid`` is several times faster than its
``tanh``, and a single sigmoid then covers all the gates of an LSTM.

The GRU and RNN updates take an ``ops`` namespace, :class:`TorchOps` or
:class:`NumpyOps`, so the same code runs on torch tensors (large batches, CUDA)
and on NumPy views of the same memory (tiny CPU batches, where a NumPy call
costs about 1 µs and a torch eager call 3-5 µs). The LSTM update has one
version per namespace: torch's needs fewer passes over memory (``addcmul_``),
NumPy's fewer calls (``np.tanh`` is fast there). ``gemm`` takes the fused
matrix with the bias appended as a last row, (In + H + 1, C): NumPy multiplies
``[x, h, 1]`` by it in one call, torch uses ``addmm`` on its two parts.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import expit

__all__ = [
    "fuse_layer",
    "lstm_update_torch",
    "lstm_update_numpy",
    "gru_update",
    "rnn_update",
    "TorchOps",
    "NumpyOps",
]


def fuse_layer(
    cell: str, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor, b_hh: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fuse one layer's weights into a (In + H, C) matrix and a (C,) bias.

    Pre-activations that go through ``tanh`` are doubled so that
    ``tanh(z) = 2 sigmoid(2 z) - 1`` needs only a sigmoid of the GEMM output.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
        Cell type; gate order is torch's.
    w_ih, w_hh, b_ih, b_hh : torch.Tensor
        (G H, In), (G H, H), (G H,), (G H,) with G = 4, 3 or 1.

    Returns
    -------
    tuple[torch.Tensor, torch.Tensor]
        Contiguous weight (In + H, C) and bias (C,). Columns: LSTM ``i, f, 2g, o``
        (C = 4H); GRU ``r, z, 2 n_x, 2 n_h`` (C = 4H: the input and hidden parts of
        the new gate stay apart because ``r`` scales only the hidden part);
        RNN ``2 z`` (C = H).
    """
    hidden, n_in = w_hh.shape[1], w_ih.shape[1]
    with torch.no_grad():
        if cell == "gru":
            zeros_x = w_ih.new_zeros(n_in, hidden)  # (In, H)
            zeros_h = w_hh.new_zeros(hidden, hidden)  # (H, H)
            top = torch.cat([w_ih.t(), zeros_x], 1)  # (In, 4H): r, z, n_x, 0
            bottom = torch.cat([w_hh[: 2 * hidden].t(), zeros_h, w_hh[2 * hidden :].t()], 1)
            weight = torch.cat([top, bottom], 0)  # (In + H, 4H)
            bias = torch.cat([b_ih[: 2 * hidden] + b_hh[: 2 * hidden], b_ih[2 * hidden :],
                              b_hh[2 * hidden :]])  # fmt: skip
        else:
            weight = torch.cat([w_ih, w_hh], 1).t()  # (In + H, C)
            bias = b_ih + b_hh  # (C,)
        scale = torch.ones_like(bias)  # (C,)
        if cell == "lstm":
            scale[2 * hidden : 3 * hidden] = 2.0
        elif cell == "gru":
            scale[2 * hidden :] = 2.0
        else:
            scale[:] = 2.0
        return (weight * scale).contiguous(), (bias * scale).contiguous()


# --------------------------------------------------------------------- cell math
# Each update works on (B, H) views, in place, with ``ops`` being torch or NumPy.


def lstm_update_torch(gates, views, c_prev, c_new, h_new, tmp) -> None:
    """LSTM gates -> new (c, h) with torch, in as few passes over memory as possible."""
    i, f, g, o = views  # (B, H) views of gates (B, 4H)
    torch.sigmoid(gates, out=gates)  # sigma(i), sigma(f), sigma(2 z_g), sigma(o)
    torch.mul(f, c_prev, out=c_new)  # c_prev may alias c_new (elementwise, safe)
    c_new.addcmul_(i, g, value=2)
    c_new.sub_(i)  # c' = f c + i (2 sigma(2 z_g) - 1) = f c + i tanh(z_g)
    torch.mul(c_new, 2, out=tmp)
    tmp.sigmoid_()
    torch.mul(o, tmp, out=h_new)
    h_new.mul_(2)
    h_new.sub_(o)  # h' = o (2 sigma(2 c') - 1) = o tanh(c')


def lstm_update_numpy(gates, views, c_prev, c_new, h_new, tmp) -> None:
    """The same with NumPy, where ``np.tanh`` is cheap and every call counts."""
    i, f, g, o = views  # (B, H) views of gates (B, 4H)
    expit(gates, out=gates)
    g *= 2
    g -= 1  # tanh(z_g)
    np.multiply(i, g, out=tmp)
    np.multiply(f, c_prev, out=c_new)
    c_new += tmp  # c' = f c + i g
    np.tanh(c_new, out=tmp)
    np.multiply(o, tmp, out=h_new)


def gru_update(ops, gates, views, h_prev, h_new) -> None:
    """GRU gates (B, 4H) = r, z, 2 n_x, 2 n_h pre-activations -> new h, in place."""
    rz, r, z, n_x, n_h = views  # rz (B, 2H); others (B, H)
    ops.sigmoid(rz, out=rz)
    n_h *= r
    n_h += n_x
    ops.sigmoid(n_h, out=n_h)
    n_h *= 2
    n_h -= 1  # n = tanh(n_x + r n_h)
    ops.sub(h_prev, n_h, out=h_new)
    h_new *= z
    h_new += n_h  # h' = (1 - z) n + z h


def rnn_update(ops, gates, h_new) -> None:
    """Elman cell: doubled pre-activations (B, H) -> new h = tanh(z)."""
    ops.sigmoid(gates, out=h_new)
    h_new *= 2
    h_new -= 1  # tanh(z)


class TorchOps:
    """Torch spelling of the few array operations the kernels use."""

    numpy = False
    lstm_update = staticmethod(lstm_update_torch)
    sigmoid = staticmethod(torch.sigmoid)
    mul = staticmethod(torch.mul)
    sub = staticmethod(torch.sub)

    @staticmethod
    def gemm(a, weight, out):
        torch.addmm(weight[-1], a, weight[:-1], out=out)  # (B, C); bias = last row

    @staticmethod
    def linear(a, weight, bias):
        return torch.addmm(bias, a, weight)  # (B, O), a fresh tensor

    @staticmethod
    def copy(dst, src):
        dst.copy_(src)

    @staticmethod
    def gather(src, index, out):
        torch.index_select(src, 0, index, out=out)

    @staticmethod
    def scatter(dst, index, rows):
        dst.index_copy_(0, index, rows)


class NumpyOps:
    """NumPy spelling of the same operations (CPU, small batches)."""

    numpy = True
    lstm_update = staticmethod(lstm_update_numpy)
    sigmoid = staticmethod(expit)
    mul = staticmethod(np.multiply)
    sub = staticmethod(np.subtract)

    @staticmethod
    def gemm(a, weight, out):
        np.matmul(a, weight, out=out)  # (B, C); a ends with a ones column, weight with b

    @staticmethod
    def linear(a, weight, bias):
        y = a @ weight  # (B, O)
        y += bias
        return y

    @staticmethod
    def copy(dst, src):
        np.copyto(dst, src)

    @staticmethod
    def gather(src, index, out):
        np.take(src, index, axis=0, out=out)

    @staticmethod
    def scatter(dst, index, rows):
        dst[index] = rows
