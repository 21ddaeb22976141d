"""Step mode ("you are the sampler", for tokens and pixels) and A/B compare as plain data:
computed by the engine, shown by the window and the command line."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.core.events import Candidate, PixelEvent, TokenEvent


@dataclass(frozen=True)
class StepStage:
    """The next-token distribution after one stage, and what that stage took away."""

    name: str  # "model", "repetition penalty", "temperature", "top-k", "top-p", "min-p"
    setting: str  # the stage's value as set ("" for the model itself)
    kept: int  # tokens still possible
    entropy: float  # nats
    top: tuple[Candidate, ...]  # most likely first (prob here, model_prob as the model gave it)
    removed: tuple[Candidate, ...]  # the tokens this stage removed, in rank order before it
    removed_count: int  # all it removed (`removed` lists the first of them)


@dataclass(frozen=True)
class StepOutcome:
    """One step of a text run, drawn but not yet taken: step mode's view of it."""

    step: int  # the index of the token among the generated ones
    seed: int
    stages: tuple[StepStage, ...]  # the model's first, then each stage of the chain that acts
    bar: tuple[Candidate, ...]  # the final distribution, most likely first: the cumulative bar
    bar_rest: float  # the mass of the tokens after `bar` (drawn as one grey end of the bar)
    u: float | None  # where the draw fell on the bar; None for greedy (no draw)
    drawn: Candidate  # the token the run draws here
    event: TokenEvent  # what the run reports for the token taken (drawn, or picked by hand)
    hand: bool  # the token taken was picked by hand, not drawn
    ends: str  # "" if the run goes on after it, else its stop reason ("eos", "stop", "length")


@dataclass(frozen=True)
class Parting:
    """Where two runs of one prompt and seed with settings A and B first give different tokens."""

    step: int  # -1: they never part (one may only end earlier)
    token_a: Candidate | None
    token_b: Candidate | None
    stage: str  # the stage whose change of setting turned A's token into another ("" if none)
    setting_a: str
    setting_b: str
    why: str  # one line: what that stage did there


@dataclass(frozen=True)
class PixelStepOutcome:
    """One pixel of sample 0 of an image run, drawn but not yet taken: step mode for pixels.
    Candidates name values (grey levels or palette indices) by their number; the window shows
    them as grey levels or colour swatches."""

    step: int  # the index of the pixel among the drawn ones (kept pixels of a completion skipped)
    seed: int  # sample 0's seed
    row: int
    col: int
    stages: tuple[StepStage, ...]  # the model's (guided where asked), then each stage that acts
    dists: tuple[np.ndarray, ...]  # each stage's distribution over all values, (V,) float32
    bar: tuple[Candidate, ...]  # the final distribution in the draw's order: value 0 first
    u: float | None  # the draw's uniform number on that bar; None for greedy (no draw)
    drawn: Candidate  # the value the run draws here
    event: PixelEvent  # what the run reports for the value taken (drawn, or picked by hand)
    hand: bool  # the value taken was picked by hand, not drawn
    ends: str  # "" if pixels remain after this one, else "length"
