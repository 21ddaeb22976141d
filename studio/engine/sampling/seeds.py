"""Seeds: a run's seed fully determines its output; sample i of a batch is seeded `seed + i`.

The bounds (MAX_SEED, MAX_SAMPLES) are the settings schema's (`studio.settings`)."""

from __future__ import annotations

import random


def draw_seed() -> int:
    """A fresh seed for a run that did not fix one (reported in its start event)."""
    return random.SystemRandom().randrange(0, 2**31)
