"""Hugging Face GPT-2 folders: `config.json`, weights, and a byte-level BPE tokenizer.

Weights come from `model.safetensors` (or a sharded `model.safetensors.index.json`), else from
`pytorch_model.bin` through `torch.load(weights_only=True)`. Hugging Face stores GPT-2's projections as
`Conv1D` with weights (in, out); our `nn.Linear` wants (out, in), so those are transposed. Names may
come with or without the `transformer.` prefix (GPT2LMHeadModel vs GPT2Model).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import torch

from studio.core.errors import ModelFileError
from studio.engine.formats.foreign_checks import (
    HF_SOURCE,
    check_shapes,
    check_vocab,
    checked_config,
    foreign_card,
    read_json_object,
    read_only_text_model,
)
from studio.engine.formats.studio_file import LoadedModel, load_tensors, read_header
from studio.engine.networks.gpt import GPTConfig
from studio.engine.tokenizers import BPETokenizer

# Activations that are exactly (up to float rounding) the tanh GELU our MLP uses.
SUPPORTED_ACTIVATIONS = ("gelu_new", "gelu_pytorch_tanh")
# Conv1D weights, stored (in, out) by Hugging Face.
_CONV1D = re.compile(
    r"^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$"
)
# The causal mask older versions saved as buffers; our attention builds its own.
_MASK_BUFFER = re.compile(r"^transformer\.h\.\d+\.attn\.(bias|masked_bias)$")
_OUR_TOP_LEVEL = ("wte.", "wpe.", "h.", "ln_f.")


def read_config(folder: Path) -> GPTConfig:
    """GPT-2's config.json as our GPTConfig; refuses options our GPT does not compute."""
    path = folder / "config.json"
    raw = read_json_object(path)

    model_type = raw.get("model_type", "gpt2")
    if model_type != "gpt2":
        raise ModelFileError(
            path, f"model_type {model_type!r} is not GPT-2; only GPT-2 models can be opened"
        )
    act = raw.get("activation_function", "gelu_new")
    if act not in SUPPORTED_ACTIVATIONS:
        raise ModelFileError(
            path,
            f"activation_function {act!r} is not supported (only {', '.join(SUPPORTED_ACTIVATIONS)})",
        )
    # Options that change the math; each default is GPT-2's. reorder_and_upcast_attn only changes
    # precision under mixed precision, which our float32 inference already has, so it is accepted.
    for key, supported in (
        ("scale_attn_weights", True),
        ("scale_attn_by_inverse_layer_idx", False),
        ("add_cross_attention", False),
    ):
        if raw.get(key, supported) != supported:
            raise ModelFileError(path, f"{key}={raw[key]!r} is not supported")

    def pick(*names: str, default: object = None) -> object:
        for n in names:
            if raw.get(n) is not None:
                return raw[n]
        if default is None:
            raise ModelFileError(path, f"config.json has no {names[0]}")
        return default

    n_embd = pick("n_embd", "hidden_size")
    n_inner = raw.get("n_inner")
    if n_inner is not None and (not isinstance(n_embd, int) or n_inner != 4 * n_embd):
        raise ModelFileError(path, f"n_inner={n_inner!r} is not supported (only 4 * n_embd)")
    eps = pick("layer_norm_epsilon", default=1e-5)
    # the comparison also refuses NaN and infinity
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < 1:
        raise ModelFileError(path, f"layer_norm_epsilon={eps!r} must be a small positive number")
    values = {
        # n_positions is the size of the learned position table; n_ctx is its older name
        "block_size": pick("n_positions", "max_position_embeddings", "n_ctx"),
        "vocab_size": pick("vocab_size"),
        "n_layer": pick("n_layer", "num_hidden_layers"),
        "n_head": pick("n_head", "num_attention_heads"),
        "n_embd": n_embd,
        "dropout": 0.0,
        "bias": True,
        "layer_norm_epsilon": float(eps),
    }
    # tie_word_embeddings=false is not refused here: a stored lm_head equal to the embedding is
    # still usable, and drop_tied_head refuses one that differs when the weights are loaded
    return checked_config(path, values)


def _our_name(name: str) -> str | None:
    """Our parameter name for a Hugging Face one; None for buffers we rebuild ourselves."""
    if name.startswith(_OUR_TOP_LEVEL):
        name = "transformer." + name
    if _MASK_BUFFER.match(name):
        return None
    return name


def weight_files(folder: Path) -> tuple[str, list[Path]]:
    """("safetensors" | "bin", files) holding the weights, or ModelFileError."""
    single = folder / "model.safetensors"
    if single.is_file():
        return "safetensors", [single]
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
            names = sorted(set(weight_map.values()))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
            raise ModelFileError(index, "not a valid safetensors index (no weight_map)") from None
        files = []
        for n in names:
            # a shard must sit in this folder: an index must not make us read files elsewhere
            if not isinstance(n, str) or Path(n).name != n or not (folder / n).is_file():
                raise ModelFileError(index, f"shard {n!r} is not a file in this folder")
            files.append(folder / n)
        if not files:
            raise ModelFileError(index, "the index names no weight files")
        return "safetensors", files
    pt = folder / "pytorch_model.bin"
    if pt.is_file():
        return "bin", [pt]
    raise ModelFileError(
        folder, "no weights: expected model.safetensors (or pytorch_model.bin) beside config.json"
    )


def _stored_shapes(kind: str, files: list[Path]) -> dict[str, tuple[int, ...]] | None:
    """Our names -> shapes read from safetensors headers (no weights read); None for .bin files."""
    if kind != "safetensors":
        return None
    shapes: dict[str, tuple[int, ...]] = {}
    for f in files:
        header, _ = read_header(f)
        for name, info in header.items():
            ours = _our_name(name)
            shape = info.get("shape") if isinstance(info, dict) else None
            if ours is None or not isinstance(shape, list):
                continue
            shapes[ours] = tuple(reversed(shape)) if _CONV1D.match(ours) else tuple(shape)
    shapes.pop("lm_head.weight", None)
    return shapes


def _load_weights(kind: str, files: list[Path]) -> dict[str, torch.Tensor]:
    """All tensors under our names, Conv1D weights transposed to (out, in)."""
    tensors: dict[str, torch.Tensor] = {}
    for f in files:
        if kind == "safetensors":
            part = load_tensors(f)
        else:
            from studio.engine.formats.safe_unpickler import load_torch_weights_only

            part = load_torch_weights_only(f)
            if not isinstance(part, dict) or not all(
                isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in part.items()
            ):
                raise ModelFileError(f, "not a state dict (names -> tensors)")
        for name, t in part.items():
            ours = _our_name(name)
            if ours is None:
                continue
            if _CONV1D.match(ours) and t.dim() == 2:
                t = t.t()
            tensors[ours] = t
    return tensors


def load_tokenizer(folder: Path) -> tuple[BPETokenizer, dict]:
    """The folder's byte-level BPE tokenizer and a short summary of it for the card."""
    files = (
        ["tokenizer.json"]
        if (folder / "tokenizer.json").is_file()
        else ["vocab.json", "merges.txt"]
    )
    if not all((folder / f).is_file() for f in files):
        raise ModelFileError(
            folder, "no tokenizer: put tokenizer.json (or vocab.json + merges.txt) in the folder"
        )
    try:
        tok = BPETokenizer.from_files(folder)
    except Exception as e:  # the tokenizers library reports corrupt files with its own exception
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelFileError(folder / files[0], f"cannot read the tokenizer ({reason})") from None
    summary = {"type": "bpe", "vocab_size": tok.vocab_size, "files": files, "eos": tok.eos}
    return tok, summary


def _card(folder: Path, config: GPTConfig, tok_summary: dict) -> dict:
    name = Path(os.path.abspath(folder)).name or "gpt2"  # a link's own name, not its target's
    return foreign_card(
        name, f"{name} (Hugging Face GPT-2)", config, tok_summary, HF_SOURCE, folder
    )


def describe_hf_gpt2(folder: Path) -> dict:
    """The card of a Hugging Face GPT-2 folder, from its config, headers and tokenizer only."""
    config = read_config(folder)
    kind, files = weight_files(folder)
    shapes = _stored_shapes(kind, files)
    if shapes is not None:
        check_shapes(files[0] if len(files) == 1 else folder, config, shapes)
    tok, summary = load_tokenizer(folder)
    check_vocab(folder, tok.vocab_size, config)
    return _card(folder, config, summary)


def load_hf_gpt2(folder: Path) -> LoadedModel:
    config = read_config(folder)
    tok, summary = load_tokenizer(folder)
    check_vocab(folder, tok.vocab_size, config)
    kind, files = weight_files(folder)
    where = files[0] if len(files) == 1 else folder
    tensors = _load_weights(kind, files)
    card = _card(folder, config, summary)
    return read_only_text_model(folder, config, tensors, tok, card, "hf-gpt2", weights_at=where)
