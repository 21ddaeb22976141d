"""Image runs inside the generation worker: pacing, pixel batching, and the run record.

`run_image` runs in the worker thread (it imports the engine, hence torch). It turns the engine's
PixelEvents into `PixelBatch`es of numpy arrays, one per frame at most, so the GUI thread handles a
few arrays per frame instead of thousands of Python objects. A pace (seconds to wait after each pixel)
slows the run down to watching speed; the wait is on the run's cancel event, so Stop is immediate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from studio.io.run import RunRecord

FRAME_S = 0.016  # one batch of pixels per frame at most


class Pace:
    """Seconds to wait after each pixel step. The GUI changes it during a run: the worker reads a
    plain float attribute, which needs no lock."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds


@dataclass(frozen=True)
class ImageRequest:
    """What one image run needs; built by the GUI when Generate or Complete is pressed."""

    settings: dict  # ImageSettings.to_dict() shape; seed None draws one
    init: np.ndarray | None = None  # (H, W) grey or (H, W, 3) RGB uint8, for completion
    mask: np.ndarray | None = None  # (H, W) bool, True = keep the init pixel
    pace: Pace = field(default_factory=Pace)
    label_name: str = "any"


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
    """What the worker sends per frame: the start, pixels, and the samples that ended."""

    start: object = None  # StartEvent of the run
    pixels: PixelBatch | None = None
    done: list = field(default_factory=list)  # DoneEvents


def _batch(events: list, steps: int) -> PixelBatch:
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


def run_image(
    loaded,
    info: dict,
    request: ImageRequest,
    cancel: threading.Event,
    emit: Callable[[ImageFrame], None],
) -> RunRecord | None:
    """Run one image generation, sending ImageFrames through `emit`; the record of the run."""
    from studio.engine.image.generation import generate_image
    from studio.io.image_export import encode_png
    from studio.settings import ImageSettings

    settings = ImageSettings.from_dict(request.settings)
    H, W = loaded.extras["height"], loaded.extras["width"]
    B = settings.num_samples
    prob = np.zeros((B, H * W), np.float32)
    model_prob = np.zeros((B, H * W), np.float32)
    entropy = np.zeros((B, H * W), np.float32)
    frame = ImageFrame()
    pending: list = []
    steps = 0
    start = None
    done: dict[int, object] = {}
    last = 0.0

    def flush() -> None:
        nonlocal frame, pending, last
        if pending:
            frame.pixels = _batch(pending, steps)
            pending = []
        if frame.start is not None or frame.pixels is not None or frame.done:
            emit(frame)
        frame = ImageFrame()
        last = time.perf_counter()

    for ev in generate_image(loaded, settings, init=request.init, mask=request.mask, cancel=cancel):
        kind = ev.event
        if kind == "pixel":
            pending.append(ev)
            t = ev.row * W + ev.col
            prob[ev.sample, t] = ev.prob
            model_prob[ev.sample, t] = ev.model_prob
            entropy[ev.sample, t] = ev.entropy
            if ev.sample != B - 1:
                continue
            steps += 1
            pace = request.pace.seconds
            # the first pixels go at once (time to first pixel is visible); then one batch per
            # frame, or every step when paced slower than a frame
            if steps == 1 or pace >= FRAME_S or time.perf_counter() - last >= FRAME_S:
                flush()
            if pace > 0:
                cancel.wait(pace)
        elif kind == "start":
            start = frame.start = ev
        elif kind == "done":
            done[ev.sample] = ev
            frame.done.append(ev)
    flush()
    if start is None or len(done) != B:
        return None
    d0 = done[0]
    kept = request.mask if request.mask is not None else None
    media = {
        "height": H,
        "width": W,
        "channels": loaded.extras["channels"],
        "num_samples": B,
        "label": request.label_name,
        "images": [encode_png(done[i].image) for i in range(B)],
        "kept": encode_png(kept.astype(np.uint8) * 255) if kept is not None else None,
        # rounded: the maps are for the heat map and tooltips, not for arithmetic
        "prob": np.round(prob, 4).tolist(),
        "model_prob": np.round(model_prob, 4).tolist(),
        "entropy": np.round(entropy, 3).tolist(),
    }
    what = f"image: label {request.label_name}" if loaded.extras.get("labels") else "image"
    if settings.guidance != 1.0:  # the workspace sends 1 with "any"
        what += f", guidance {settings.guidance:g}"
    if kept is not None:
        what += f", completion of {int(kept.sum())} kept pixels"
    return RunRecord(
        model_name=info["name"],
        model_title=info["title"],
        model_path=info["path"],
        prompt="",
        text=f"{what}, {B} sample{'s' if B > 1 else ''}",
        settings={**settings.to_dict(), "seed": start.seed},
        seed=start.seed,
        stop_reason=d0.stop_reason,
        tokens=d0.tokens,
        ttft_ms=d0.ttft_ms,
        tokens_per_s=d0.tokens_per_s * B,  # pixels per second over the whole batch
        kind="image",
        media=media,
    )
