"""Opening one of our text model files (`kind: text-gpt`)."""

from __future__ import annotations

from pathlib import Path

from studio.core.errors import ModelFileError
from studio.engine.formats.foreign_checks import check_shapes, drop_tied_head
from studio.engine.formats.studio_file import (
    LoadedModel,
    architecture_from_card,
    load_state_into,
    load_tensors,
    read_header,
)
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.tokenizers import tokenizer_from_card


def config_from_card(path: str | Path, card: dict) -> GPTConfig:
    return architecture_from_card(path, GPTConfig, card.get("architecture"))


def load_text_model(path: str | Path, card: dict) -> LoadedModel:
    try:
        tokenizer = tokenizer_from_card(card.get("tokenizer") or {})
    except (ValueError, TypeError) as e:
        raise ModelFileError(path, f"bad tokenizer in the card ({e})") from None
    config = config_from_card(path, card)
    if tokenizer.vocab_size > config.vocab_size:
        raise ModelFileError(
            path,
            f"the tokenizer has {tokenizer.vocab_size} tokens but the model only {config.vocab_size}",
        )
    # Check the stored tensors against the config before building: each size may be within limits
    # while their product asks for terabytes.
    header, _ = read_header(path)
    shapes = {k: tuple(v.get("shape", ())) for k, v in header.items() if isinstance(v, dict)}
    tensors = load_tensors(path)
    drop_tied_head(path, tensors)
    shapes.pop("lm_head.weight", None)
    check_shapes(path, config, shapes)
    model = GPT(config)
    load_state_into(path, model, tensors)
    name = card.get("name") or Path(path).stem
    return LoadedModel(
        name=name,
        path=str(path),
        kind="text-gpt",
        card=card,
        model=model.eval(),
        tokenizer=tokenizer,
    )


def gpt_from_card(path: str | Path, card: dict) -> GPT:
    """An untrained GPT shaped as the card says, once the file's tensors are known to fit it."""
    config = config_from_card(path, card)
    header, _ = read_header(path)
    shapes = {k: tuple(v.get("shape", ())) for k, v in header.items() if isinstance(v, dict)}
    shapes.pop("lm_head.weight", None)
    check_shapes(path, config, shapes)
    return GPT(config)
