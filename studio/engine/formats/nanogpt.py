"""nanoGPT checkpoints: `ckpt.pt` as written by nanoGPT's train.py, with `meta.pkl` beside it.

The checkpoint is a dict: "model" (the state dict, names prefixed "_orig_mod." when the model was
torch.compile'd), "model_args" {n_layer, n_head, n_embd, block_size, bias, vocab_size, dropout},
and training state we only read for the card (iter_num, best_val_loss). nanoGPT's `nn.Linear`
weights are already (out, in), as ours. It is read with `torch.load(weights_only=True)`; `meta.pkl`
(stoi/itos of a character vocabulary) through an unpickler that admits plain data only.

Without `meta.pkl`, a vocabulary of 50257 (or 50304, padded) means the GPT-2 BPE, which nanoGPT
fetched through tiktoken; we never download, so its tokenizer.json must be placed beside the checkpoint.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

from studio.core.errors import ModelFileError
from studio.engine.formats.foreign_checks import (
    NANOGPT_SOURCE,
    check_shapes,
    check_vocab,
    checked_config,
    foreign_card,
    read_only_text_model,
)
from studio.engine.formats.safe_unpickler import load_plain_pickle, load_torch_weights_only
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.gpt import GPTConfig
from studio.engine.tokenizers import BPETokenizer, CharTokenizer

GPT2_VOCAB_SIZES = (50257, 50304)  # GPT-2's BPE, and nanoGPT's padding of it to a multiple of 64
MODEL_ARGS = ("n_layer", "n_head", "n_embd", "block_size", "bias", "vocab_size")
_COMPILED_PREFIX = "_orig_mod."


def read_checkpoint(path: Path) -> tuple[GPTConfig, dict[str, torch.Tensor], dict]:
    """(config, state dict under our names with lm_head still present, the whole checkpoint)."""
    ckpt = load_torch_weights_only(path)
    if not isinstance(ckpt, dict):
        raise ModelFileError(path, "not a nanoGPT checkpoint (expected a dict)")
    args = ckpt.get("model_args")
    state = ckpt.get("model")
    if not isinstance(args, dict) or not isinstance(state, dict):
        raise ModelFileError(
            path, "not a nanoGPT checkpoint (needs 'model' and 'model_args' entries)"
        )
    missing = [k for k in MODEL_ARGS if k not in args]
    if missing:
        raise ModelFileError(path, f"model_args lacks {', '.join(missing)}")
    if not isinstance(args["bias"], bool):
        raise ModelFileError(path, f"model_args bias={args['bias']!r} must be true or false")
    dropout = args.get("dropout", 0.0)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
        raise ModelFileError(path, f"model_args dropout={dropout!r} must be a number")
    values = {k: args[k] for k in MODEL_ARGS}
    # dropout only matters for training; keep the recorded value when it is a usable one
    values["dropout"] = float(dropout) if 0.0 <= dropout < 1.0 else 0.0
    values["layer_norm_epsilon"] = 1e-5  # nanoGPT's LayerNorm
    config = checked_config(path, values)

    tensors: dict[str, torch.Tensor] = {}
    for name, t in state.items():
        if not isinstance(name, str) or not isinstance(t, torch.Tensor):
            raise ModelFileError(path, "the 'model' entry is not a state dict (names -> tensors)")
        if name.startswith(_COMPILED_PREFIX):
            name = name[len(_COMPILED_PREFIX) :]
        # nanoGPT without flash attention saved its causal mask as "attn.bias" (1, 1, T, T)
        if name.endswith(".attn.bias") and t.dim() == 4:
            continue
        tensors[name] = t
    return config, tensors, ckpt


def _char_tokenizer(meta_path: Path) -> CharTokenizer:
    meta = load_plain_pickle(meta_path)
    if not isinstance(meta, dict):
        raise ModelFileError(meta_path, "not a nanoGPT meta.pkl (expected a dict)")
    itos, stoi = meta.get("itos"), meta.get("stoi")
    if itos is None and isinstance(stoi, dict):
        itos = {i: s for s, i in stoi.items()}
    if not isinstance(itos, dict) or not itos:
        raise ModelFileError(meta_path, "meta.pkl has no 'itos' character vocabulary")
    if set(itos) != set(range(len(itos))):
        raise ModelFileError(meta_path, "meta.pkl's itos is not numbered 0..n-1")
    chars = [itos[i] for i in range(len(itos))]
    try:
        tok = CharTokenizer(chars, eos=None)
    except (TypeError, ValueError) as e:
        raise ModelFileError(meta_path, f"bad character vocabulary ({e})") from None
    if isinstance(stoi, dict) and any(stoi.get(c) != i for i, c in enumerate(chars)):
        raise ModelFileError(meta_path, "meta.pkl's stoi and itos disagree")
    return tok


def load_tokenizer(ckpt_path: Path, config: GPTConfig, ckpt: dict) -> tuple[object, dict]:
    """The tokenizer that belongs beside a checkpoint, and a short summary of it for the card."""
    folder = ckpt_path.parent
    meta_path = folder / "meta.pkl"
    tok: CharTokenizer | BPETokenizer
    if meta_path.is_file():
        tok = _char_tokenizer(meta_path)
        summary = {"type": "char", "vocab_size": tok.vocab_size, "files": ["meta.pkl"]}
    elif (folder / "tokenizer.json").is_file() or (
        (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file()
    ):
        try:
            tok = BPETokenizer.from_files(folder)
        except Exception as e:  # the tokenizers library has its own exception type
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise ModelFileError(folder, f"cannot read the tokenizer ({reason})") from None
        files = (
            ["tokenizer.json"]
            if (folder / "tokenizer.json").is_file()
            else ["vocab.json", "merges.txt"]
        )
        summary = {"type": "bpe", "vocab_size": tok.vocab_size, "files": files, "eos": tok.eos}
    elif config.vocab_size in GPT2_VOCAB_SIZES:
        raise ModelFileError(
            ckpt_path,
            "this checkpoint uses the GPT-2 BPE tokenizer, which is not downloaded; "
            f"place GPT-2's tokenizer.json in {folder}",
        )
    else:
        config_dict = ckpt.get("config")
        dataset = config_dict.get("dataset") if isinstance(config_dict, dict) else None
        hint = f" (nanoGPT wrote it to data/{dataset}/meta.pkl)" if isinstance(dataset, str) else ""
        raise ModelFileError(
            ckpt_path, f"no tokenizer: place the character vocabulary meta.pkl beside it{hint}"
        )
    check_vocab(ckpt_path, tok.vocab_size, config)
    return tok, summary


def _card(path: Path, config: GPTConfig, tok_summary: dict, ckpt: dict) -> dict:
    name = Path(os.path.abspath(path.parent)).name if path.name == "ckpt.pt" else path.stem
    name = name or "nanogpt"
    card = foreign_card(name, f"{name} (nanoGPT)", config, tok_summary, NANOGPT_SOURCE, path)
    run_config = ckpt.get("config")
    dataset = run_config.get("dataset") if isinstance(run_config, dict) else None
    if isinstance(dataset, str):
        card["data"] = {"dataset": dataset}  # nanoGPT records the data folder's name, no license
    iters = ckpt.get("iter_num")
    if isinstance(iters, int) and not isinstance(iters, bool):
        card["training"] = {"steps": iters}
    loss = ckpt.get("best_val_loss")
    if isinstance(loss, torch.Tensor) and loss.numel() == 1:
        loss = loss.item()
    if isinstance(loss, float) and math.isfinite(loss) and 0 < loss < 100:
        card["metrics"] = {"val_loss_nats_per_token": loss}  # nanoGPT's cross-entropy, in nats
    return card


def describe_nanogpt(path: Path) -> dict:
    """The card of a nanoGPT checkpoint; tensors are memory-mapped, not read or copied."""
    config, tensors, ckpt = read_checkpoint(path)
    shapes = {k: tuple(t.shape) for k, t in tensors.items() if k != "lm_head.weight"}
    check_shapes(path, config, shapes)
    _, summary = load_tokenizer(path, config, ckpt)
    return _card(path, config, summary, ckpt)


def load_nanogpt(path: Path) -> LoadedModel:
    config, tensors, ckpt = read_checkpoint(path)
    tok, summary = load_tokenizer(path, config, ckpt)
    card = _card(path, config, summary, ckpt)
    return read_only_text_model(path, config, tensors, tok, card, "nanogpt")
