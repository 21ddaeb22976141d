"""One token's sampling stages as plain data: computed by the engine, shown by the window and the
command line."""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.events import Candidate


@dataclass(frozen=True)
class StageDistribution:
    """The next-token distribution after one stage."""

    name: str  # "model", "repetition penalty", "temperature", "top-k", "top-p", "min-p", "greedy"
    setting: str  # the stage's value as set ("" for the model itself)
    top: tuple[Candidate, ...]  # most likely first; prob here, model_prob as the model gave it
    kept: int  # tokens still possible (probability above 0)
    entropy: float  # nats
    chosen_prob: float  # the drawn token's probability here
    chosen: Candidate  # the drawn token (its text, prob here, model_prob), in `top` or not
    probs: dict[int, float]  # here, for every token in any stage's `top` and the chosen one
