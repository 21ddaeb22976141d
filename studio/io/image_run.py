"""The record of an image run, built from its frames as they arrive: in the window from the engine
process's frames, in the command line from the engine's events (packed into one frame).

If the run never ends (the engine process died), `record(stop_reason)` still keeps what arrived: the
pictures rendered from the pixel values received, their per-pixel maps, and timings measured where
the frames arrived.
"""

from __future__ import annotations

import time

import numpy as np

from studio.core.events import DoneEvent, StartEvent
from studio.core.image_frames import ImageFrame, ImageRequest
from studio.io.image_export import encode_png
from studio.io.run import RunRecord


class ImageRun:
    """Collects an image run's frames; `record()` is its RunRecord.

    model: name, title, path; geometry: height, width, channels, palette ((K, 3) list or None),
    labels (list or None), as the engine process describes an image model."""

    def __init__(
        self, model: dict, geometry: dict, request: ImageRequest, t0: float | None = None
    ) -> None:
        self.model = model
        self.H, self.W = int(geometry["height"]), int(geometry["width"])
        self.channels = int(geometry["channels"])
        palette = geometry.get("palette")
        self.palette = np.asarray(palette, np.uint8) if palette is not None else None  # (K, 3)
        self.has_labels = bool(geometry.get("labels"))
        self.request = request
        B = int(request.settings.get("num_samples", 1))
        N = self.H * self.W
        self.values = np.zeros((B, N), np.int64)
        self.prob = np.zeros((B, N), np.float32)
        self.model_prob = np.zeros((B, N), np.float32)
        self.entropy = np.zeros((B, N), np.float32)
        self.start: StartEvent | None = None
        self.done: dict[int, DoneEvent] = {}
        self.steps = 0
        self.t0 = time.perf_counter() if t0 is None else t0  # when the run was asked for
        self.first_at: float | None = None  # when the first pixels arrived
        self.last_at: float | None = None  # when the latest pixels arrived

    @property
    def num_samples(self) -> int:
        return self.values.shape[0]

    def add(self, frame: ImageFrame, at: float | None = None) -> None:
        """Take in one frame (`at`: when it arrived, perf_counter)."""
        if frame.start is not None:
            self.start = frame.start
        px = frame.pixels
        if px is not None and len(px.sample):
            t = px.row * self.W + px.col  # (n,) positions
            self.values[px.sample, t] = px.value
            self.prob[px.sample, t] = px.prob
            self.model_prob[px.sample, t] = px.model_prob
            self.entropy[px.sample, t] = px.entropy
            self.steps = px.steps
            now = time.perf_counter() if at is None else at
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
        for d in frame.done:
            self.done[d.sample] = d

    def _rendered(self) -> list[np.ndarray]:
        """The pictures from the pixel values received (the kept init pixels where asked for),
        when no sample's final image arrived: (H, W) grey or (H, W, 3) RGB uint8 each."""
        shape = (self.num_samples, self.H, self.W)
        values = self.values.reshape(shape)
        if self.palette is not None:
            images = self.palette[np.clip(values, 0, len(self.palette) - 1)]  # (B, H, W, 3)
        else:
            images = np.clip(values, 0, 255).astype(np.uint8)  # (B, H, W)
        init, mask = self.request.init, self.given()
        if init is not None and mask is not None:
            images[:, mask] = init[mask]
        return list(images)

    def given(self) -> np.ndarray | None:
        """(H, W) bool: the pixels this run did not draw: the kept ones, and a branch's pixels
        before its fork."""
        mask, branch = self.request.mask, self.request.branch
        if not branch:
            return mask
        fork = int(branch["row"]) * self.W + int(branch["col"])
        before = (np.arange(self.H * self.W) < fork).reshape(self.H, self.W)
        return before if mask is None else before | mask

    def chosen(self) -> dict | None:
        """A branch's pixel chosen by hand, with what the model gave its value (io/run_tree.py)."""
        b = self.request.branch
        if not b:
            return None
        t = int(b["row"]) * self.W + int(b["col"])
        return {
            "row": int(b["row"]),
            "col": int(b["col"]),
            "value": int(b["value"]),
            "sample": int(b.get("sample", 0)),
            "prob": float(self.prob[0, t]),
            "model_prob": float(self.model_prob[0, t]),
        }

    def record(self, stop_reason: str | None = None) -> RunRecord | None:
        """The run's record; None if it never started. `stop_reason` for a run that did not end
        (every sample's DoneEvent missing): what it is marked with, e.g. "engine-died"."""
        start, B = self.start, self.num_samples
        if start is None:
            return None
        ended = len(self.done) == B
        if not ended and stop_reason is None:
            return None
        kept = self.request.mask
        if ended:
            done = [self.done[i] for i in range(B)]
            images = [d.image for d in done]
            d0 = done[0]
            reason, tokens, ttft_ms = d0.stop_reason, d0.tokens, float(d0.ttft_ms)
            per_sample = float(d0.tokens_per_s)
            pixels_per_s = float(sum(d.tokens_per_s for d in done))
        else:
            images = self._rendered()
            reason, tokens = str(stop_reason), self.steps
            first, last = self.first_at, self.last_at
            ttft_ms = (first - self.t0) * 1000 if first is not None else 0.0
            span = (last - first) if first is not None and last is not None else 0.0
            per_sample = (tokens - 1) / span if span > 0 else 0.0
            pixels_per_s = per_sample * B
        settings = dict(start.settings)
        media = {
            "height": self.H,
            "width": self.W,
            "channels": self.channels,
            "num_samples": B,
            "label": self.request.label_name,
            "images": [encode_png(im) for im in images],
            "kept": encode_png(kept.astype(np.uint8) * 255) if kept is not None else None,
            # rounded: the maps are for the heat map and tooltips, not for arithmetic
            "prob": np.round(self.prob, 4).tolist(),
            "model_prob": np.round(self.model_prob, 4).tolist(),
            "entropy": np.round(self.entropy, 3).tolist(),
        }
        if self.request.resume:  # run on from step mode: sample 0's first pixels were taken
            media["stepped"] = len(self.request.resume)
            media["hand"] = [[int(r), int(c)] for r, c in self.request.hand]
        what = f"image: label {self.request.label_name}" if self.has_labels else "image"
        guidance = settings.get("guidance", 1.0)
        if guidance != 1.0:  # the workspace sends 1 with "any"
            what += f", guidance {guidance:g}"
        if kept is not None:
            what += f", completion of {int(kept.sum())} kept pixels"
        chosen = self.chosen()
        if chosen is not None:
            media["chosen"] = chosen
            what += f", branch at pixel ({chosen['row']}, {chosen['col']}) = {chosen['value']}"
        if self.request.resume:
            what += f", {len(self.request.resume)} pixels stepped"
            if self.request.hand:
                what += f" ({len(self.request.hand)} picked by hand)"
        return RunRecord(
            model_name=self.model["name"],
            model_title=self.model.get("title") or self.model["name"],
            model_path=self.model.get("path") or "",
            prompt="",
            text=f"{what}, {B} sample{'s' if B > 1 else ''}",
            settings={**settings, "seed": start.seed},
            seed=start.seed,
            stop_reason=reason,
            tokens=tokens,
            ttft_ms=ttft_ms,
            tokens_per_s=per_sample,
            kind="image",
            media=media,
            pixels_per_s=pixels_per_s,
        )
