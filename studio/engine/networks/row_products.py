"""Single-row matrix products for decoding steps: `y = b + x @ W` for x of shape (1, in).

A decoding step multiplies one row by every weight matrix of the model, so its speed is the speed
at which the matrices stream from memory. On CPU, one BLAS call for the whole matrix reads it at
10-19 GB/s on this project's 2-core reference machine; the same product cut into one column block
per thread and made as one batched call (`baddbmm`, each thread taking whole blocks) reads it at
15-23 GB/s (GPT-2 small's shapes, cold cache). With one thread the batched call is slower, so the
blocks are used only with two threads or more, and only for matrices too big to stay in cache.

Both ways give bitwise the same numbers, on one thread or two: each output is the same dot product
over the same memory, and the result depends on the weight's layout in memory, not on how the
columns are shared out (checked in tests over many shapes). So the blocks change no sample.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch

# Smaller matrices are left whole: measured on 2 threads, blocks made the 6x192 model (0.15-0.6 MB
# matrices, 10.6 MB in all, mostly in cache) 23% slower, and gained 10-13% on 6x384 and 6x512
# models (1.2-4 MB matrices) and 17% on GPT-2 small's shape (2.4-9.4 MB, and the 154 MB head).
MIN_BLOCKED_BYTES = 1 << 20
# Blocks are a multiple of this many columns (SIMD-friendly widths, where every BLAS kernel
# computes each dot product the same way); leftover columns go through the plain product.
BLOCK_ALIGN = 64

RowProduct = Callable[[torch.Tensor], torch.Tensor]


def row_product(
    weight: torch.Tensor, bias: torch.Tensor | None, rows: int, threads: int
) -> RowProduct:
    """`x (rows, in) -> b + x @ weight.T (rows, out)` for a weight of shape (out, in).

    The weight is read where it lies (no copy): stored (in, out) row-major (`weight.t()`
    contiguous, the wide matrices of `GPT`) or (out, in) row-major (the tall one). `bias` None
    means none. The product is split into column blocks when `rows` is 1, `threads` is 2 or more
    and the matrix is large enough; otherwise it is the plain BLAS call.
    """
    out_f, in_f = weight.shape
    transposed = weight.t().is_contiguous()  # stored (in, out)
    if not transposed and not weight.is_contiguous():
        raise ValueError("row_product needs a weight stored (out, in) or (in, out) contiguously")
    k = threads
    n = (out_f // max(k, 1)) // BLOCK_ALIGN * BLOCK_ALIGN
    big = weight.numel() * weight.element_size() >= MIN_BLOCKED_BYTES
    if rows != 1 or k < 2 or n == 0 or not big:
        return _plain(weight, bias, transposed)
    split = k * n
    if transposed:
        w_io = weight.t()  # (in, out), contiguous
        # block j = columns j*n .. (j+1)*n of (in, out): (k, in, n), rows `out` apart
        blocks = w_io.as_strided((k, in_f, n), (n, out_f, 1))
    else:
        # rows j*n .. (j+1)*n of (out, in), read as (in, n) column-major: (k, in, n)
        blocks = weight.narrow(0, 0, split).view(k, n, in_f).transpose(1, 2)
    block_bias = (
        bias.narrow(0, 0, split).view(k, 1, n)
        if bias is not None
        else weight.new_zeros(k, 1, n)  # x @ W + 0.0 is x @ W exactly
    )
    rest = None
    if split < out_f:
        rest = _plain(
            weight.narrow(0, split, out_f - split),
            bias.narrow(0, split, out_f - split) if bias is not None else None,
            transposed,
        )
    return partial(_blocked, blocks, block_bias, (k, 1, in_f), (1, split), rest)


def _blocked(
    blocks: torch.Tensor,
    block_bias: torch.Tensor,
    x_shape: tuple[int, int, int],
    y_shape: tuple[int, int],
    rest: RowProduct | None,
    x: torch.Tensor,
) -> torch.Tensor:
    # (k, 1, in) @ (k, in, n) -> (k, 1, n), laid out in memory as the row (1, k * n)
    y = torch.baddbmm(block_bias, x.expand(x_shape), blocks).view(y_shape)
    return y if rest is None else torch.cat((y, rest(x)), 1)


def _plain(weight: torch.Tensor, bias: torch.Tensor | None, transposed: bool) -> RowProduct:
    b = bias if bias is not None else weight.new_zeros(weight.shape[0])
    if transposed:
        return partial(torch.addmm, b, mat2=weight.t())  # (in, out) read row by row
    return partial(_dot_rows, weight, b)


def _dot_rows(weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    # (out, in) row-major: out dot products over contiguous rows; addmv for a single row
    if x.shape[0] == 1:
        return torch.addmv(bias, weight, x.view(-1)).view(1, -1)
    return torch.nn.functional.linear(x, weight, bias)
