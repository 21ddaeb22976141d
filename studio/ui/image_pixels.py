"""What the image workspace keeps of the run on screen, pixel by pixel, as numpy arrays: the
values drawn, their probabilities and entropies and the distributions they were drawn from; filled
a frame's worth of pixels at a time, or at once from a past run's record. No Qt."""

from __future__ import annotations

import numpy as np

from studio.core.image_frames import PixelBatch
from studio.io.image_export import decode_png
from studio.io.run import RunRecord
from studio.ui.image_canvas import UNDRAWN


def argb_words(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 RGB as opaque ARGB words (..., ) uint32, the canvas's pixel format."""
    rgb = rgb.astype(np.uint32)
    return 0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


class ImagePixels:
    """The per-pixel state of B images of H x W pixels."""

    def __init__(self) -> None:
        self.reset(1, 1, 1)

    def reset(self, B: int, H: int, W: int, V: int = 0) -> None:
        """Empty arrays for a run of B images (with distributions over V values when V > 0)."""
        self.H, self.W = H, W
        self.values = np.zeros((B, H, W), np.int64)
        self.known = np.zeros((B, H, W), bool)  # drawn by the model in this run
        self.probs = np.zeros((B, H, W), np.float32)
        # the model's own probability of each drawn value, before the sampling stages; NaN where
        # a run from an older history has none
        self.model_probs = np.zeros((B, H, W), np.float32)
        self.entropy = np.zeros((B, H, W), np.float32)
        # (B, N, V) float16: 6 MB for 16 digits; filled as the pixels arrive
        self.dists = np.zeros((B, H * W, V), np.float16) if V else None
        self.steps = 0

    @property
    def batch(self) -> int:
        return self.values.shape[0]

    def apply(self, px: PixelBatch) -> None:
        """A frame's pixels (n of them, any samples)."""
        s, r, c = px.sample, px.row, px.col
        self.values[s, r, c] = px.value
        self.known[s, r, c] = True
        self.probs[s, r, c] = px.prob
        self.model_probs[s, r, c] = px.model_prob
        self.entropy[s, r, c] = px.entropy
        if self.dists is not None and px.dist is not None:
            self.dists[s, r * self.W + c] = px.dist
        self.steps = px.steps

    def distribution(self, sample: int, row: int, col: int) -> np.ndarray | None:
        """(V,) float32: the distribution the pixel was drawn from, if it was kept."""
        if self.dists is None:
            return None
        return self.dists[sample, row * self.W + col].astype(np.float32)

    def load(self, record: RunRecord, palette: np.ndarray | None) -> tuple[np.ndarray, object]:
        """A past image run's pictures and per-pixel maps: ((B, H, W) ARGB words for the canvas,
        undrawn pixels of a stopped run marked; (H, W) bool of the kept pixels, or None).
        ValueError when it has no pictures."""
        m = record.media
        images = [decode_png(t) for t in m.get("images") or []]
        if not images:
            raise ValueError("This history entry has no pictures.")
        B = len(images)
        H, W = images[0].shape[:2]
        self.reset(B, H, W)
        kept = decode_png(m["kept"]) > 0 if m.get("kept") else None
        rgb = np.stack([im if im.ndim == 3 else np.repeat(im[..., None], 3, -1) for im in images])
        argb = argb_words(rgb)
        self.known[:] = True
        if kept is not None:
            self.known[:, kept] = False
        self.steps = int(record.tokens)
        # pixels never drawn (a stopped run) are shown as undrawn
        N = H * W
        drawn_pos = np.zeros(N, bool)
        order = np.flatnonzero(~kept.reshape(-1)) if kept is not None else np.arange(N)
        drawn_pos[order[: self.steps]] = True
        undrawn = ~drawn_pos.reshape(H, W)
        if kept is not None:
            undrawn &= ~kept
        argb[:, undrawn] = UNDRAWN
        self.known[:, undrawn] = False
        self.model_probs[:] = np.nan
        maps = (("prob", self.probs), ("model_prob", self.model_probs), ("entropy", self.entropy))
        for name, arr in maps:
            with np.errstate(all="ignore"):
                got = np.asarray(m.get(name) or [], dtype=np.float32)
            if got.shape == (B, N):
                arr[:] = got.reshape(B, H, W)
        if palette is not None:
            # the palette index of each pixel, for the hover heading
            d = ((rgb[..., None, :].astype(int) - palette.astype(int)) ** 2).sum(-1)
            self.values[:] = d.argmin(-1)
        else:
            self.values[:] = rgb[..., 0]
        return argb, kept
