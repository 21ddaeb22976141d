"""One matrix for a layer's q, k and v projections, and one for its MLP's gate and up projections.

A decoding step multiplies one row by each matrix; three products over the same input cost three
calls (and, in int8, three conversions of the input to bfloat16) where one would do. Here each
block gets `self_attn.qkv` and `mlp.gate_up` (nn.Linear or Int8Linear) holding the stacked weights,
and the separate layers' weights become views of them: the file's tensors load by their own names
into the views, `forward()` is unchanged, and the decoding step (llama_decoder.py) makes one product
where it made three and two. No weight is held twice.

Float matrices keep the fast single-row layout (wide: (in, out) row-major; see row_products.py):
the stacked (q | k | v) matrix is wide, so it is stored transposed, and each part is a column range
of it.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

from studio.engine.networks.int8_linear import Int8Linear


def fuse_projections(model: nn.Module, copy: bool = True) -> None:
    """Give every block of a Llama its stacked qkv and gate_up layers; `copy` False for an
    uninitialised network (a loader's, about to be filled through the views)."""
    for block in model.model.layers:  # type: ignore[union-attr]
        a, m = block.self_attn, block.mlp
        a.qkv = _stack([a.q_proj, a.k_proj, a.v_proj], a, ("q_proj", "k_proj", "v_proj"), copy)
        m.gate_up = _stack([m.gate_proj, m.up_proj], m, ("gate_proj", "up_proj"), copy)


def _stack(
    layers: list[nn.Module], owner: nn.Module, names: tuple[str, ...], copy: bool
) -> nn.Module:
    if all(isinstance(p, Int8Linear) for p in layers):
        return _stack_int8(cast(list[Int8Linear], layers), owner, names, copy)
    parts = cast(list[nn.Linear], layers)
    outs = [int(p.weight.shape[0]) for p in parts]
    in_f = int(parts[0].weight.shape[1])
    total = sum(outs)
    has_bias = parts[0].bias is not None
    first = parts[0].weight
    with torch.no_grad():
        # float: (in, total) row-major, seen as (total, in)
        w = torch.empty(in_f, total, dtype=first.dtype, device=first.device).t()
        start = 0
        for p, n in zip(parts, outs, strict=True):
            if copy:
                w[start : start + n].copy_(p.weight)
            start += n
        fused = nn.Linear(in_f, total, bias=has_bias, device="meta")
        fused.weight = nn.Parameter(w, requires_grad=False)
        if has_bias:
            biases = [cast(torch.Tensor, p.bias) for p in parts]
            fused.bias = nn.Parameter(torch.cat(biases), requires_grad=False)
        start = 0
        for p, n in zip(parts, outs, strict=True):
            p.weight = nn.Parameter(w[start : start + n], requires_grad=False)
            if has_bias:
                p.bias = nn.Parameter(fused.bias[start : start + n], requires_grad=False)
            start += n
        return fused


def _stack_int8(
    parts: list[Int8Linear], owner: nn.Module, names: tuple[str, ...], copy: bool
) -> nn.Module:
    outs = [p.out_features for p in parts]
    total, bias = sum(outs), parts[0].bias
    q = torch.empty(total, parts[0].in_features, dtype=torch.int8)  # (total, in), contiguous
    s = torch.empty(total, dtype=torch.bfloat16)
    b = torch.empty(total, dtype=bias.dtype) if bias is not None else None
    if copy:
        with torch.no_grad():
            torch.cat([p.weight for p in parts], out=q)
            torch.cat([p.scale for p in parts], out=s)
            if b is not None:
                torch.cat([cast(torch.Tensor, p.bias) for p in parts], out=b)
    start = 0
    for name, n in zip(names, outs, strict=True):
        part_bias = b[start : start + n] if b is not None else None
        setattr(owner, name, Int8Linear(q[start : start + n], s[start : start + n], part_bias))
        start += n
    return Int8Linear(q, s, b)
