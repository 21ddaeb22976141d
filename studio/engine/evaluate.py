"""Scoring a text model on held-out text: mean nats/token and bits/char."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from studio.engine.errors import CorpusError
from studio.engine.modelfile import LoadedModel
from studio.engine.train_text import evaluate_ids


def evaluate_text_file(loaded: LoadedModel, path: str | Path) -> dict:
    """The same windows as training's final evaluation, so the card's loss is reproduced."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise CorpusError(f"{path}: {e.strerror or e}") from None
    ids = loaded.tokenizer.encode(text)
    if len(ids) < 2:
        raise CorpusError(f"{path}: too short to score (needs at least 2 tokens)")
    device = next(loaded.model.parameters()).device
    nats = evaluate_ids(loaded.model, torch.tensor(ids, dtype=torch.long, device=device))
    scored = len(ids) - 1
    bits_per_char = nats * scored / max(1, len(text) - 1) / math.log(2)
    return {
        "model": loaded.name,
        "file": str(path),
        "nats_per_token": nats,
        "bits_per_char": bits_per_char,
        "tokens": len(ids),
        "chars": len(text),
    }
