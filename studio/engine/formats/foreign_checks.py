"""Checks and model building shared by the readers of foreign checkpoints (Hugging Face GPT-2, nanoGPT).

Both formats are GPT-2's math with (nearly) GPT-2's parameter names, so each reader only has to turn
its config into a `GPTConfig` and its tensors into our names; the checks and the model building they
share live here; `open_foreign.py` finds which format a path holds.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from studio.core.errors import ModelFileError
from studio.engine.formats.studio_file import LoadedModel, check_tensor_shapes, load_state_into
from studio.engine.networks.gpt import GPT, GPTConfig

HF_SOURCE = "Hugging Face GPT-2 folder"
NANOGPT_SOURCE = "nanoGPT checkpoint"
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt")
MAX_CONFIG_BYTES = 4 * 1024 * 1024


def read_json_object(path: Path) -> dict:
    """A small JSON file holding an object (config.json, generation_config.json), or one line."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ModelFileError(path, "too large to be a model config")
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ModelFileError(path, e.strerror or str(e)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(path, f"not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise ModelFileError(path, "not a JSON object")
    return raw


def checked_config(path: str | Path, values: dict) -> GPTConfig:
    """A GPTConfig from already-renamed values, refusing absurd or inconsistent sizes."""
    try:
        config = GPTConfig(**values)
        problems = config.validate()
    except (TypeError, ValueError) as e:
        raise ModelFileError(path, f"bad model configuration ({e})") from None
    if problems:
        raise ModelFileError(path, "bad model configuration: " + "; ".join(problems))
    return config


def expected_shapes(config: GPTConfig) -> dict[str, tuple[int, ...]]:
    """The stored tensors our GPT needs for a config (lm_head is tied to wte, so not listed).

    Computed, not read off a model: even a model on the "meta" device takes seconds to build for a
    hostile config of 256 layers of width 16384, and this runs before the config is trusted.
    tests/test_bad_model_files.py checks it against GPT(config).state_dict().
    """
    e, b = config.n_embd, config.bias
    shapes: dict[str, tuple[int, ...]] = {
        "transformer.wte.weight": (config.vocab_size, e),
        "transformer.wpe.weight": (config.block_size, e),
    }
    per_layer = {
        "ln_1.weight": (e,),
        "ln_1.bias": (e,),
        "attn.c_attn.weight": (3 * e, e),
        "attn.c_attn.bias": (3 * e,),
        "attn.c_proj.weight": (e, e),
        "attn.c_proj.bias": (e,),
        "ln_2.weight": (e,),
        "ln_2.bias": (e,),
        "mlp.c_fc.weight": (4 * e, e),
        "mlp.c_fc.bias": (4 * e,),
        "mlp.c_proj.weight": (e, 4 * e),
        "mlp.c_proj.bias": (e,),
    }
    for i in range(config.n_layer):
        for name, shape in per_layer.items():
            if b or not name.endswith(".bias"):
                shapes[f"transformer.h.{i}.{name}"] = shape
    shapes["transformer.ln_f.weight"] = (e,)
    if b:
        shapes["transformer.ln_f.bias"] = (e,)
    return shapes


def check_shapes(path: str | Path, config: GPTConfig, shapes: dict[str, tuple[int, ...]]) -> None:
    """Refuse missing, unexpected or misshapen tensors before any memory is allocated for them.

    validate() bounds each size separately, but their product can still ask for terabytes; checking
    the config against the tensors actually present first keeps a hostile config from allocating.
    """
    check_tensor_shapes(path, expected_shapes(config), shapes)


def drop_tied_head(path: str | Path, tensors: dict[str, torch.Tensor]) -> None:
    """Remove `lm_head.weight` when it is a copy of the token embedding (our GPT ties the two).

    A different output matrix cannot be represented by our GPT; refusing is better than silently
    generating with the wrong one.
    """
    head = tensors.get("lm_head.weight")
    if head is None:
        return
    wte = tensors.get("transformer.wte.weight")
    if wte is None or head.shape != wte.shape or not torch.equal(head, wte):
        raise ModelFileError(
            path,
            "the output layer (lm_head) is not tied to the token embedding; "
            "only GPT-2 models with tied embeddings are supported",
        )
    del tensors["lm_head.weight"]


def build_model(path: str | Path, config: GPTConfig, tensors: dict[str, torch.Tensor]) -> GPT:
    """Our GPT with the given (already renamed, untied) tensors, checked name by name and shape."""
    check_shapes(path, config, {k: tuple(t.shape) for k, t in tensors.items()})
    # Built with its random init although every weight is overwritten next: skipping the init
    # through the "meta" device costs a one-time import inside torch that, on a slow machine,
    # outweighs the init even for GPT-2 small.
    model = GPT(config)
    load_state_into(path, model, tensors)
    return model.eval()


def read_only_text_model(
    path: str | Path,
    config: GPTConfig,
    tensors: dict[str, torch.Tensor],
    tokenizer,
    card: dict,
    fmt: str,
    weights_at: str | Path | None = None,
) -> LoadedModel:
    """A checkpoint from elsewhere as a read-only text model: tied head dropped, weights checked.
    Errors name `weights_at` (the weights file, when it is not `path` itself)."""
    where = weights_at or path
    drop_tied_head(where, tensors)
    model = build_model(where, config, tensors)
    return LoadedModel(
        name=card["name"],
        path=str(path),
        kind="text-gpt",
        card=card,
        model=model,
        tokenizer=tokenizer,
        read_only=True,
        extras={"format": fmt},
    )


def check_vocab(path: str | Path, tokenizer_size: int, config: GPTConfig) -> None:
    if tokenizer_size > config.vocab_size:
        raise ModelFileError(
            path,
            f"the tokenizer has {tokenizer_size} tokens but the model only {config.vocab_size}",
        )


def foreign_card(
    name: str, title: str, config: GPTConfig, tokenizer: dict, source: str, path: Path
) -> dict:
    return {
        "name": name,
        "title": title,
        "kind": "text-gpt",
        "architecture": config.to_dict(),
        "tokenizer": tokenizer,
        "source": source,
        "read_only": True,
        "path": str(path),
    }
