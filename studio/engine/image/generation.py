"""Image generation as a generator of events (DESIGN.md's protocol): pixels in raster order.

    for event in generate_image(loaded, ImageSettings(label=7, seed=1)):
        ...  # StartEvent, then PixelEvent per drawn pixel and sample, then DoneEvent per sample

Every pixel's logits go through the text engine's sampling chain (temperature, top-k, top-p, min-p)
and are drawn with the sample's own generator, seeded `seed + i` as for text, so sample 0 of a batch
equals a single-sample run. Several samples run as one batch in lockstep.

Two samplers give the same pixels under the same seed:
- "naive" runs the whole network for every pixel (PixelCNN: the full image; GPT: the whole prefix);
- "fast" computes only what a new pixel changes: for the PixelCNN one row of the vertical stack per
  row and one column of the horizontal stack per pixel (`pixelcnn.IncrementalState`); for the GPT
  one cached step per pixel (the KV cache).

Guidance (classifier-free guidance, Ho & Salimans 2022): a class-conditional model trained with some
labels dropped to "any class" knows both log P(x_i | x_<i, label) and log P(x_i | x_<i). With
guidance g != 1 each pixel is drawn from the scores any + g * (label - any) of those two
log-probabilities: g = 1 is the model as trained, 0 ignores the label, larger values push every
pixel toward what the label makes more likely than "any". It is a stage before the sampling chain;
the model runs a batch twice as large (each sample with its label and with "any"), and an event's
`model_prob` stays the probability under the label alone.

Completion: given an init image and a mask of the pixels to keep (e.g. its first R rows), only the
other pixels are drawn; kept pixels are fed to the model when their turn comes and come out unchanged.
The model reads pixels in raster order, so a kept pixel informs only the pixels after it.

Branching (branching.py): with a `PixelBranch`, the init image is the run's picture and the mask the
run's kept pixels; the pixels before the fork are kept too, the fork takes the chosen value (not
drawn: its PixelEvent is marked by_hand, with the probabilities the model gives that value) and the
generators start where the run's stood after the fork.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from studio.core.errors import SettingsError
from studio.core.events import DoneEvent, Event, PixelEvent, StartEvent
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.image.branching import (
    PixelBranch,
    advance,
    branch_given,
    check_branch,
    draws_through,
)
from studio.engine.networks.gpt import GPT
from studio.engine.networks.image_gpt import start_token
from studio.engine.networks.pixelcnn import PixelCNN
from studio.engine.sampling.chain import apply_chain, build_chain, entropy_nats
from studio.engine.sampling.greedy import greedy_pick
from studio.engine.sampling.seeds import draw_seed
from studio.settings import ImageSettings


def _label_index(loaded: LoadedModel, label: int | None) -> int | None:
    """The model's label index for a setting, or None for unconditional models."""
    labels = loaded.extras.get("labels")
    if not labels:
        if label is not None:
            raise SettingsError(f"{loaded.name} draws without labels; leave the label out")
        return None
    if label is None:
        return loaded.extras["any_label"]
    if not 0 <= label < len(labels):
        raise SettingsError(
            f"label {label} is not one of {loaded.name}'s labels "
            f"({labels[0]}-{labels[-1]}, or none for any)"
        )
    return label


def check_settings(loaded: LoadedModel, settings: ImageSettings) -> tuple[int | None, bool]:
    """(the model's label index or None, whether guidance needs the "any" half) for settings that
    fit this model; raises SettingsError with one line otherwise."""
    label = _label_index(loaded, settings.label)
    if settings.guidance != 1.0 and label is None:
        raise SettingsError(f"{loaded.name} draws without labels, so there is nothing to guide")
    # with the "any" label, the guided scores equal the plain ones: no second half is needed
    return label, settings.guidance != 1.0 and label != loaded.extras.get("any_label")


def _init_values(loaded: LoadedModel, init: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The model's token (grey level or palette index) of every init pixel: (H, W) int64."""
    from studio.engine.image.datasets import quantize

    H, W = loaded.extras["height"], loaded.extras["width"]
    want = (H, W) if loaded.extras["channels"] == 1 else (H, W, 3)
    init = np.asarray(init)
    if init.shape != want or init.dtype != np.uint8:
        raise SettingsError(
            f"the init image must be {W}x{H} {'grey' if len(want) == 2 else 'RGB'} uint8 "
            f"{want}, got {init.dtype} {init.shape}"
        )
    if mask.shape != (H, W) or mask.dtype != bool:
        raise SettingsError(f"the mask must be a ({H}, {W}) boolean array, got {mask.shape}")
    if loaded.extras["channels"] == 1:
        return init.astype(np.int64)
    return quantize(init, loaded.extras["palette"])


class _Stepper:
    """One way of running a model pixel by pixel: logits(t) for position t, then put(t, values)."""

    def logits(self, t: int) -> torch.Tensor:  # (B, V)
        raise NotImplementedError

    def skip(self, t: int) -> None:
        """Position t is given; its logits are not needed."""

    def put(self, t: int, values: torch.Tensor) -> None:
        raise NotImplementedError


class _PixelCNNNaive(_Stepper):
    def __init__(
        self, model: PixelCNN, B: int, labels: torch.Tensor, H: int, W: int, device: torch.device
    ):
        self.model, self.labels, self.W = model, labels, W
        self.canvas = torch.zeros(B, H, W, dtype=torch.long, device=device)  # (B, H, W)

    def logits(self, t: int) -> torch.Tensor:
        r, c = divmod(t, self.W)
        params = self.model(self.canvas, self.labels)[:, :, r, c]  # (B, 3*n_mix)
        return self.model.level_logprobs(params)  # (B, 256)

    def put(self, t: int, values: torch.Tensor) -> None:
        r, c = divmod(t, self.W)
        self.canvas[:, r, c] = values


class _PixelCNNFast(_Stepper):
    def __init__(self, model: PixelCNN, B: int, labels: torch.Tensor, W: int, given: np.ndarray):
        self.model, self.W = model, W
        self.state = model.new_state(B, labels)
        # the horizontal stack of row r is needed up to the last drawn pixel of that row
        drawn = ~given  # (H, W)
        self.last_drawn = [int(np.nonzero(row)[0].max()) if row.any() else -1 for row in drawn]

    def _advance(self, t: int) -> torch.Tensor | None:
        r, c = divmod(t, self.W)
        if c == 0:
            self.state.begin_row(r)
        if c <= self.last_drawn[r]:
            return self.state.column(c)
        return None

    def logits(self, t: int) -> torch.Tensor:
        params = self._advance(t)
        if params is None:  # only drawn pixels are asked for, and none lies past last_drawn
            raise RuntimeError(f"pixel {t} is given, not drawn")
        return self.model.level_logprobs(params)

    def skip(self, t: int) -> None:
        self._advance(t)

    def put(self, t: int, values: torch.Tensor) -> None:
        self.state.put(t % self.W, values)


class _GPTNaive(_Stepper):
    def __init__(self, model: GPT, B: int, N: int, device: torch.device):
        self.model = model
        self.seq = torch.full((B, N), start_token(model), dtype=torch.long, device=device)

    def logits(self, t: int) -> torch.Tensor:
        # the whole prefix [start, p0, .., p_{t-1}] again, without a cache
        return self.model(self.seq[:, : t + 1], last_only=True)[:, -1, :-1]  # (B, K)

    def put(self, t: int, values: torch.Tensor) -> None:
        if t + 1 < self.seq.shape[1]:
            self.seq[:, t + 1] = values


class _GPTCached(_Stepper):
    def __init__(self, model: GPT, B: int, device: torch.device):
        self.model = model
        self.cache = model.new_cache(B)
        # the GPT's single-token step without nn.Module overhead, where the engine has one
        self.step = model.decoder(self.cache) if hasattr(model, "decoder") else None
        # tokens not yet through the model: kept pixels are fed in one chunk when logits are needed
        self.pending = [torch.full((B,), start_token(model), dtype=torch.long, device=device)]

    def logits(self, t: int) -> torch.Tensor:
        pending, self.pending = self.pending, []
        if len(pending) == 1 and self.step is not None:
            return self.step(pending[0])[:, :-1]  # (B, K)
        chunk = torch.stack(pending, dim=1)  # (B, n)
        return self.model(chunk, self.cache, last_only=True)[:, -1, :-1]  # (B, K)

    def put(self, t: int, values: torch.Tensor) -> None:
        self.pending.append(values)


@dataclass
class PixelLoop:
    """A run's model between pixels: the stepper of B samples (2B rows when guided), the chain,
    and each sample's generator. Generation and step mode (step_mode.py) both draw through it,
    so a pixel stepped to has exactly the numbers of the uninterrupted run's."""

    stepper: _Stepper
    rows: int
    guided: bool
    guidance: float
    chain: list
    greedy: bool
    gens: list[torch.Generator]
    given: np.ndarray  # (N,) bool: kept pixels
    given_values: np.ndarray  # (N,) int64: their values
    device: torch.device

    def scores(self, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(the scores (B, V) of pixel t before the sampling chain, guided where asked; the
        model's probabilities (B, V) under the label alone)."""
        scores = self.stepper.logits(t).float()  # (B, V), or (2B, V) when guided
        if self.guided:
            return guide(scores, self.guidance)
        return scores, scores.softmax(dim=-1)

    def keep(self, t: int) -> int:
        """Feed kept pixel t to the model; its value."""
        self.stepper.skip(t)
        v = int(self.given_values[t])
        self.stepper.put(t, torch.full((self.rows,), v, dtype=torch.long, device=self.device))
        return v

    def put(self, t: int, values: torch.Tensor) -> None:
        """Feed the values (B,) taken at pixel t."""
        self.stepper.put(t, torch.cat([values, values]) if self.guided else values)


def open_loop(
    loaded: LoadedModel,
    settings: ImageSettings,
    seed: int,
    init: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> PixelLoop:
    """The loop of a run of `settings.num_samples` samples, seeded `seed + i`; raises
    SettingsError with one line for settings or an init image that do not fit the model."""
    if not loaded.kind.startswith("image-"):
        raise SettingsError(f"{loaded.name} is not an image model")
    model = loaded.model
    device = next(model.parameters()).device
    H, W = loaded.extras["height"], loaded.extras["width"]
    N = H * W
    B = settings.num_samples
    label, guided = check_settings(loaded, settings)
    if (init is None) != (mask is None):
        raise SettingsError("completion needs both an init image and a mask of the pixels to keep")
    if init is not None:
        mask = np.asarray(mask)
        given_values = _init_values(loaded, init, mask)  # (H, W)
        given = mask.copy()
    else:
        given_values = np.zeros((H, W), dtype=np.int64)
        given = np.zeros((H, W), dtype=bool)
    fast = settings.sampler == "fast"
    rows = 2 * B if guided else B  # rows B..2B-1 draw the same pixels with "any" as the label
    if loaded.kind == "image-pixelcnn":
        # a card without label names draws with the "any" label
        any_label = loaded.extras["any_label"]
        labels = torch.full(
            (B,), any_label if label is None else label, dtype=torch.long, device=device
        )
        if guided:
            labels = torch.cat([labels, torch.full_like(labels, any_label)])
        pixelcnn = loaded.network(PixelCNN)
        stepper: _Stepper = (
            _PixelCNNFast(pixelcnn, rows, labels, W, given)
            if fast
            else _PixelCNNNaive(pixelcnn, rows, labels, H, W, device)
        )
    else:
        gpt = loaded.network(GPT)
        stepper = _GPTCached(gpt, B, device) if fast else _GPTNaive(gpt, B, N, device)
    return PixelLoop(
        stepper=stepper,
        rows=rows,
        guided=guided,
        guidance=settings.guidance,
        chain=build_chain(settings.sampling),
        greedy=settings.sampling.greedy,
        gens=[torch.Generator(device=device).manual_seed(seed + i) for i in range(B)],
        given=given.reshape(-1),
        given_values=given_values.reshape(-1),
        device=device,
    )


def generate_image(
    loaded: LoadedModel,
    settings: ImageSettings | None = None,
    init: np.ndarray | None = None,
    mask: np.ndarray | None = None,
    cancel: threading.Event | None = None,
    resume: Sequence[int] = (),
    branch: PixelBranch | None = None,
) -> Iterator[Event]:
    """Draw `settings.num_samples` images; with `init` and `mask` ((H, W) bool, True = keep), complete
    the init image. init is (H, W) uint8 grey or (H, W, 3) uint8 RGB, as the model draws.

    `resume`: the values of sample 0's first drawn pixels, taken in step mode (accepted or picked
    by hand). Each is computed and drawn as ever (its generator moves on by the same number), then
    the value taken replaces sample 0's: the run goes on from step mode's state with the same seed
    stream, and is the uninterrupted run when every value was accepted. Their PixelEvents are sent
    too, so the run's record holds every pixel.

    With a `branch`, `init` is the run's picture and `mask` its kept pixels (None: it kept none):
    the pixels before the branch's pixel are kept as well, that pixel takes the branch's value, and
    the rest are drawn (see the module's docstring)."""
    settings = settings or ImageSettings()
    H, W = loaded.extras.get("height", 0), loaded.extras.get("width", 0)
    N = H * W
    B = settings.num_samples
    seed = settings.seed if settings.seed is not None else draw_seed()
    fork = -1  # the branch's raster position
    run_kept: np.ndarray | None = None
    if branch is not None:
        if init is None:
            raise SettingsError("a branch needs the picture of the run it branches")
        if resume:
            raise SettingsError("a branch starts from its own pixel, not from stepped pixels")
        run_kept = None if mask is None else np.asarray(mask, dtype=bool)
        fork = check_branch(loaded, branch, run_kept)
        mask = branch_given(run_kept, fork, H, W)
    loop = open_loop(loaded, settings, seed, init, mask)
    if branch is not None and not loop.greedy:
        advance(loop.gens, draws_through(run_kept, fork), loop.device)
    V = len(loaded.extras["palette"]) if loaded.extras.get("palette") is not None else 256
    if any(not 0 <= int(v) < V for v in resume):
        raise SettingsError(f"resumed pixel values must lie in 0..{V - 1}")
    if len(resume) > int((~loop.given).sum()):
        raise SettingsError("more resumed pixels than the picture draws")
    forced = torch.tensor([int(v) for v in resume], dtype=torch.long, device=loop.device)
    given = loop.given.reshape(H, W)
    t0 = time.perf_counter()
    yield StartEvent(
        model=loaded.name,
        settings=settings.to_dict(),
        seed=seed,
        prompt_tokens=int(given.sum()),
        num_samples=B,
    )

    tokens = np.zeros((B, N), dtype=np.int64)
    drawn = 0
    reason = "length"
    t_first: float | None = None
    with torch.inference_mode():
        for t in range(N):
            if cancel is not None and cancel.is_set():
                reason = "cancelled"
                break
            r, c = divmod(t, W)
            if loop.given[t]:
                tokens[:, t] = loop.keep(t)
                continue
            scores, model_probs = loop.scores(t)  # (B, V) each
            shaped = apply_chain(loop.chain, no_history(B, loop.device), scores)
            by_hand = t == fork  # a branch's value, not drawn (and no generator used)
            if loop.greedy:
                nxt = greedy_pick(shaped)  # (B,): the first maximum
                probs = torch.zeros_like(shaped).scatter_(1, nxt[:, None], 1.0)
            else:
                probs = shaped.softmax(dim=-1)  # (B, V)
                if not by_hand:
                    nxt = draw(probs, loop.gens)
            if by_hand:  # under greedy, probability 1 only where greedy would have gone
                assert branch is not None
                nxt = torch.full((B,), branch.value, dtype=torch.long, device=loop.device)
            if drawn < len(forced):
                nxt = nxt.clone()
                nxt[0] = forced[drawn]  # step mode's value for sample 0
            loop.put(t, nxt)
            values = nxt.tolist()
            chosen = probs.gather(1, nxt[:, None])[:, 0].tolist()
            chosen_model = model_probs.gather(1, nxt[:, None])[:, 0].tolist()
            ent = entropy_nats(probs).tolist()
            dist = probs.tolist() if settings.distribution else None
            tokens[:, t] = values
            if t_first is None:
                t_first = time.perf_counter()
            for i in range(B):
                yield PixelEvent(
                    sample=i,
                    step=drawn,
                    row=r,
                    col=c,
                    channel=0,
                    value=values[i],
                    prob=chosen[i],
                    model_prob=chosen_model[i],
                    entropy=ent[i],
                    distribution=tuple(dist[i]) if dist is not None else None,
                    by_hand=by_hand,
                )
            drawn += 1
    t_end = time.perf_counter()
    ttft = ((t_first or t_end) - t0) * 1000
    for i in range(B):
        yield DoneEvent(
            sample=i,
            text="",
            tokens=drawn,
            stop_reason=reason,
            ttft_ms=ttft,
            tokens_per_s=drawn / (t_end - t0) if t_end > t0 else 0.0,
            image=render(loaded, tokens[i], init, given),
        )


def no_history(B: int, device: torch.device) -> torch.Tensor:
    """The chain's input ids for pixels: none (repetition penalty has no meaning here), (B, 0)."""
    return torch.zeros((B, 0), dtype=torch.long, device=device)


def guide(scores: torch.Tensor, g: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Classifier-free guidance. scores (2B, V): rows 0..B-1 with the label, B..2B-1 with "any".
    Returns the guided scores any + g * (label - any) of the two log-distributions (B, V), and the
    label-alone probabilities (B, V)."""
    cond, anyc = scores.log_softmax(dim=-1).chunk(2, dim=0)
    return anyc + g * (cond - anyc), cond.exp()


def draw(probs: torch.Tensor, gens: list[torch.Generator]) -> torch.Tensor:
    """One value per row of probs (B, V), row i by inverse CDF with one uniform number from
    gens[i]: as exact as torch.multinomial and, at batch 64, ten times cheaper (one small call
    per row instead of one multinomial). Never returns a value of probability 0."""
    u = torch.cat([torch.rand(1, generator=g, device=probs.device) for g in gens])  # (B,)
    return draw_at(probs, u)


def draw_at(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The values where the uniform numbers u (B,) fall on the cumulative bars of probs (B, V),
    value 0 first (step mode shows this u)."""
    V = probs.shape[1]
    cum = probs.cumsum(dim=-1)  # (B, V)
    target = (u * cum[:, -1])[:, None]  # rescaled, so rounding in the sum cannot overshoot it
    idx = torch.searchsorted(cum, target, right=True)[:, 0]  # first value whose CDF passes u
    last = V - 1 - (probs > 0).flip(-1).int().argmax(dim=-1)  # the last value with mass
    return torch.minimum(idx, last)


def render(
    loaded: LoadedModel,
    tokens: np.ndarray,
    init: np.ndarray | None = None,
    given: np.ndarray | None = None,
) -> np.ndarray:
    """The image of raster tokens (N,): (H, W) uint8 grey, or (H, W, 3) uint8 RGB from the palette.
    Kept pixels come from the init image itself, so they are unchanged even where the palette has
    no exact match for their colour."""
    H, W = loaded.extras["height"], loaded.extras["width"]
    palette = loaded.extras.get("palette")
    if palette is None:
        img = np.asarray(tokens, dtype=np.int64).reshape(H, W).clip(0, 255).astype(np.uint8)
    else:
        img = palette[np.asarray(tokens, dtype=np.int64).reshape(H, W)]
    if init is not None and given is not None:
        img = img.copy()
        img[given] = np.asarray(init)[given]
    return img
