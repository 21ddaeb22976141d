"""Scoring a text model on held-out text: mean nats/token and bits/char."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from studio.core.errors import CorpusError
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.text_network import CacheT, TextNetwork
from studio.engine.text.generation import text_network


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
    model = text_network(loaded)
    device = next(model.parameters()).device
    nats = evaluate_ids(model, torch.tensor(ids, dtype=torch.long, device=device))
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


def evaluate_ids(model: TextNetwork[CacheT], ids: torch.Tensor, batch: int = 16) -> float:
    """Mean nats/token over non-overlapping windows of block_size (deterministic).

    ids: (N,) int64. Each window predicts tokens 1..T from 0..T-1, so every token but the first of
    each window is scored with the context the window gives it.
    """
    T = model.config.block_size
    n = (len(ids) - 1) // T
    if n == 0:
        T = len(ids) - 1
        n = 1
    ids = ids.to(next(model.parameters()).device)
    x = ids[: n * T].view(n, T)
    y = ids[1 : n * T + 1].view(n, T)
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for i in range(0, n, batch):
            logits = model(x[i : i + batch])
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)), y[i : i + batch].reshape(-1), reduction="sum"
            )
            total += loss.item()
            count += y[i : i + batch].numel()
        # the tail that does not fill a window
        rest = len(ids) - 1 - n * T
        if rest > 0:
            xt = ids[n * T : n * T + rest].view(1, -1)
            yt = ids[n * T + 1 : n * T + rest + 1].view(1, -1)
            logits = model(xt)
            total += torch.nn.functional.cross_entropy(
                logits.view(-1, logits.size(-1)), yt.view(-1), reduction="sum"
            ).item()
            count += rest
    model.train(was_training)
    return total / count
