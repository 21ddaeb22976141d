"""Tiny models built by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import torch

from studio.engine.formats.studio_file import LoadedModel, save_model_file, untied_state_dict
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.tokenizers import CharTokenizer

TINY_TEXT = "hello world, the quick brown fox jumps over the lazy dog.\nROMEO: 你好世界\n"


def tiny_char_model(seed: int = 0, block_size: int = 32, n_layer: int = 2) -> LoadedModel:
    torch.manual_seed(seed)
    tok = CharTokenizer.from_text(TINY_TEXT)
    cfg = GPTConfig(
        block_size=block_size,
        vocab_size=tok.vocab_size,
        n_layer=n_layer,
        n_head=2,
        n_embd=32,
        bias=True,
    )
    model = GPT(cfg).eval()
    card = {
        "name": "tiny",
        "title": "Tiny",
        "kind": "text-gpt",
        "architecture": cfg.to_dict(),
        "tokenizer": tok.to_card(),
    }
    return LoadedModel(name="tiny", path="", kind="text-gpt", card=card, model=model, tokenizer=tok)


def save_tiny(path: Path, loaded: LoadedModel) -> Path:
    save_model_file(path, untied_state_dict(loaded.model), loaded.card)
    return path


def train_bpe(lines: list[str], vocab_size: int, eos: str = "<|endoftext|>") -> str:
    """A tiny byte-level BPE (GPT-2 style) trained on a few lines; returns its tokenizer.json."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[eos],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines * 4, trainer)
    return tok.to_str()
