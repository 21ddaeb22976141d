"""Step mode for pixels ("you are the sampler"): one pixel of sample 0 of an image run at a time,
stage by stage.

    outcome = next_pixel_step(loaded, settings, taken_values)

Image runs draw each pixel by inverse CDF: one uniform number u from the sample's generator
(seeded `seed + i`, one number per drawn pixel), and the value whose slice of the cumulative bar
of the final distribution (value 0 first) holds u. Step mode runs the same `PixelLoop` as
generation (generation.py) with one sample: the same stepper, the same chain, the same
generator, one u per step whatever value is taken. So accepting every step gives exactly the
pixels of an uninterrupted single-sample run with that seed, and `generate_image(...,
resume=values)` runs on from there.

The loop of the run being stepped is kept between requests (a session), so a step costs one
pixel of the model rather than a replay of the picture so far; a request that does not extend the
session's pixels (another run, a pick earlier on) replays them from the start, through the same
calls, so the numbers are the same either way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch

from studio.core.errors import SettingsError
from studio.core.events import Candidate, PixelEvent
from studio.core.step import PixelStepOutcome, StepStage
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.image.generation import PixelLoop, draw_at, no_history, open_loop
from studio.engine.sampling.chain import entropy_nats
from studio.engine.sampling.draw import rank_order
from studio.engine.sampling.greedy import greedy_pick
from studio.settings import ImageSettings

REMOVED_SHOWN = 40  # removed values listed per stage


@dataclass
class _Pending:
    t: int  # the pixel's raster position
    scores: torch.Tensor  # (1, V) before the chain
    model_probs: torch.Tensor  # (1, V)
    u: torch.Tensor | None  # (1,) the draw's number, taken from the generator once


class _Session:
    """The loop of one run in step mode, after the values `fed` (sample 0's drawn pixels)."""

    def __init__(self, key: tuple, loop: PixelLoop, N: int) -> None:
        self.key, self.loop, self.N = key, loop, N
        self.fed: list[int] = []
        self.t = 0  # the next raster position not yet through the model
        self.pending: _Pending | None = None

    def next_pixel(self) -> _Pending | None:
        """The next drawn pixel's scores and u (computed once); None when none remains."""
        if self.pending is None:
            loop = self.loop
            while self.t < self.N and loop.given[self.t]:
                loop.keep(self.t)
                self.t += 1
            if self.t >= self.N:
                return None
            scores, model_probs = loop.scores(self.t)
            u = None if loop.greedy else torch.rand(1, generator=loop.gens[0], device=loop.device)
            self.pending = _Pending(self.t, scores, model_probs, u)
        return self.pending

    def feed(self, value: int) -> None:
        """Take `value` at the pending pixel and move on."""
        p = self.next_pixel()
        if p is None:
            raise SettingsError("the picture has all its pixels: nothing to step on to")
        self.loop.put(p.t, torch.tensor([value], dtype=torch.long, device=self.loop.device))
        self.fed.append(value)
        self.t, self.pending = p.t + 1, None


_session: _Session | None = None


def _key(loaded: LoadedModel, settings: ImageSettings, init, mask) -> tuple:
    digest = hashlib.sha1()
    for a in (init, mask):
        digest.update(b"-" if a is None else np.ascontiguousarray(a).tobytes())
    return (id(loaded.model), json.dumps(settings.to_dict(), sort_keys=True), digest.hexdigest())


def _session_for(loaded, settings, values, init, mask) -> _Session:
    global _session
    key = _key(loaded, settings, init, mask)
    s = _session
    if s is None or s.key != key or s.fed != list(values[: len(s.fed)]):
        N = loaded.extras["height"] * loaded.extras["width"]
        s = _Session(key, open_loop(loaded, settings, int(settings.seed), init, mask), N)
        _session = s
    with torch.inference_mode():
        for v in values[len(s.fed) :]:
            s.feed(int(v))
    return s


def next_pixel_step(
    loaded: LoadedModel,
    settings: ImageSettings,
    values: Sequence[int],
    pick: int | None = None,
    init: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> PixelStepOutcome:
    """Drawn pixel len(values) of sample 0 of a run with `settings` (its seed set), after sample
    0's drawn pixels `values`: every stage, u and the value drawn; `pick`: the value the person
    chose instead (taken into `event`, marked by hand). Raises SettingsError with one line for
    values or a pick outside the model's values, or a picture with no pixel left."""
    if settings.seed is None:
        raise SettingsError("step mode needs the run's seed")
    if not loaded.kind.startswith("image-"):
        raise SettingsError(f"{loaded.name} is not an image model")
    palette = loaded.extras.get("palette")
    V = len(palette) if palette is not None else 256
    for v in (*values, *(() if pick is None else (pick,))):
        if not 0 <= int(v) < V:
            raise SettingsError(f"a pixel value must lie in 0..{V - 1}, got {v}")
    one = replace(settings, num_samples=1)
    s = _session_for(loaded, one, list(values), init, mask)
    with torch.inference_mode():
        p = s.next_pixel()
        if p is None:
            raise SettingsError("the picture has all its pixels: nothing to step on to")
        return _outcome(s, p, len(values), int(settings.seed), pick, loaded.extras["width"])


def _outcome(s: _Session, p: _Pending, step: int, seed: int, pick, W: int) -> PixelStepOutcome:
    loop = s.loop
    model_probs = p.model_probs[0]  # (V,)
    name = "model" if not loop.guided else "guidance"
    setting = "" if not loop.guided else f"{loop.guidance:g}"
    stages = [_stage(name, setting, p.scores.softmax(dim=-1)[0], model_probs, None)]
    dists = [stages_dist(p.scores)]
    scores = p.scores
    before = scores.softmax(dim=-1)[0]
    for stage in loop.chain:
        scores = stage(no_history(1, loop.device), scores)
        probs = scores.softmax(dim=-1)[0]
        stages.append(_stage(stage.name, stage.setting, probs, model_probs, before))
        dists.append(stages_dist(scores))
        before = probs
    if loop.greedy:
        drawn, u = int(greedy_pick(scores)[0]), None
        final = torch.zeros_like(before)
        final[drawn] = 1.0  # greedy's point mass, as the run reports it
    else:
        final = scores.softmax(dim=-1)  # (1, V), as generation computes it
        assert p.u is not None
        drawn, u = int(draw_at(final, p.u)[0]), float(p.u[0])
        final = final[0]
    taken = drawn if pick is None else int(pick)
    row, col = divmod(p.t, W)
    ids = torch.nonzero(final > 0).flatten().tolist()  # value order: the draw's bar
    bar = tuple(Candidate(i, str(i), float(final[i]), float(model_probs[i])) for i in ids)
    event = PixelEvent(
        sample=0,
        step=step,
        row=row,
        col=col,
        channel=0,
        value=taken,
        prob=float(final[taken]),
        model_prob=float(model_probs[taken]),
        entropy=float(entropy_nats(final)),
        distribution=tuple(final.tolist()),
    )
    last = not (~loop.given[p.t + 1 :]).any()
    return PixelStepOutcome(
        step=step,
        seed=seed,
        row=row,
        col=col,
        stages=tuple(stages),
        dists=tuple(dists),
        bar=bar,
        u=u,
        drawn=Candidate(drawn, str(drawn), float(final[drawn]), float(model_probs[drawn])),
        event=event,
        hand=taken != drawn,
        ends="length" if last else "",
    )


def stages_dist(scores: torch.Tensor) -> np.ndarray:
    """A stage's distribution (V,) float32 from its scores (1, V)."""
    return scores.softmax(dim=-1)[0].float().cpu().numpy()


def _stage(name, setting, probs, model_probs, before) -> StepStage:
    """One stage's distribution probs (V,), and the values it removed from `before` (V,)."""
    removed: list[int] = []
    count = 0
    if before is not None:
        gone = (before > 0) & (probs == 0)
        count = int(gone.sum())
        if count:
            ids = torch.nonzero(gone).flatten()
            order = torch.sort(before[ids], descending=True, stable=True).indices
            removed = ids[order][:REMOVED_SHOWN].tolist()

    def cands(dist, ids) -> tuple[Candidate, ...]:
        return tuple(Candidate(i, str(i), float(dist[i]), float(model_probs[i])) for i in ids)

    return StepStage(
        name=name,
        setting=setting,
        kept=int((probs > 0).sum()),
        entropy=float(entropy_nats(probs)),
        top=cands(probs, rank_order(probs)[:8]),
        removed=cands(before, removed) if removed else (),
        removed_count=count,
    )
