"""Seeds: a run's seed fully determines its output; sample i of a batch is seeded `seed + i`."""

from __future__ import annotations

import random

MAX_SAMPLES = 64  # samples in one batch (sample i uses seed + i, so seeds stop short of 2**63)


def draw_seed() -> int:
    """A fresh seed for a run that did not fix one (reported in its start event)."""
    return random.SystemRandom().randrange(0, 2**31)
