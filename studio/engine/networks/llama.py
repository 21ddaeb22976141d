"""The Llama family (Llama 2/3, Qwen2, Qwen3, SmolLM, TinyLlama) with a growing KV cache.

In the manner of gpt-fast's model.py: one dataclass config; RMSNorm, rotary position embeddings
(with `linear` and `llama3` frequency scaling), grouped-query attention, a SwiGLU MLP, optional
q/k/v biases (Qwen2), optional RMSNorm of every query and key head (Qwen3), tied or untied output.
Parameter names are Hugging Face's (`model.layers.0.self_attn.q_proj.weight`, ...), so a folder's
tensors load by name. The math follows transformers' LlamaForCausalLM step by step (rotate-half
rotary layout, norms computed in float32), so logits agree to float rounding. The parts (config,
rotary, cache, layers) are in llama_layers.py; one cached step as plain tensor operations in
llama_decoder.py.
"""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.networks.inspection import NetworkTrace
from studio.engine.networks.llama_decoder import LlamaDecoder
from studio.engine.networks.llama_layers import Block, LlamaCache, LlamaConfig, Rotary, Trunk


class Llama(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        problems = config.validate()
        if problems:
            raise ValueError("; ".join(problems))
        self.config = config
        self.model = Trunk(config)
        # nn.Linear, or an Int8Linear once quantised (networks/int8_linear.py)
        self.lm_head: nn.Module = nn.Linear(config.dim, config.vocab_size, bias=False)
        if config.tie_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        self.rotary = Rotary(config)
        # As GPT: wide matrices (out >= in) kept (in, out) row-major in memory, the fast layout for
        # a single-row product on CPU BLAS (row_products.py); copies into them keep it. An untied
        # embedding stays as it is: it is only gathered from.
        with torch.no_grad():
            for p in self.parameters():
                if p.dim() == 2 and p.shape[0] >= p.shape[1]:
                    if p is self.model.embed_tokens.weight and not config.tie_embeddings:
                        continue
                    p.data = p.data.t().contiguous().t()

    def new_cache(self, batch: int = 1) -> LlamaCache:
        p = self.model.norm.weight  # the compute dtype (the token table may be int8)
        return LlamaCache(self.config, batch, p.device, p.dtype)

    def decoder(self, cache: LlamaCache) -> LlamaDecoder:
        """A function for cached steps of one token each (see llama_decoder.LlamaDecoder)."""
        return LlamaDecoder(self, cache)

    def forward(
        self, idx: torch.Tensor, cache: LlamaCache | None = None, last_only: bool = False
    ) -> torch.Tensor:
        """idx: (B, T) token ids -> logits (B, T, vocab), or (B, 1, vocab) when last_only.

        With a cache, the T new tokens sit at positions cache.length .. cache.length+T-1, and the
        cache grows by T. Without one, positions start at 0.
        """
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        if start + T > self.config.block_size:
            raise ValueError(
                f"sequence of {start + T} tokens exceeds the context window of {self.config.block_size}"
            )
        x = self.model.embed_tokens(idx)  # (B, T, C)
        cos, sin = self.rotary(start, T, x.device, x.dtype)  # (T, hd) each
        if cache is not None:
            cache.ensure(start + T)
        for i, block in enumerate(self.model.layers):
            x = block(x, cos, sin, cache, i)
        if cache is not None:
            cache.length += T
        if last_only:
            x = x[:, -1:, :]  # (B, 1, C)
        return self.lm_head(self.model.norm(x))

    def read_out(self, x: torch.Tensor) -> torch.Tensor:
        """The final RMSNorm and the unembedding: residual stream (..., C) -> logits (..., V)."""
        return self.lm_head(self.model.norm(x))

    def trace(self, idx: torch.Tensor) -> NetworkTrace:
        """An uncached pass over idx (B, T) that keeps, at the last position, the residual stream
        before the first block and after each, and every layer's attention weights (see
        networks/inspection.py); for inspection only, never while generating."""
        B, T = idx.shape
        if self.config.block_size < T:
            raise ValueError(
                f"sequence of {T} tokens exceeds the context window of {self.config.block_size}"
            )
        x = self.model.embed_tokens(idx)  # (B, T, C)
        cos, sin = self.rotary(0, T, x.device, x.dtype)  # (T, hd) each
        residuals, attention = [x[:, -1]], []
        for layer in self.model.layers:
            block = cast(Block, layer)
            h = block.input_layernorm(x)
            attention.append(block.self_attn.last_query_weights(h, cos, sin))  # (B, nh, T)
            x = block(x, cos, sin, None, 0)
            residuals.append(x[:, -1])  # (B, C)
        return NetworkTrace(residuals, attention, self.read_out(x[:, -1]))

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy in nats/token. idx, targets: (B, T)."""
        logits = self(idx)
        return F.cross_entropy(logits.view(-1, logits.size(-1)).float(), targets.view(-1))
