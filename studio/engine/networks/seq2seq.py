"""A pre-norm Transformer encoder–decoder (Vaswani et al. 2017, arXiv:1706.03762) for translation.

    memory = model.encode(src)                 # src (B, S) -> (B, S, C), once per source
    cache = model.new_cache(memory, src_mask)  # cross-attention keys/values made once
    logits = model.step(ids (B,), cache)       # (B, V): one cached decoding step
    logits = model(src, tgt_in)                # (B, T, V): training and uncached inference

Learned positions on both sides; the target embedding is tied to the output layer. Source
positions holding `src_pad` are masked out of every attention over the source. The cache keeps
each decoder layer's self-attention keys/values for the target so far and its cross-attention
keys/values for the source; `cache.reorder(index)` follows beam search's choice of rows.

With `weights` (a list) passed to `decode`, every attention is computed by hand and its weights
appended — (B, nh, T, S) per decoder layer, cross then self per layer — so what is returned is
exactly what the output was made from.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.networks.config_checks import size_problems

MAX_SIZE = 1 << 20  # any size in a card above this is refused as absurd


@dataclass(frozen=True)
class Seq2SeqConfig:
    src_vocab: int = 4000  # source (English BPE) tokens
    tgt_vocab: int = 3500  # target (Chinese character) tokens
    d_model: int = 256  # residual stream width
    n_head: int = 4  # d_model must divide by it
    enc_layers: int = 3
    dec_layers: int = 3
    d_ff: int = 1024  # feed-forward width
    max_src: int = 96  # source positions
    max_tgt: int = 64  # target positions, BOS included
    src_pad: int = 0  # the source id that pads a batch (masked out)
    dropout: float = 0.0  # training only

    def validate(self) -> list[str]:
        sizes = (
            "src_vocab",
            "tgt_vocab",
            "d_model",
            "n_head",
            "enc_layers",
            "dec_layers",
            "d_ff",
            "max_src",
            "max_tgt",
        )
        problems = size_problems(self, ((name, MAX_SIZE) for name in sizes))
        if not problems and self.d_model % self.n_head:
            problems.append(f"d_model={self.d_model} is not divisible by n_head={self.n_head}")
        if not 0.0 <= float(self.dropout) < 1.0:
            problems.append(f"dropout={self.dropout} must be in [0, 1)")
        return problems

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Seq2SeqConfig:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _attend(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None,
    causal: bool,
    dropout: float,
    weights: list[torch.Tensor] | None,
) -> torch.Tensor:
    """q (B, nh, T, hs), k and v (B, nh, S, hs), mask (B, 1, 1, S) True where a key may be seen
    -> (B, nh, T, hs). With `weights`, by hand, appending the weights (B, nh, T, S) it used."""
    if weights is None:
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=causal and mask is None, dropout_p=dropout
        )
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.size(-1))  # (B, nh, T, S)
    if causal:
        T, S = scores.shape[-2:]
        scores = scores.masked_fill(
            ~torch.ones(T, S, dtype=torch.bool, device=q.device).tril(S - T), float("-inf")
        )
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    w = scores.softmax(dim=-1)
    weights.append(w)
    return w @ v


class SelfAttention(nn.Module):
    def __init__(self, c: Seq2SeqConfig):
        super().__init__()
        self.qkv = nn.Linear(c.d_model, 3 * c.d_model)
        self.out = nn.Linear(c.d_model, c.d_model)
        self.n_head, self.dropout = c.n_head, c.dropout

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        causal: bool = False,
        kv_cache: torch.Tensor | None = None,
        start: int = 0,
        weights: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """x (B, T, C). kv_cache (B, 2, nh, max_tgt, hs): the new keys/values go to positions
        start..start+T-1 and the queries see every position before theirs."""
        B, T, C = x.shape
        nh = self.n_head
        q, k, v = self.qkv(x).view(B, T, 3, nh, C // nh).permute(2, 0, 3, 1, 4)  # (B, nh, T, hs)
        if kv_cache is not None:
            kv_cache[:, 0, :, start : start + T] = k
            kv_cache[:, 1, :, start : start + T] = v
            k, v = kv_cache[:, 0, :, : start + T], kv_cache[:, 1, :, : start + T]
            if T == 1:
                causal = False  # one new query sees every key so far
        if causal and k.size(2) != T and weights is None:
            # queries at start.. see every cached key and the new ones causally
            S = k.size(2)
            mask = torch.ones(T, S, dtype=torch.bool, device=x.device).tril(S - T)
            causal = False
        dropout = self.dropout if self.training else 0.0
        y = _attend(q, k, v, mask, causal, dropout, weights)
        return self.out(y.transpose(1, 2).reshape(B, T, C))


class CrossAttention(nn.Module):
    def __init__(self, c: Seq2SeqConfig):
        super().__init__()
        self.q = nn.Linear(c.d_model, c.d_model)
        self.kv = nn.Linear(c.d_model, 2 * c.d_model)
        self.out = nn.Linear(c.d_model, c.d_model)
        self.n_head, self.dropout = c.n_head, c.dropout

    def keys_values(self, memory: torch.Tensor) -> torch.Tensor:
        """memory (B, S, C) -> (B, 2, nh, S, hs): keys and values of the source."""
        B, S, C = memory.shape
        return self.kv(memory).view(B, S, 2, self.n_head, C // self.n_head).permute(0, 2, 3, 1, 4)

    def forward(
        self,
        x: torch.Tensor,
        kv: torch.Tensor,
        mask: torch.Tensor,
        weights: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        B, T, C = x.shape
        q = self.q(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        dropout = self.dropout if self.training else 0.0
        y = _attend(q, kv[:, 0], kv[:, 1], mask, False, dropout, weights)
        return self.out(y.transpose(1, 2).reshape(B, T, C))


class FeedForward(nn.Sequential):
    def __init__(self, c: Seq2SeqConfig):
        super().__init__(
            nn.Linear(c.d_model, c.d_ff),
            nn.GELU(),
            nn.Linear(c.d_ff, c.d_model),
            nn.Dropout(c.dropout),
        )


class EncoderLayer(nn.Module):
    def __init__(self, c: Seq2SeqConfig):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(c.d_model), SelfAttention(c)
        self.ln2, self.ff = nn.LayerNorm(c.d_model), FeedForward(c)
        self.drop = nn.Dropout(c.dropout)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, weights: list[torch.Tensor] | None = None
    ) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln1(x), mask, weights=weights))
        return x + self.ff(self.ln2(x))


class DecoderLayer(nn.Module):
    def __init__(self, c: Seq2SeqConfig):
        super().__init__()
        self.ln1, self.self_attn = nn.LayerNorm(c.d_model), SelfAttention(c)
        self.ln2, self.cross = nn.LayerNorm(c.d_model), CrossAttention(c)
        self.ln3, self.ff = nn.LayerNorm(c.d_model), FeedForward(c)
        self.drop = nn.Dropout(c.dropout)

    def forward(
        self,
        x: torch.Tensor,
        cross_kv: torch.Tensor,
        mask: torch.Tensor,
        kv_cache: torch.Tensor | None = None,
        start: int = 0,
        weights: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        self_w: list[torch.Tensor] | None = [] if weights is not None else None
        h = self.self_attn(self.ln1(x), None, True, kv_cache, start, self_w)
        x = x + self.drop(h)
        x = x + self.drop(self.cross(self.ln2(x), cross_kv, mask, weights))
        if weights is not None and self_w:
            weights.append(self_w[0])
        return x + self.ff(self.ln3(x))


class Seq2SeqCache:
    """What decoding one batch of sources keeps between steps.

    self_kv: (L, B, 2, nh, max_tgt, hs), filled up to `length`; cross_kv: (L, B, 2, nh, S, hs);
    mask (B, 1, 1, S), True at real source tokens."""

    def __init__(self, self_kv: torch.Tensor, cross_kv: torch.Tensor, mask: torch.Tensor):
        self.self_kv, self.cross_kv, self.mask = self_kv, cross_kv, mask
        self.length = 0

    def reset(self) -> None:
        self.length = 0

    def reorder(self, index: torch.Tensor) -> None:
        """Keep rows `index` (B',) of the batch, in that order (beam search)."""
        self.self_kv = self.self_kv.index_select(1, index)
        self.cross_kv = self.cross_kv.index_select(1, index)
        self.mask = self.mask.index_select(0, index)


class Seq2Seq(nn.Module):
    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        problems = config.validate()
        if problems:
            raise ValueError("; ".join(problems))
        self.config = c = config
        self.src_emb = nn.Embedding(c.src_vocab, c.d_model)
        self.src_pos = nn.Embedding(c.max_src, c.d_model)
        self.tgt_emb = nn.Embedding(c.tgt_vocab, c.d_model)  # tied to the output layer
        self.tgt_pos = nn.Embedding(c.max_tgt, c.d_model)
        self.encoder = nn.ModuleList([EncoderLayer(c) for _ in range(c.enc_layers)])
        self.decoder = nn.ModuleList([DecoderLayer(c) for _ in range(c.dec_layers)])
        self.enc_ln, self.dec_ln = nn.LayerNorm(c.d_model), nn.LayerNorm(c.d_model)
        self.drop = nn.Dropout(c.dropout)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                # GPT-2's initialisation, residual projections scaled by depth
                std = 0.02
                if name.endswith(("out.weight", "ff.2.weight")):
                    std /= math.sqrt(2 * max(c.enc_layers, c.dec_layers))
                nn.init.normal_(p, mean=0.0, std=std)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def source_mask(self, src: torch.Tensor) -> torch.Tensor:
        """src (B, S) -> (B, 1, 1, S), True where a token is not padding."""
        return (src != self.config.src_pad)[:, None, None, :]

    def encode(self, src: torch.Tensor, weights: list[torch.Tensor] | None = None) -> torch.Tensor:
        """src (B, S) ids -> memory (B, S, C). With `weights`, each layer's (B, nh, S, S)."""
        n_src = src.size(1)
        if n_src > self.config.max_src:
            raise ValueError(
                f"a source of {n_src} tokens exceeds the {self.config.max_src} positions"
            )
        mask = self.source_mask(src)
        pos = torch.arange(n_src, device=src.device)
        x = self.drop(self.src_emb(src) + self.src_pos(pos))
        for layer in self.encoder:
            x = layer(x, mask, weights)
        return self.enc_ln(x)

    def new_cache(self, memory: torch.Tensor, src: torch.Tensor) -> Seq2SeqCache:
        """The cache for decoding memory (B, S, C) of sources src (B, S)."""
        c = self.config
        B = memory.size(0)
        layers = cast(list[DecoderLayer], list(self.decoder))
        cross = torch.stack([layer.cross.keys_values(memory) for layer in layers])
        shape = (c.dec_layers, B, 2, c.n_head, c.max_tgt, c.d_model // c.n_head)
        self_kv = torch.empty(shape, device=memory.device, dtype=memory.dtype)
        return Seq2SeqCache(self_kv, cross, self.source_mask(src))

    def decode(
        self,
        tgt: torch.Tensor,
        cache: Seq2SeqCache,
        weights: list[torch.Tensor] | None = None,
        use_cache: bool = True,
    ) -> torch.Tensor:
        """tgt (B, T) ids at positions cache.length.. -> logits (B, T, V); the cache grows by T.
        use_cache=False: tgt is the whole target from position 0 and the cache's self-attention
        part is neither read nor written (its cross part is)."""
        c = self.config
        B, T = tgt.shape
        start = cache.length if use_cache else 0
        if start + T > c.max_tgt:
            raise ValueError(f"a target of {start + T} tokens exceeds the {c.max_tgt} positions")
        pos = torch.arange(start, start + T, device=tgt.device)
        x = self.drop(self.tgt_emb(tgt) + self.tgt_pos(pos))
        for i, layer in enumerate(self.decoder):
            kv = cache.self_kv[i] if use_cache else None
            x = layer(x, cache.cross_kv[i], cache.mask, kv, start, weights)
        if use_cache:
            cache.length = start + T
        return F.linear(self.dec_ln(x), self.tgt_emb.weight)

    def step(self, ids: torch.Tensor, cache: Seq2SeqCache) -> torch.Tensor:
        """One cached step: ids (B,) -> logits (B, V)."""
        return self.decode(ids[:, None], cache)[:, -1]

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """src (B, S), tgt (B, T) from BOS -> logits (B, T, V), uncached."""
        memory = self.encode(src)
        return self.decode(tgt, self.new_cache(memory, src), use_cache=False)

    def loss(
        self, src: torch.Tensor, tgt_in: torch.Tensor, tgt_out: torch.Tensor, smoothing: float = 0.0
    ) -> torch.Tensor:
        """Mean cross-entropy in nats per target token; tgt_out -100 where nothing is scored."""
        logits = self(src, tgt_in)
        return F.cross_entropy(
            logits.reshape(-1, logits.size(-1)),
            tgt_out.reshape(-1),
            ignore_index=-100,
            label_smoothing=smoothing,
        )

    def attention(
        self, src: torch.Tensor, tgt: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Every attention weight of one uncached pass over src (B, S), tgt (B, T):
        (cross (L, B, nh, T, S), decoder self (L, B, nh, T, T), encoder self (L, B, nh, S, S))."""
        enc_w: list[torch.Tensor] = []
        memory = self.encode(src, enc_w)
        dec_w: list[torch.Tensor] = []
        self.decode(tgt, self.new_cache(memory, src), dec_w, use_cache=False)
        # decoder layers append their cross weights, then their self-attention ones
        return torch.stack(dec_w[0::2]), torch.stack(dec_w[1::2]), torch.stack(enc_w)
