"""Numbered snapshots of a run's weights, and what each predicted: "train, then explain".

Every `snapshot_every` steps the trainer writes `<out>.snapshots/step-000100.safetensors`, a
model file with a card like the finished model's (so any of them opens like a model). At most
`keep` are kept: past that, every other one goes, oldest pairs first, so the snapshots stay spread
over the whole run (early steps, where most is learned, keep theirs). The folder is no model, so
the picker does not list it.

`compare` puts one token's distribution at each snapshot side by side.
"""

from __future__ import annotations

from pathlib import Path

import torch

from studio.core.errors import CorpusError
from studio.core.train_events import SnapshotTopK
from studio.core.train_files import list_snapshots, snapshot_dir, snapshot_path  # noqa: F401
from studio.engine.networks.gpt import GPT


def thin(out: str | Path, keep: int) -> None:
    """Remove every other snapshot (the newest always stays) until at most `keep` are left."""
    snaps = list_snapshots(out)
    while len(snaps) > max(keep, 2):
        newest = snaps[-1]
        survivors = snaps[:-1][::2]
        for _, p in set(snaps[:-1]) - set(survivors):
            p.unlink(missing_ok=True)
        snaps = [*survivors, newest]


def drop_after(out: str | Path, step: int) -> None:
    """A resumed run goes on from `step`: snapshots of a later step (written after the checkpoint
    by a run that was then killed) would show weights this run never had."""
    for s, p in list_snapshots(out):
        if s > step:
            p.unlink(missing_ok=True)


def compare(paths: list[str], prompt: str, position: int, k: int = 8) -> list[SnapshotTopK]:
    """The distribution of the token at `position` of `prompt` (given the tokens before it) in
    each text model file of `paths`: top `k` and the prompt's own token's probability. Position
    len(tokens) is the token after the prompt."""
    from studio.engine.formats.model_finder import load_model

    results = []
    for path in paths:
        loaded = load_model(path, device="cpu")
        if loaded.tokenizer is None:
            raise CorpusError(f"{Path(path).name}: only text models can be explained this way")
        ids = loaded.tokenizer.encode(prompt)
        if not 1 <= position <= len(ids):
            raise CorpusError(f"position {position} is outside the prompt (1 to {len(ids)})")
        block = loaded.network(GPT).config.block_size
        context = torch.tensor([ids[max(0, position - block) : position]])  # (1, T)
        with torch.inference_mode():
            logits = loaded.model(context, last_only=True)  # (1, 1, V)
        probs = torch.softmax(logits[0, -1].float(), dim=-1)
        p, ix = probs.topk(min(k, probs.numel()))
        top = [(loaded.tokenizer.token_text(int(i)), float(q)) for q, i in zip(p, ix, strict=True)]
        actual = ids[position] if position < len(ids) else None
        step = int((loaded.card.get("training") or {}).get("steps", 0))
        results.append(
            SnapshotTopK(
                step=step,
                top=top,
                actual=None if actual is None else loaded.tokenizer.token_text(actual),
                actual_prob=None if actual is None else float(probs[actual]),
            )
        )
    return results
