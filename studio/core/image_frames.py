"""What an image run sends from the engine process to the window: plain data, no torch.

The engine packs a frame's PixelEvents into a `PixelBatch` of numpy arrays, so the window handles a
few arrays per frame instead of thousands of Python objects, and pickling them across the pipe
costs a few array copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from studio.core.events import DoneEvent, PixelEvent, StartEvent


@dataclass(frozen=True)
class ImageRequest:
    """What one image run needs; built by the window when Generate or Complete is pressed."""

    settings: dict  # ImageSettings.to_dict() shape; seed None draws one
    init: np.ndarray | None = None  # (H, W) grey or (H, W, 3) RGB uint8, for completion
    mask: np.ndarray | None = None  # (H, W) bool, True = keep the init pixel
    pace_s: float = 0.0  # seconds to wait after each pixel step; changed mid-run by set_pace
    label_name: str = "any"
    # a branch of a run (engine/image/branching.py): {"row", "col", "value", "sample"}; init is
    # then the run's picture (its sample `sample`) and mask the run's kept pixels (or None)
    branch: dict | None = None
    # step mode's Run on: sample 0's drawn pixels taken so far (values in drawing order), and the
    # (row, col) of those picked by hand, which the run's record marks
    resume: tuple[int, ...] = ()
    hand: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class PixelBatch:
    """Pixel events of one frame, as arrays of equal length n."""

    sample: np.ndarray  # (n,) int
    row: np.ndarray  # (n,) int
    col: np.ndarray  # (n,) int
    value: np.ndarray  # (n,) int: grey level or palette index
    prob: np.ndarray  # (n,) float32, in the sampled distribution
    model_prob: np.ndarray  # (n,) float32, in the model's own (before the sampling stages)
    entropy: np.ndarray  # (n,) float32, nats
    dist: np.ndarray | None  # (n, V) float16: the distribution each pixel was drawn from
    steps: int  # pixel positions drawn so far in this run (all samples move in lockstep)


@dataclass
class ImageFrame:
    """One frame of an image run: its start, a batch of pixels, and the samples that ended."""

    start: StartEvent | None = None
    pixels: PixelBatch | None = None
    done: list[DoneEvent] = field(default_factory=list)


def pixel_batch(events: list[PixelEvent], steps: int) -> PixelBatch:
    """The arrays of `events` (in order)."""
    n = len(events)
    dist = None
    if events and events[0].distribution is not None:
        dist = np.asarray([e.distribution for e in events], dtype=np.float16)  # (n, V)
    return PixelBatch(
        sample=np.fromiter((e.sample for e in events), np.int64, n),
        row=np.fromiter((e.row for e in events), np.int64, n),
        col=np.fromiter((e.col for e in events), np.int64, n),
        value=np.fromiter((e.value for e in events), np.int64, n),
        prob=np.fromiter((e.prob for e in events), np.float32, n),
        model_prob=np.fromiter((e.model_prob for e in events), np.float32, n),
        entropy=np.fromiter((e.entropy for e in events), np.float32, n),
        dist=dist,
        steps=steps,
    )


def image_frame(events: list, steps: int) -> ImageFrame:
    """A frame of an image run's events (StartEvent, PixelEvents, DoneEvents, in order)."""
    frame = ImageFrame()
    pixels = []
    for ev in events:
        kind = ev.event
        if kind == "pixel":
            pixels.append(ev)
        elif kind == "start":
            frame.start = ev
        elif kind == "done":
            frame.done.append(ev)
    if pixels:
        frame.pixels = pixel_batch(pixels, steps)
    return frame
