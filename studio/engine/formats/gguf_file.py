"""GGUF files (llama.cpp, LM Studio, Ollama) of the architectures `llama`, `qwen2` and `qwen3`.

One file holds everything: hyperparameters and the tokenizer as metadata (`{arch}.block_count`,
`tokenizer.ggml.tokens`, ...), the chat template, and the tensors under llama.cpp's names
(`blk.0.attn_q.weight`), each stored as floats (F32, F16, BF16) or in quantised blocks (Q8_0, Q4_0,
Q4_K, ...). The file is read with the `gguf` package's reader, which memory-maps it: a tensor's
blocks are read from disk only when that tensor is dequantised (by `gguf.quants.dequantize`), one at
a time, straight into the studio's `Llama` network, which computes in float32 (or the dtype asked).

llama.cpp's converter reorders the query and key rows of `llama` models for its interleaved rotary
layout; they are put back in Hugging Face's half-split order here (Qwen2 and Qwen3 are stored
unpermuted). The tokenizer is rebuilt from the metadata in gguf_tokenizer.py. Everything refused
raises ModelFileError with one line.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from studio.core.errors import ModelFileError
from studio.engine.formats.gguf_metadata import GGUFContents, open_gguf
from studio.engine.formats.gguf_tokenizer import chat_of, gguf_tokenizer
from studio.engine.formats.studio_file import LoadedModel, check_tensor_shapes
from studio.engine.networks.llama import Llama
from studio.engine.networks.llama_layers import LlamaConfig, inverse_frequencies

ARCHITECTURES = ("llama", "qwen2", "qwen3")
SOURCE = "GGUF file"
# the ggml types read: plain floats and the block formats gguf's dequantiser decodes and tests cover
SUPPORTED_TYPES = (
    "F32",
    "F16",
    "BF16",
    "Q8_0",
    "Q4_0",
    "Q4_1",
    "Q5_0",
    "Q5_1",
    "Q2_K",
    "Q3_K",
    "Q4_K",
    "Q5_K",
    "Q6_K",
)
# llama.cpp's tensor names inside a block -> the studio's (Hugging Face's) names
BLOCK_NAMES = {
    "attn_norm": "input_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "attn_q_norm": "self_attn.q_norm",
    "attn_k_norm": "self_attn.k_norm",
    "ffn_norm": "post_attention_layernorm",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
TOP_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
ROPE_FREQS = "rope_freqs.weight"  # Llama 3.1+'s per-frequency divisors (its rope scaling)
# general.sampling.* (newer converters write the model's recommended sampling) -> the card's names
SAMPLING_KEYS = {
    "temp": "temperature",
    "top_k": "top_k",
    "top_p": "top_p",
    "min_p": "min_p",
    "penalty_repeat": "repetition_penalty",
}


def studio_name(name: str) -> str | None:
    """The studio's name of a llama.cpp tensor name, or None for one the network has no place for."""
    if name in TOP_NAMES:
        return TOP_NAMES[name]
    parts = name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[1].isdigit() and parts[2] in BLOCK_NAMES:
        return f"model.layers.{int(parts[1])}.{BLOCK_NAMES[parts[2]]}.{parts[3]}"
    return None


def _int(g: GGUFContents, key: str, default: int | None = None) -> int:
    value = g.get(key, default)
    if isinstance(value, list):  # a per-layer list (some converters): only one value for all
        if len(set(value)) != 1:
            raise ModelFileError(g.path, f"{key} differs between layers, which is not supported")
        value = value[0]
    if value is None:
        raise ModelFileError(g.path, f"the metadata has no {key}")
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise ModelFileError(g.path, f"{key} must be an integer, got {value!r}")
    return int(value)


def _float(g: GGUFContents, key: str, default: float) -> float:
    value = g.get(key, default)
    if not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
        raise ModelFileError(g.path, f"{key} must be a number, got {value!r}")
    return float(value)


def _llama3_rope(g: GGUFContents, base: LlamaConfig, divisors: np.ndarray) -> dict:
    """Llama 3.1+ files keep their rope scaling as `rope_freqs` (one divisor per frequency); find
    the llama3 parameters that give those divisors, or refuse."""
    top = float(divisors.max())
    for old in [8192] + [2**k for k in range(4, 18) if k != 13]:  # Llama 3.x's 8192 first
        for low, high in ((1.0, 4.0), (1.0, 2.0), (1.0, 8.0), (2.0, 4.0)):
            rope = {
                "rope_type": "llama3",
                "rope_factor": top,
                "rope_low_freq_factor": low,
                "rope_high_freq_factor": high,
                "rope_original_context": old,
            }
            cfg = LlamaConfig(**{**base.to_dict(), **rope})
            ours = inverse_frequencies(base) / inverse_frequencies(cfg)  # (head_dim/2,)
            if ours.shape == divisors.shape and np.allclose(ours.numpy(), divisors, rtol=1e-3):
                return rope
    raise ModelFileError(g.path, "rope_freqs that are not Llama 3 rope scaling are not supported")


def read_config(g: GGUFContents) -> tuple[LlamaConfig, str]:
    """(our config, the file's architecture) from the metadata and the tensor table."""
    arch = g.get("general.architecture")
    if arch not in ARCHITECTURES:
        raise ModelFileError(
            g.path, f"architecture {arch!r} is not supported (only {', '.join(ARCHITECTURES)})"
        )
    heads = _int(g, f"{arch}.attention.head_count")
    dim = _int(g, f"{arch}.embedding_length")
    head_dim = _int(g, f"{arch}.attention.key_length", dim // heads if heads > 0 else 0)
    rotary = g.get(f"{arch}.rope.dimension_count")
    if rotary is not None and rotary != head_dim:
        raise ModelFileError(g.path, "rotary embeddings over part of a head are not supported")
    if _int(g, f"{arch}.attention.value_length", head_dim) != head_dim:
        raise ModelFileError(
            g.path, "value heads wider or narrower than key heads are not supported"
        )
    names = set(g.tensors)
    vocab = g.get(f"{arch}.vocab_size")
    if vocab is None:
        vocab = g.tensors["token_embd.weight"].shape[0] if "token_embd.weight" in names else 0
    values: dict = {
        "block_size": _int(g, f"{arch}.context_length"),
        "vocab_size": int(vocab),
        "n_layer": _int(g, f"{arch}.block_count"),
        "n_head": heads,
        "n_kv_head": _int(g, f"{arch}.attention.head_count_kv", heads),
        "dim": dim,
        "head_dim": head_dim,
        "intermediate_size": _int(g, f"{arch}.feed_forward_length"),
        "norm_eps": _float(g, f"{arch}.attention.layer_norm_rms_epsilon", 1e-5),
        "rope_theta": _float(g, f"{arch}.rope.freq_base", 10000.0),
        # biases and norms are as the tensors say (Qwen2 always has q/k/v biases)
        "qkv_bias": "blk.0.attn_q.bias" in names,
        "o_bias": "blk.0.attn_output.bias" in names,
        "mlp_bias": "blk.0.ffn_up.bias" in names,
        "qk_norm": "blk.0.attn_q_norm.weight" in names,
        "tie_embeddings": "output.weight" not in names,
    }
    scaling = g.get(f"{arch}.rope.scaling.type", "none")
    if scaling == "linear":
        values["rope_type"] = "linear"
        values["rope_factor"] = _float(g, f"{arch}.rope.scaling.factor", 1.0)
    elif scaling not in ("none", None):
        raise ModelFileError(g.path, f"rope scaling {scaling!r} is not supported (only linear)")
    try:
        config = LlamaConfig(**values)
        problems = config.validate()
    except (TypeError, ValueError) as e:
        raise ModelFileError(g.path, f"bad model configuration ({e})") from None
    if problems:
        raise ModelFileError(g.path, "bad model configuration: " + "; ".join(problems))
    if ROPE_FREQS in names:
        if config.rope_type != "default":
            raise ModelFileError(g.path, "rope_freqs together with rope scaling is not supported")
        divisors = g.floats(ROPE_FREQS).reshape(-1)
        config = LlamaConfig(**{**config.to_dict(), **_llama3_rope(g, config, divisors)})
    return config, arch


def _check_tensors(g: GGUFContents, config: LlamaConfig) -> Counter:
    """Every tensor's name, shape and type against the config from the table alone (no weight
    read); how many tensors of each ggml type there are."""
    present: dict[str, tuple[int, ...]] = {}
    types: Counter = Counter()
    for name, info in g.tensors.items():
        if name == ROPE_FREQS:
            continue
        ours = studio_name(name)
        if ours is None:
            raise ModelFileError(g.path, f"unexpected tensor {name}")
        if info.type_name not in SUPPORTED_TYPES:
            raise ModelFileError(
                g.path,
                f"tensor {name} is stored as {info.type_name}, which is not supported "
                f"(only {', '.join(SUPPORTED_TYPES)})",
            )
        present[ours] = info.shape
        types[info.type_name] += 1
    check_tensor_shapes(g.path, config.tensor_shapes(), present)
    return types


def _permuted_back(w: torch.Tensor, n_head: int) -> torch.Tensor:
    """Undo the converter's q/k row order: per head, rows (hd/2 pairs, 2) -> (2 halves, hd/2).
    w: (n_head * hd, ...) weight or bias."""
    rows = w.shape[0]
    return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).transpose(1, 2).reshape(w.shape)


def _precision(types: Counter, file_type: str | None) -> str:
    stored = "/".join(t for t, _ in types.most_common())
    label = f"{file_type} file, " if file_type else ""
    return f"{label}{stored} weights, computed in float32"


def _file_type(g: GGUFContents) -> str | None:
    """general.file_type as llama.cpp names it (15 -> "MOSTLY_Q4_K_M" -> "Q4_K_M")."""
    value = g.get("general.file_type")
    try:
        import gguf

        return gguf.LlamaFileType(int(value)).name.removeprefix("MOSTLY_").removeprefix("ALL_")
    except (TypeError, ValueError):
        return None


def _card(g: GGUFContents, config: LlamaConfig, arch: str, types: Counter, tok, chat) -> dict:
    stem = Path(os.path.abspath(g.path)).stem
    model_name = g.get("general.name")
    data: dict = {"source": SOURCE}
    for key, field in (
        ("general.name", "model_name"),
        ("general.organization", "organization"),
        ("general.license", "license"),
        ("general.license.name", "license_name"),
        ("general.license.link", "license_link"),
        ("general.source.url", "source_url"),
        ("general.url", "url"),
        ("general.source.huggingface.repository", "repository"),
        ("general.base_model.0.name", "base_model"),
    ):
        value = g.get(key)
        if isinstance(value, str) and value:
            data[field] = value
    file_type = _file_type(g)
    sampling = {}
    for key, name in SAMPLING_KEYS.items():
        value = g.get(f"general.sampling.{key}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            sampling[name] = value
    return {
        "name": stem,
        "title": f"{model_name or stem} ({arch}, {file_type or 'GGUF'})",
        "kind": "text-gpt",
        "network": "llama",
        "architecture": {
            "model_class": f"GGUF {arch}",
            "parameters": config.num_params(),
            "context_length": config.block_size,
            "precision": _precision(types, file_type),
            "quantization": ", ".join(f"{t} ×{n}" for t, n in types.most_common()),
            **config.to_dict(),
        },
        "tokenizer": tok.to_card(),
        "data": data,
        "sampling_defaults": sampling,
        "chat": chat,
        "source": SOURCE,
        "read_only": True,
        "path": str(g.path),
    }


def _open(path: Path) -> tuple[GGUFContents, LlamaConfig, object, dict]:
    """The file's contents, config, tokenizer and card, checked against each other; no weight read."""
    g = open_gguf(path)
    config, arch = read_config(g)
    types = _check_tensors(g, config)
    tok = gguf_tokenizer(g)
    if tok.vocab_size > config.vocab_size:
        raise ModelFileError(
            path,
            f"the tokenizer has {tok.vocab_size} tokens but the model only {config.vocab_size}",
        )
    return g, config, tok, _card(g, config, arch, types, tok, chat_of(g))


@lru_cache(maxsize=32)
def _describe(path: str, size: int, mtime: int) -> dict:
    return _open(Path(path))[3]


def describe_gguf(path: Path) -> dict:
    """The card of a GGUF file, from its metadata and tensor table only (remembered per file
    version: reading a large vocabulary's metadata takes a second)."""
    try:
        st = Path(path).stat()
    except OSError as e:
        raise ModelFileError(path, f"cannot read ({e.strerror})") from None
    import copy

    return copy.deepcopy(_describe(str(path), st.st_size, st.st_mtime_ns))


def weights_in_memory(path: Path, dtype_bytes: int = 4) -> int:
    """Bytes the dequantised weights take once loaded (`dtype_bytes` per parameter)."""
    g = open_gguf(path)
    return sum(math.prod(t.shape) for t in g.tensors.values()) * dtype_bytes


def load_gguf(path: Path, dtype: torch.dtype = torch.float32) -> LoadedModel:
    """Open a GGUF file for generation, computing in `dtype` (on the CPU, in eval mode)."""
    g, config, tok, card = _open(Path(path))
    with torch.device("meta"):  # every weight is overwritten next: no random init
        model = Llama(config)
    model = model.to_empty(device="cpu")
    if config.tie_embeddings:
        model.lm_head.weight = model.model.embed_tokens.weight
    params = model.state_dict()
    permuted = g.get("general.architecture") == "llama"
    with torch.no_grad():
        for name in g.tensors:  # one tensor dequantised at a time; the rest stays on disk
            ours = studio_name(name)
            if ours is None:
                continue
            w = torch.from_numpy(g.floats(name))  # float32, in the tensor's shape
            if permuted and ".attn_q." in name:
                w = _permuted_back(w, config.n_head)
            elif permuted and ".attn_k." in name:
                w = _permuted_back(w, config.n_kv_head)
            if not bool(torch.isfinite(w).all()):
                raise ModelFileError(path, f"tensor {name} contains NaN or infinity")
            params[ours].copy_(w)
            del w
    if dtype != torch.float32:
        model = model.to(dtype)
        arch = card["architecture"]
        arch["precision"] = arch["precision"].replace("float32", str(dtype)[6:])
    return LoadedModel(
        name=card["name"],
        path=str(path),
        kind="text-gpt",
        card=card,
        model=model.eval(),
        tokenizer=tok,
        read_only=True,
        extras={"format": "gguf"},
    )
