"""Seeds: a run's seed fully determines its output; sample i of a batch is seeded `seed + i`.

The bounds (MAX_SEED, MAX_SAMPLES) are the settings schema's (`studio.settings`)."""

from __future__ import annotations

import random


def draw_seed() -> int:
    """A fresh seed for a run that did not fix one (reported in its start event)."""
    return random.SystemRandom().randrange(0, 2**31)


def advance_generator(gen, vocab: int, steps: int, device=None) -> None:
    """Move `gen` (a torch.Generator) on by `steps` token draws over a vocabulary of `vocab`, as
    generation's draws move it: the seed stream indexed by step, so that a run resumed at step n
    draws what the uninterrupted run drew there. torch.multinomial draws one token by an
    exponential race (one Exp(1) number per token of the vocabulary, see sampling/draw.py), so
    each draw uses exactly `vocab` exponential numbers, whatever the probabilities."""
    import torch

    if steps <= 0:
        return
    scratch = torch.empty(vocab, device=device)
    for _ in range(steps):
        scratch.exponential_(1, generator=gen)
