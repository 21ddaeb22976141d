"""One cached decoding step of a Llama-family network as plain tensor operations.

`LlamaDecoder(model, cache)(idx (B,)) -> logits (B, vocab)`: the arithmetic of
`Llama.forward(idx.view(B, 1), cache, last_only=True)[:, -1]` without nn.Module's per-call cost,
with every product prepared once (row_products.py). As GPT's `Decoder`, it holds references to the
model's parameters, so copying new weights in keeps it valid; the cache's tensor may be replaced
when it grows, so it is read afresh at every step.
"""

from __future__ import annotations

from typing import Protocol, cast

import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.networks.int8_linear import embedder, linear_product
from studio.engine.networks.llama_layers import Block, LlamaCache, LlamaConfig, Rotary, Trunk
from studio.engine.networks.norms import rms_norm
from studio.engine.networks.row_products import RowProduct


class LlamaParts(Protocol):
    """What the decoder reads of a `Llama` (llama.py, which imports this module)."""

    training: bool
    model: Trunk
    lm_head: nn.Module  # nn.Linear, or Int8Linear (networks/int8_linear.py)
    rotary: Rotary

    @property
    def config(self) -> LlamaConfig: ...


# One layer's parameters, prepared: input norm, q|k|v, the per-head q/k norms (Qwen3, else
# None), o, post-attention norm, gate|up, down.
Layer = tuple[
    torch.Tensor,
    RowProduct,
    "tuple[torch.Tensor, torch.Tensor] | None",
    RowProduct,
    torch.Tensor,
    RowProduct,
    RowProduct,
]


def _joined(product, owner: nn.Module) -> RowProduct:
    """q|k|v (or gate|up) of a network built without stacked matrices: the products side by side."""
    names = ("q_proj", "k_proj", "v_proj") if hasattr(owner, "q_proj") else ("gate_proj", "up_proj")
    parts = [product(getattr(owner, n)) for n in names]
    return lambda h: torch.cat([p(h) for p in parts], dim=1)


class LlamaDecoder:
    def __init__(self, model: LlamaParts, cache: LlamaCache) -> None:
        """model: a `Llama` in eval mode; cache: its `LlamaCache`."""
        if model.training:
            raise RuntimeError("LlamaDecoder is for inference; call model.eval() first")
        cfg = model.config
        self.cache = cache
        self.config = cfg
        self.rotary = model.rotary
        self.embed = embedder(model.model.embed_tokens)  # ids (B,) -> (B, C)
        self.norm = model.model.norm.weight
        rows = cache.kv.shape[1]  # B
        threads = torch.get_num_threads() if self.norm.device.type == "cpu" else 1

        def product(linear: nn.Module) -> RowProduct:
            return linear_product(linear, rows, threads)

        self.head = product(model.lm_head)  # (B, C) -> (B, V)
        self.layers: list[Layer] = []
        for layer in model.model.layers:
            b = cast(Block, layer)  # layers holds only Blocks
            a = b.self_attn
            qkv = getattr(a, "qkv", None)  # stacked by llama_fused.py: one product, not three
            gate_up = getattr(b.mlp, "gate_up", None)
            self.layers.append(
                (
                    b.input_layernorm.weight,
                    # (B, C) -> (B, (nh + 2 nkv) hd): q | k | v
                    product(qkv) if qkv is not None else _joined(product, a),
                    (a.q_norm.weight, a.k_norm.weight) if cfg.qk_norm else None,
                    product(a.o_proj),  # (B, nh * hd) -> (B, C)
                    b.post_attention_layernorm.weight,
                    # (B, C) -> (B, 2F): gate | up
                    product(gate_up) if gate_up is not None else _joined(product, b.mlp),
                    product(b.mlp.down_proj),  # (B, F) -> (B, C)
                )
            )

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        cache, cfg = self.cache, self.config
        pos = cache.length
        if pos >= cfg.block_size:
            raise ValueError(
                f"sequence of {pos + 1} tokens exceeds the context window of {cfg.block_size}"
            )
        cache.ensure(pos + 1)
        B = idx.shape[0]
        nh, nkv, hd, eps = cfg.n_head, cfg.n_kv_head, cfg.head_dim, cfg.norm_eps
        group = nh // nkv
        L = pos + 1
        x = self.embed(idx)  # (B, C)
        cos, sin = self.rotary(pos, 1, x.device, x.dtype)  # (1, hd) each
        half = hd // 2
        sdpa = F.scaled_dot_product_attention
        kv_all = cache.kv  # (n_layer, B, 2, nkv, capacity, hd)

        def rotate(t: torch.Tensor) -> torch.Tensor:  # (B, heads, hd), rotate-half layout
            return t * cos + torch.cat((-t[..., half:], t[..., :half]), dim=-1) * sin

        nq, nk, F_ = nh * hd, nkv * hd, cfg.intermediate_size
        for i, (n1, qkv_p, qk_norms, op, n2, gate_up, down) in enumerate(self.layers):
            h = rms_norm(x, n1, eps)
            qkv = qkv_p(h)  # (B, nq + 2 nk)
            q = qkv[:, :nq].reshape(B, nh, hd)
            k = qkv[:, nq : nq + nk].reshape(B, nkv, hd)
            if qk_norms is not None:
                q, k = rms_norm(q, qk_norms[0], eps), rms_norm(k, qk_norms[1], eps)
            kv = kv_all[i]  # (B, 2, nkv, capacity, hd)
            kv[:, 0, :, pos] = rotate(k)
            kv[:, 1, :, pos] = qkv[:, nq + nk :].view(B, nkv, hd)
            # the `group` query heads that share a key/value head attend as one (B, nkv, group)
            # block of queries: one position, so no mask, and no copies of the keys
            y = sdpa(
                rotate(q).view(B, nkv, group, hd),
                kv[:, 0, :, :L],
                kv[:, 1, :, :L],
            )  # (B, nkv, group, hd)
            x = op(y.reshape(B, nh * hd)).add_(x)
            h = rms_norm(x, n2, eps)
            gu = gate_up(h)  # (B, 2F)
            x = down(F.silu(gu[:, :F_]).mul_(gu[:, F_:])).add_(x)
        cache.length = L
        return self.head(rms_norm(x, self.norm, eps))  # (B, V)
