"""Weight-only int8: each output channel of a matrix stored as int8 with one scale.

`W (out, in) ~= q (out, in) int8 * scale (out,)`, with `scale = max |W[o, :]| / 127` rounded up to
a bfloat16 number, so the scale the kernel reads is exact. Activations, norms, the KV cache and the
residual stream stay in float32; only the big matrices shrink, to a quarter of their float32 bytes,
and a decoding step, which reads every weight once, reads a quarter as much.

The product is `torch._weight_int8pack_mm(x bf16 (M, in), q (out, in), scale bf16 (out,))`, torch's
CPU kernel for exactly this layout. Measured on this project's 2-core AVX-512 machine (1 thread,
SmolLM2-135M's 210 layer matrices streamed from memory): 22.9 ms a pass against 41.8 ms for
float32, while the same kernel with float32 activations runs at 1.2 GB/s (a generic fallback,
18 times slower) and dequantising a matrix to float32 before each product costs more than the
product. So activations go in as bfloat16 and come back as float32; the rounding of x and y to
bfloat16 adds about as much error as the int8 weights themselves (tests/test_precision.py bounds
both together).

A tied embedding (the token table that is also the output layer) is quantised once, per row: the
output layer's channels are the table's rows, and looking a token up dequantises its one row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import nn

from studio.engine.networks.row_products import RowProduct, row_product

QMAX = 127  # symmetric: -127..127, so that -q is always representable
CHUNK_ROWS = 4096  # rows quantised at a time: a float copy of a 150k-row table is never whole


def quantise_into(w: torch.Tensor, q: torch.Tensor, scale: torch.Tensor) -> None:
    """Fill q (out, in) int8 and scale (out,) bfloat16 from w (out, in), any float dtype, a
    block of rows at a time (w may be a memory map: only one block is ever held in float32)."""
    for start in range(0, w.shape[0], CHUNK_ROWS):
        block = w[start : start + CHUNK_ROWS].float()  # (rows, in); w itself if float32
        s = (block.abs().amax(dim=1) / QMAX).clamp_min(1e-30)
        s16 = s.to(torch.bfloat16)
        # rounded up, so that no weight needs more than 127 steps of the stored scale
        s16 = torch.where(s16.float() < s, torch.nextafter(s16, s16.new_tensor(1e30)), s16)
        scale[start : start + CHUNK_ROWS] = s16
        step = s16.float().unsqueeze(1)
        # out of place: `block` may be the caller's tensor (or a read-only file map)
        q[start : start + CHUNK_ROWS] = (block / step).round_().clamp_(-QMAX, QMAX).to(torch.int8)


def quantise(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(q (out, in) int8, scale (out,) bfloat16) of a float matrix w (out, in)."""
    q = torch.empty(w.shape, dtype=torch.int8, device=w.device)
    scale = torch.empty(w.shape[0], dtype=torch.bfloat16, device=w.device)
    quantise_into(w, q, scale)
    return q, scale


def dequantise(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """The float32 matrix (out, in) that q and scale stand for."""
    return q.float() * scale.float().unsqueeze(1)


class Int8Linear(nn.Module):
    """`y = x @ (q * scale).T + bias` for x (..., in) float32 (or bfloat16) -> y (..., out)."""

    def __init__(self, weight: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        # int8 Parameters without gradients, so that `parameters()`, `.to(device)` and the size
        # counts see them; `.to(torch.bfloat16)` leaves integer and bfloat16 tensors as they are
        self.weight = nn.Parameter(weight, requires_grad=False)  # (out, in) int8
        self.scale = nn.Parameter(scale, requires_grad=False)  # (out,) bfloat16
        self.bias = nn.Parameter(bias, requires_grad=False) if bias is not None else None
        self.out_features, self.in_features = weight.shape

    @classmethod
    def empty(cls, out_f: int, in_f: int, bias: bool, dtype: torch.dtype) -> Int8Linear:
        """Uninitialised, to be filled by `quantise_into` (a loader's tensor-by-tensor path)."""
        q = torch.empty(out_f, in_f, dtype=torch.int8)
        s = torch.empty(out_f, dtype=torch.bfloat16)
        return cls(q, s, torch.empty(out_f, dtype=dtype) if bias else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = int8_product(self.weight, self.scale, self.bias, x.reshape(-1, self.in_features))
        return y.to(x.dtype).view(*x.shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


class Int8Embedding(nn.Module):
    """A token table stored as the output layer's int8 rows: ids (...) -> vectors (..., C) float32."""

    def __init__(self, head: Int8Linear):
        super().__init__()
        self.weight = head.weight  # the same Parameter objects: one copy, tied
        self.scale = head.scale

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        return embed_int8(self.weight, self.scale, idx)


def embed_int8(weight: torch.Tensor, scale: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    rows = torch.embedding(weight, idx).float()  # (..., C)
    return rows.mul_(torch.embedding(scale.unsqueeze(1), idx).float())


def int8_product(
    weight: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None, x: torch.Tensor
) -> torch.Tensor:
    """x (M, in) -> (M, out) float32."""
    y = torch._weight_int8pack_mm(x.to(torch.bfloat16), weight, scale).float()
    return y if bias is None else y.add_(bias)


def linear_product(linear: nn.Module, rows: int, threads: int) -> RowProduct:
    """A decoding step's product for a layer: float weights through row_products (column blocks
    over threads), int8 ones through the int8 kernel (which shares the columns out itself)."""
    if isinstance(linear, Int8Linear):
        return partial(int8_product, linear.weight, linear.scale, linear.bias)
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"no product for {type(linear).__name__}")
    return row_product(linear.weight, linear.bias, rows, threads)


def embedder(embedding: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """ids (B,) -> vectors (B, C) float, for a float or an int8 token table."""
    if isinstance(embedding, Int8Embedding):
        return partial(embed_int8, embedding.weight, embedding.scale)
    if not isinstance(embedding, nn.Embedding):
        raise TypeError(f"no lookup for {type(embedding).__name__}")
    return partial(torch.embedding, embedding.weight)


def to_int8(linear: nn.Linear) -> Int8Linear:
    """An Int8Linear made from a float layer (its float weight can then be freed)."""
    q, s = quantise(linear.weight.detach())
    bias = linear.bias.detach().float() if linear.bias is not None else None
    return Int8Linear(q, s, bias)


def quantise_network(model: nn.Module, tied: tuple[str, str] | None) -> nn.Module:
    """Every nn.Linear of `model` replaced, in place, by an Int8Linear, each float weight freed as
    soon as it is converted. `tied` = (embedding name, head name) when the output layer shares the
    token table: the pair becomes one int8 table (Int8Embedding + Int8Linear)."""
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    for name, module in linears:
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, attr, to_int8(module))
        del module
    if tied is not None:
        embed_name, head_name = tied
        head = model.get_submodule(head_name)
        assert isinstance(head, Int8Linear)
        parent_name, _, attr = embed_name.rpartition(".")
        setattr(model.get_submodule(parent_name), attr, Int8Embedding(head))
    return model


def int8_skeleton(model: nn.Module, tied: tuple[str, str] | None) -> None:
    """Every nn.Linear of `model` replaced by an uninitialised Int8Linear (made on the current
    default device: the meta device while a loader builds), for a loader to fill with
    `quantise_into`; `tied` as for quantise_network."""
    for name, m in [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]:
        parent_name, _, attr = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        dtype = m.bias.dtype if m.bias is not None else torch.float32
        out_f, in_f = m.weight.shape
        setattr(parent, attr, Int8Linear.empty(out_f, in_f, m.bias is not None, dtype))
    if tied is not None:
        embed_name, head_name = tied
        head = model.get_submodule(head_name)
        assert isinstance(head, Int8Linear)
        parent_name, _, attr = embed_name.rpartition(".")
        setattr(model.get_submodule(parent_name), attr, Int8Embedding(head))
