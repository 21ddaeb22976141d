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
    parts: list[nn.Module], owner: nn.Module, names: tuple[str, ...], copy: bool
) -> nn.Module:
    outs = [p.weight.shape[0] for p in parts]
    in_f = parts[0].weight.shape[1]
    total = sum(outs)
    has_bias = parts[0].bias is not None
    first = parts[0].weight
    with torch.no_grad():
        if isinstance(parts[0], Int8Linear):
            q = torch.empty(total, in_f, dtype=torch.int8)  # (total, in), contiguous
            s = torch.empty(total, dtype=torch.bfloat16)
            b = torch.empty(total, dtype=parts[0].bias.dtype) if has_bias else None
            if copy:
                torch.cat([p.weight for p in parts], out=q)
                torch.cat([p.scale for p in parts], out=s)
                if b is not None:
                    torch.cat([p.bias for p in parts], out=b)
            fused: nn.Module = Int8Linear(q, s, b)
            start = 0
            for name, n in zip(names, outs, strict=True):
                view = Int8Linear(
                    q[start : start + n],
                    s[start : start + n],
                    b[start : start + n] if b is not None else None,
                )
                setattr(owner, name, view)
                start += n
            return fused
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
            fused.bias = nn.Parameter(torch.cat([p.bias for p in parts]), requires_grad=False)
        start = 0
        for p, n in zip(parts, outs, strict=True):
            p.weight = nn.Parameter(w[start : start + n], requires_grad=False)
            if has_bias:
                p.bias = nn.Parameter(fused.bias[start : start + n], requires_grad=False)
            start += n
        return fused
