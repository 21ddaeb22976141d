"""A decoder-only transformer with GPT-2's math and parameter names, and a preallocated KV cache.

Parameter names follow GPT-2 / nanoGPT (`transformer.wte`, `transformer.h.0.attn.c_attn`, ...), with
`nn.Linear` weights stored (out, in) as nanoGPT does; Hugging Face's Conv1D weights are (in, out) and
are transposed when loaded. The prompt goes through in one forward pass; each new token then costs
one cached step of length 1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.networks.config_checks import size_problems
from studio.engine.networks.inspection import NetworkTrace
from studio.engine.networks.int8_linear import embedder, linear_product
from studio.engine.networks.row_products import RowProduct

# Sizes above these are refused when a config is read from a file: a corrupt or hostile config must
# not make us allocate terabytes.
MAX_LAYERS = 256
MAX_EMBD = 16384
MAX_VOCAB = 1_000_000
MAX_BLOCK = 131072


@dataclass(frozen=True)
class GPTConfig:
    block_size: int = 256  # context window in tokens; learned positions exist only for these
    vocab_size: int = 65  # rows of the (tied) token embedding
    n_layer: int = 6  # transformer blocks
    n_head: int = 6  # attention heads; n_embd must divide by it
    n_embd: int = 192  # residual stream width
    dropout: float = 0.0  # training only; inference runs in eval mode
    bias: bool = (
        True  # biases in Linear and LayerNorm: True as in GPT-2, False is slightly better/faster
    )
    layer_norm_epsilon: float = 1e-5  # GPT-2's value

    def validate(self) -> list[str]:
        """Problems with this config, as short phrases (empty when it is usable)."""
        problems = size_problems(
            self,
            (
                ("n_layer", MAX_LAYERS),
                ("n_embd", MAX_EMBD),
                ("vocab_size", MAX_VOCAB),
                ("block_size", MAX_BLOCK),
                ("n_head", MAX_EMBD),
            ),
        )
        if not problems and self.n_embd % self.n_head:
            problems.append(f"n_embd={self.n_embd} is not divisible by n_head={self.n_head}")
        if not 0.0 <= float(self.dropout) < 1.0:
            problems.append(f"dropout={self.dropout} must be in [0, 1)")
        return problems

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GPTConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)

    def num_params(self) -> int:
        """Parameter count with tied embeddings (lm_head shares wte)."""
        e, v, t, layer = self.n_embd, self.vocab_size, self.block_size, self.n_layer
        b = 1 if self.bias else 0
        per_block = (
            2 * (e + b * e)  # ln_1, ln_2
            + e * 3 * e
            + b * 3 * e  # c_attn
            + e * e
            + b * e  # attn.c_proj
            + e * 4 * e
            + b * 4 * e  # mlp.c_fc
            + 4 * e * e
            + b * e  # mlp.c_proj
        )
        return v * e + t * e + layer * per_block + (e + b * e)


class KVCache:
    """Keys and values of every layer, preallocated for the whole window.

    kv: (n_layer, B, 2, n_head, block_size, head_size); k and v are its two halves, each
    (n_layer, B, n_head, block_size, head_size). `length` is how many positions are filled.
    Preallocating avoids a torch.cat per layer per token, which dominates on small models; keeping
    k and v in one tensor lets a decoding step store both with a single copy.
    """

    def __init__(self, config: GPTConfig, batch: int, device: torch.device, dtype: torch.dtype):
        hs = config.n_embd // config.n_head
        shape = (config.n_layer, batch, 2, config.n_head, config.block_size, hs)
        # never read beyond `length`, so left unfilled: zeroing GPT-2 small's 75 MB window (and
        # touching every page of it) would cost more than the first tokens
        self.kv = torch.empty(shape, device=device, dtype=dtype)
        self.k = self.kv[:, :, 0]  # (n_layer, B, nh, block_size, hs), a view
        self.v = self.kv[:, :, 1]
        self.length = 0
        self.capacity = config.block_size

    def reset(self) -> None:
        self.length = 0


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head = config.n_head
        self.n_embd = config.n_embd

    def forward(
        self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0
    ) -> torch.Tensor:
        B, T, C = x.shape
        nh, hs = self.n_head, C // self.n_head
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q = q.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        if cache is None:
            dropout = self.attn_dropout if self.training else 0.0
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout)
        else:
            start = cache.length
            end = start + T
            cache.k[layer, :, :, start:end] = k
            cache.v[layer, :, :, start:end] = v
            k_all = cache.k[layer, :, :, :end]  # (B, nh, end, hs)
            v_all = cache.v[layer, :, :, :end]
            if T == 1:
                y = F.scaled_dot_product_attention(q, k_all, v_all)
            elif start == 0:
                y = F.scaled_dot_product_attention(q, k_all, v_all, is_causal=True)
            else:
                # new queries at positions start..end-1 see every cached key and the new ones causally
                mask = torch.ones(T, end, dtype=torch.bool, device=x.device).tril(diagonal=start)
                y = F.scaled_dot_product_attention(q, k_all, v_all, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y))

    def last_query_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The attention weights of the last position's query over all T keys, for inspection:
        x (B, T, C), the block's normalised input -> (B, nh, T), each row summing to 1. The last
        query sees every key, so the causal mask leaves it whole."""
        B, T, C = x.shape
        nh, hs = self.n_head, C // self.n_head
        q, k, _ = self.c_attn(x).split(self.n_embd, dim=2)
        q = q[:, -1].view(B, nh, 1, hs)  # (B, nh, 1, hs)
        k = k.view(B, T, nh, hs).transpose(1, 2)  # (B, nh, T, hs)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)  # (B, nh, 1, T)
        return scores.float().softmax(dim=-1)[:, :, 0]


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # GPT-2 uses the tanh approximation of GELU ("gelu_new" in transformers)
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        eps = config.layer_norm_epsilon
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.mlp = MLP(config)

    def forward(
        self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0
    ) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), cache, layer)  # pre-LayerNorm, as GPT-2
        return x + self.mlp(self.ln_2(x))


class Trunk(nn.ModuleDict):
    """GPT-2's `transformer` container, with its members' types (a plain ModuleDict's attributes
    type as `Tensor | Module`); the names are the parameter names' prefixes."""

    wte: nn.Embedding  # token embedding (V, C), tied to lm_head
    wpe: nn.Embedding  # learned positions (block_size, C)
    drop: nn.Dropout
    h: nn.ModuleList  # of Block
    ln_f: nn.LayerNorm


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        problems = config.validate()
        if problems:
            raise ValueError("; ".join(problems))
        self.config = config
        self.transformer = Trunk(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied, as GPT-2
        self.apply(self._init_weights)
        # GPT-2 scales the residual projections by 1/sqrt(2 * n_layer)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        # Matrices keep their nanoGPT shape (out, in) but the wide ones (out >= in) are stored
        # transposed in memory, (in, out) row-major as GPT-2's Conv1D: then x @ W.t() reads W.t()
        # contiguously, the fast case of a single-row product (a decoding step) on CPU BLAS. The
        # tall one (the MLP's output, in = 4 * out) is faster as out dot products over contiguous
        # rows (addmv): measured 13.3 against 9.9 GB/s at GPT-2 small's shape. Copies into these
        # parameters (loading a file) keep the layout; the math is unchanged.
        with torch.no_grad():
            for p in self.parameters():  # each tied parameter once
                if (
                    p.dim() == 2
                    and p is not self.transformer.wpe.weight
                    and p.shape[0] >= p.shape[1]
                ):
                    p.data = p.data.t().contiguous().t()

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def new_cache(self, batch: int = 1) -> KVCache:
        p = self.transformer.ln_f.weight  # the compute dtype (the token table may be int8)
        return KVCache(self.config, batch, p.device, p.dtype)

    def decoder(self, cache: KVCache) -> Decoder:
        """A function for cached steps of one token each, faster than `forward` (see `Decoder`)."""
        return Decoder(self, cache)

    def forward(
        self,
        idx: torch.Tensor,
        cache: KVCache | None = None,
        last_only: bool = False,
    ) -> torch.Tensor:
        """idx: (B, T) token ids -> logits (B, T, vocab), or (B, 1, vocab) when last_only.

        With a cache, the T new tokens sit at positions cache.length .. cache.length+T-1, and the
        cache grows by T. Without one, positions start at 0 (training and uncached inference).
        """
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        if start + T > self.config.block_size:
            raise ValueError(
                f"sequence of {start + T} tokens exceeds the context window of {self.config.block_size}"
            )
        pos = torch.arange(start, start + T, dtype=torch.long, device=idx.device)  # (T,)
        x = self.transformer.drop(
            self.transformer.wte(idx) + self.transformer.wpe(pos)
        )  # (B, T, C)
        for i, block in enumerate(self.transformer.h):
            x = block(x, cache, i)
        if cache is not None:
            cache.length += T
        if last_only:
            x = x[:, -1:, :]  # (B, 1, C): only the next-token logits are needed when sampling
        x = self.transformer.ln_f(x)
        return self.lm_head(x)

    def read_out(self, x: torch.Tensor) -> torch.Tensor:
        """The final LayerNorm and the unembedding: residual stream (..., C) -> logits (..., V)."""
        return self.lm_head(self.transformer.ln_f(x))

    def trace(self, idx: torch.Tensor) -> NetworkTrace:
        """An uncached pass over idx (B, T) that keeps, at the last position, the residual stream
        before the first block and after each, and every layer's attention weights (see
        networks/inspection.py); for inspection only, never while generating."""
        n = idx.shape[1]
        if n > self.config.block_size:
            raise ValueError(
                f"sequence of {n} tokens exceeds the context window of {self.config.block_size}"
            )
        pos = torch.arange(n, dtype=torch.long, device=idx.device)  # (T,)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)  # (B, T, C)
        residuals, attention = [x[:, -1]], []
        for layer in self.transformer.h:
            block = cast(Block, layer)
            attention.append(block.attn.last_query_weights(block.ln_1(x)))  # (B, nh, T)
            x = block(x)
            residuals.append(x[:, -1])  # (B, C)
        return NetworkTrace(residuals, attention, self.read_out(x[:, -1]))

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy in nats/token. idx, targets: (B, T)."""
        logits = self(idx)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


class Decoder:
    """One cached decoding step, `idx (B,) -> logits (B, vocab)`, as plain tensor operations.

    The same arithmetic as `GPT.forward(idx.view(B, 1), cache, last_only=True)[:, -1]`, minus the
    per-call cost of nn.Module (hooks, attribute lookups) and of 3-D reshapes: a 6-layer model
    makes ~80 tensor calls per token, each costing microseconds of Python and dispatch, which at
    small sizes is as much as the arithmetic. Built once per generation; it holds references to the
    model's parameters and the cache's per-layer views, so loading new weights into the model
    (copy_) or resetting the cache keeps it valid, while re-tying or replacing parameters does not.
    """

    def __init__(self, model: GPT, cache: KVCache):
        if model.training:
            raise RuntimeError("Decoder is for inference; call model.eval() first")
        cfg = model.config
        self.cache = cache
        self.n_head = cfg.n_head
        self.n_embd = cfg.n_embd
        self.eps = cfg.layer_norm_epsilon
        self.block_size = cfg.block_size
        tr = model.transformer
        self.wte = embedder(tr.wte)  # ids (B,) -> (B, C); the table may be int8
        self.wpe = tr.wpe.weight  # (block_size, C)
        self.ln_f = (tr.ln_f.weight, tr.ln_f.bias)
        rows = cache.kv.shape[1]  # B: kv is (n_layer, B, 2, nh, block_size, hs)
        # column blocks need CPU threads to share them out; on a GPU the plain product is right
        threads = torch.get_num_threads() if self.wpe.device.type == "cpu" else 1

        def product(linear: nn.Module) -> RowProduct:
            return linear_product(linear, rows, threads)

        self.head = product(model.lm_head)  # (B, C) -> (B, V)
        self.layers = []
        for i, b in enumerate(tr.h):
            assert isinstance(b, Block)  # h holds only Blocks
            kv = cache.kv[i]  # (B, 2, nh, block_size, hs)
            self.layers.append(
                (
                    b.ln_1.weight,
                    b.ln_1.bias,
                    product(b.attn.c_attn),  # (B, C) -> (B, 3C)
                    product(b.attn.c_proj),  # (B, C) -> (B, C)
                    b.ln_2.weight,
                    b.ln_2.bias,
                    product(b.mlp.c_fc),  # (B, C) -> (B, 4C)
                    product(b.mlp.c_proj),  # (B, 4C) -> (B, C)
                    kv,
                    kv.select(1, 0),  # keys (B, nh, block_size, hs), a view
                    kv.select(1, 1),  # values
                )
            )

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        cache = self.cache
        pos = cache.length
        if pos >= self.block_size:
            raise ValueError(
                f"sequence of {pos + 1} tokens exceeds the context window of {self.block_size}"
            )
        B = idx.shape[0]
        C, nh = self.n_embd, self.n_head
        hs = C // nh
        L = pos + 1
        eps = self.eps
        shape = (C,)
        # Every call here costs microseconds of Python and dispatch, as much as the arithmetic on
        # small models: builtins rather than their torch.nn.functional wrappers (layer_norm),
        # each product prepared once (engine/products.py: one call, a zero bias where a layer has
        # none, column blocks over threads), views made once where they can be, and
        # narrow/select rather than [] indexing (the same views, with less Python work).
        layer_norm, sdpa, gelu = torch.layer_norm, F.scaled_dot_product_attention, F.gelu
        x = self.wte(idx).add_(self.wpe.select(0, pos))  # (B, C)
        for ln1w, ln1b, attn, proj, ln2w, ln2b, fc, mlp_proj, kv, keys, values in self.layers:
            qkv = attn(layer_norm(x, shape, ln1w, ln1b, eps))  # (B, 3C): q | k | v
            kv.select(3, pos).copy_(qkv.narrow(1, C, 2 * C).view(B, 2, nh, hs))  # k, v at pos
            y = sdpa(
                qkv.narrow(1, 0, C).view(B, nh, 1, hs), keys.narrow(2, 0, L), values.narrow(2, 0, L)
            )  # (B, nh, 1, hs)
            # residual adds in place on the fresh product: one allocation fewer, same sums
            x = proj(y.view(B, C)).add_(x)
            h = gelu(fc(layer_norm(x, shape, ln2w, ln2b, eps)), approximate="tanh")  # (B, 4C)
            x = mlp_proj(h).add_(x)
        cache.length = L
        return self.head(layer_norm(x, shape, self.ln_f[0], self.ln_f[1], eps))  # (B, V)
