"""The parts of a Llama-family network (llama.py): its config, rotary position embeddings, the
growing KV cache, RMSNorm, grouped-query attention, the SwiGLU MLP, the block and the `model`
container that names them as Hugging Face does. The one-step decoder (llama_decoder.py) reads
these types, so they live below both it and the `Llama` module that joins them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.networks.config_checks import size_problems
from studio.engine.networks.norms import rms_norm

# Sizes above these are refused when a config is read from a file (see GPT's limits).
MAX_LAYERS = 256
MAX_DIM = 65536
MAX_FFN = 1 << 20
MAX_VOCAB = 1_000_000
MAX_BLOCK = 1 << 20
MAX_HEADS = 1024
ROPE_TYPES = ("default", "linear", "llama3")
FIRST_CACHE_POSITIONS = 256  # the cache starts this long and doubles up to block_size


@dataclass(frozen=True)
class LlamaConfig:
    block_size: int = 2048  # context window in tokens (max_position_embeddings)
    vocab_size: int = 32000
    n_layer: int = 22
    n_head: int = 32  # query heads
    n_kv_head: int = 4  # key/value heads; n_head must divide by it (grouped-query attention)
    dim: int = 2048  # residual stream width (hidden_size)
    head_dim: int = 64  # need not be dim // n_head (Qwen3)
    intermediate_size: int = 5632  # SwiGLU width
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    rope_type: str = "default"  # "default" | "linear" | "llama3"
    rope_factor: float = 1.0  # linear, llama3: positions are stretched by this
    rope_low_freq_factor: float = 1.0  # llama3 only
    rope_high_freq_factor: float = 4.0  # llama3 only
    rope_original_context: int = 8192  # llama3: the context the model was first trained at
    qkv_bias: bool = False  # Qwen2; Llama's attention_bias sets it and o_bias
    o_bias: bool = False
    mlp_bias: bool = False
    qk_norm: bool = False  # Qwen3: RMSNorm over each query and key head before the rotation
    tie_embeddings: bool = False  # lm_head shares embed_tokens

    def validate(self) -> list[str]:
        """Problems with this config, as short phrases (empty when it is usable)."""
        problems = size_problems(
            self,
            (
                ("n_layer", MAX_LAYERS),
                ("dim", MAX_DIM),
                ("head_dim", MAX_DIM),
                ("intermediate_size", MAX_FFN),
                ("vocab_size", MAX_VOCAB),
                ("block_size", MAX_BLOCK),
                ("n_head", MAX_HEADS),
                ("n_kv_head", MAX_HEADS),
                ("rope_original_context", MAX_BLOCK),
            ),
        )
        if problems:
            return problems
        if self.n_head % self.n_kv_head:
            problems.append(f"n_head={self.n_head} is not divisible by n_kv_head={self.n_kv_head}")
        if self.head_dim % 2:
            problems.append(f"head_dim={self.head_dim} must be even for rotary embeddings")
        for name in ("norm_eps", "rope_theta", "rope_factor"):
            v = getattr(self, name)
            # the comparisons also refuse NaN and infinity
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < math.inf:
                problems.append(f"{name}={v!r} must be a positive number")
        if self.rope_type not in ROPE_TYPES:
            problems.append(f"rope type {self.rope_type!r} is not supported")
        if self.rope_type == "llama3" and not (
            0 < self.rope_low_freq_factor < self.rope_high_freq_factor < math.inf
        ):
            problems.append("llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor")
        return problems

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> LlamaConfig:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every stored tensor's name and shape (lm_head only when untied), without building."""
        c, hd, f = self.dim, self.head_dim, self.intermediate_size
        q, kv = self.n_head * hd, self.n_kv_head * hd
        shapes: dict[str, tuple[int, ...]] = {"model.embed_tokens.weight": (self.vocab_size, c)}
        for i in range(self.n_layer):
            p = f"model.layers.{i}."
            shapes[p + "input_layernorm.weight"] = (c,)
            for name, out in (("q", q), ("k", kv), ("v", kv)):
                shapes[p + f"self_attn.{name}_proj.weight"] = (out, c)
                if self.qkv_bias:
                    shapes[p + f"self_attn.{name}_proj.bias"] = (out,)
            shapes[p + "self_attn.o_proj.weight"] = (c, q)
            if self.o_bias:
                shapes[p + "self_attn.o_proj.bias"] = (c,)
            if self.qk_norm:
                shapes[p + "self_attn.q_norm.weight"] = (hd,)
                shapes[p + "self_attn.k_norm.weight"] = (hd,)
            shapes[p + "post_attention_layernorm.weight"] = (c,)
            for name, shape in (("gate", (f, c)), ("up", (f, c)), ("down", (c, f))):
                shapes[p + f"mlp.{name}_proj.weight"] = shape
                if self.mlp_bias:
                    shapes[p + f"mlp.{name}_proj.bias"] = (shape[0],)
        shapes["model.norm.weight"] = (c,)
        if not self.tie_embeddings:
            shapes["lm_head.weight"] = (self.vocab_size, c)
        return shapes

    def num_params(self) -> int:
        return sum(math.prod(s) for s in self.tensor_shapes().values())


def inverse_frequencies(config: LlamaConfig) -> torch.Tensor:
    """(head_dim/2,) float32 rotation speeds, as transformers' rope init functions compute them."""
    hd = config.head_dim
    inv = 1.0 / (
        config.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.int64, device="cpu").float() / hd)
    )
    if config.rope_type == "linear":
        return inv / config.rope_factor
    if config.rope_type == "llama3":
        factor, old = config.rope_factor, config.rope_original_context
        low, high = config.rope_low_freq_factor, config.rope_high_freq_factor
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        # long waves are slowed by `factor`, short ones kept, those between interpolated
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, scaled)
    return inv


class Rotary:
    """cos and sin of the rotation angles for given positions, (T, head_dim) in the input's dtype.

    The frequencies stay float32 on every device (a plain attribute, not a buffer, so that
    `model.to(torch.bfloat16)` does not round them), one copy per device.
    """

    def __init__(self, config: LlamaConfig):
        self.inv_freq = inverse_frequencies(config)  # (hd/2,) float32, CPU
        self._on: dict[torch.device, torch.Tensor] = {}

    def __call__(
        self, start: int, length: int, device: torch.device, dtype: torch.dtype
    ) -> tuple[torch.Tensor, torch.Tensor]:
        inv = self._on.get(device)
        if inv is None:
            inv = self._on[device] = self.inv_freq.to(device)
        pos = torch.arange(start, start + length, device=device, dtype=torch.float32)
        freqs = pos[:, None] * inv[None, :]  # (T, hd/2)
        emb = torch.cat((freqs, freqs), dim=-1)  # (T, hd): the rotate-half layout
        return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x (..., T, hd) rotated: x * cos + rotate_half(x) * sin, as transformers' Llama."""
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x, self.weight, self.eps)


class LlamaCache:
    """Keys and values of every layer, grown by doubling up to the context window.

    kv: (n_layer, B, 2, n_kv_head, capacity, head_dim); `length` positions are filled. Growing
    keeps a 128k-token model from reserving gigabytes for a short run; views of `kv` taken before
    `ensure` grows it are stale, so decoders read it afresh at every step.
    """

    def __init__(self, config: LlamaConfig, batch: int, device: torch.device, dtype: torch.dtype):
        self.block_size = config.block_size
        self.capacity = min(config.block_size, FIRST_CACHE_POSITIONS)
        shape = (config.n_layer, batch, 2, config.n_kv_head, self.capacity, config.head_dim)
        self.kv = torch.empty(shape, device=device, dtype=dtype)  # never read beyond `length`
        self.length = 0

    def ensure(self, end: int) -> None:
        """Room for positions up to `end` (exclusive)."""
        if end <= self.capacity:
            return
        capacity = self.capacity
        while capacity < end:
            capacity *= 2
        capacity = min(capacity, self.block_size)
        shape = list(self.kv.shape)
        shape[4] = capacity
        grown = self.kv.new_empty(shape)
        grown[:, :, :, :, : self.length] = self.kv[:, :, :, :, : self.length]
        self.kv, self.capacity = grown, capacity

    def reset(self) -> None:
        self.length = 0


class Attention(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        hd, c = config.head_dim, config.dim
        self.q_proj = nn.Linear(c, config.n_head * hd, bias=config.qkv_bias)
        self.k_proj = nn.Linear(c, config.n_kv_head * hd, bias=config.qkv_bias)
        self.v_proj = nn.Linear(c, config.n_kv_head * hd, bias=config.qkv_bias)
        self.o_proj = nn.Linear(config.n_head * hd, c, bias=config.o_bias)
        if config.qk_norm:
            self.q_norm = RMSNorm(hd, config.norm_eps)
            self.k_norm = RMSNorm(hd, config.norm_eps)
        self.qk_norm = config.qk_norm
        self.n_head, self.n_kv_head, self.head_dim = config.n_head, config.n_kv_head, hd

    def _queries_keys(
        self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Queries (B, nh, T, hd) and keys (B, nkv, T, hd) of x (B, T, C): projected, normed
        (Qwen3), rotated; the attention and its inspection both start here."""
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.n_head, self.head_dim)
        k = self.k_proj(x).view(B, T, self.n_kv_head, self.head_dim)
        if self.qk_norm:
            q, k = self.q_norm(q), self.k_norm(k)
        return rotate(q.transpose(1, 2), cos, sin), rotate(k.transpose(1, 2), cos, sin)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        cache: LlamaCache | None,
        layer: int,
    ) -> torch.Tensor:
        B, T, _ = x.shape
        nh, nkv, hd = self.n_head, self.n_kv_head, self.head_dim
        q, k = self._queries_keys(x, cos, sin)  # (B, nh, T, hd), (B, nkv, T, hd)
        v = self.v_proj(x).view(B, T, nkv, hd).transpose(1, 2)  # (B, nkv, T, hd)
        gqa = nkv != nh  # query head h reads key/value head h // (nh // nkv)
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
        else:
            start = cache.length
            end = start + T
            kv = cache.kv[layer]  # (B, 2, nkv, capacity, hd)
            kv[:, 0, :, start:end] = k
            kv[:, 1, :, start:end] = v
            k_all, v_all = kv[:, 0, :, :end], kv[:, 1, :, :end]  # (B, nkv, end, hd)
            if T == 1:
                y = F.scaled_dot_product_attention(q, k_all, v_all, enable_gqa=gqa)
            elif start == 0:
                y = F.scaled_dot_product_attention(q, k_all, v_all, is_causal=True, enable_gqa=gqa)
            else:  # new queries see every cached key and the new ones causally
                mask = torch.ones(T, end, dtype=torch.bool, device=x.device).tril(diagonal=start)
                y = F.scaled_dot_product_attention(q, k_all, v_all, attn_mask=mask, enable_gqa=gqa)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, nh * hd))

    def last_query_weights(
        self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor
    ) -> torch.Tensor:
        """The attention weights of the last position's query over every position, (B, nh, T),
        per query head (a key/value head shared by a group shows once per query head); for
        inspection, never while generating."""
        nh, nkv, hd = self.n_head, self.n_kv_head, self.head_dim
        q, k = self._queries_keys(x, cos, sin)
        q = q[:, :, -1:]  # (B, nh, 1, hd): the last position's query
        k = k.repeat_interleave(nh // nkv, dim=1)  # (B, nh, T, hd)
        scores = (q @ k.transpose(-1, -2)).squeeze(2) / hd**0.5  # (B, nh, T)
        return scores.float().softmax(dim=-1)


class MLP(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        c, f, b = config.dim, config.intermediate_size, config.mlp_bias
        self.gate_proj = nn.Linear(c, f, bias=b)
        self.up_proj = nn.Linear(c, f, bias=b)
        self.down_proj = nn.Linear(f, c, bias=b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))  # SwiGLU


class Block(nn.Module):
    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.mlp = MLP(config)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        cache: LlamaCache | None,
        layer: int,
    ) -> torch.Tensor:
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, layer)
        return x + self.mlp(self.post_attention_layernorm(x))


class Trunk(nn.Module):
    """Hugging Face's `model` container, with its members' types; the names are the parameter
    names' prefixes (`model.embed_tokens.weight`, `model.layers.0...`, `model.norm.weight`)."""

    def __init__(self, config: LlamaConfig):
        super().__init__()
        # (V, C), left uninitialised: the network is only ever filled from a file, and the random
        # init of an embedding on the meta device (where the loader builds it) imports torch's
        # symbolic machinery: 800 modules, 70 MB and seconds, once per process
        shape = (config.vocab_size, config.dim)
        self.embed_tokens = nn.Embedding(*shape, _weight=torch.empty(shape))
        self.layers = nn.ModuleList([Block(config) for _ in range(config.n_layer)])  # of Block
        self.norm = RMSNorm(config.dim, config.norm_eps)
