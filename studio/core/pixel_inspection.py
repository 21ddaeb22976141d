"""Inside one pixel of a drawn picture, as plain data: which earlier pixels the model looked at
when it gave that pixel its distribution. Computed by the engine (engine/image/inspect_pixel.py),
shown over the canvas by the window and printed or drawn by `aigc-studio inspect --pixel`.

Two kinds, one per image network:
- "attention" (the image GPT): the attention weights of the query that predicts pixel p = r*W + c.
  The model reads [start, p0, .., p_{N-2}], so that query sits at input position p, where it reads
  the start token and pixels 0..p-1; `weights[l, h, j]` is what head h of layer l paid pixel j
  (zero for j >= p: the pixel itself and later ones are not yet drawn when it is predicted), and
  `start[l, h]` what it paid the start token. Each row sums to 1 with its start weight.
- "saliency" (the PixelCNN): |d log p(x_rc = drawn value | earlier pixels, label) / d x_j| for
  every pixel j, the input read as grey levels 0..255: how much a change of one level at pixel j
  would move the log-probability of what was drawn at (r, c). Exactly zero at (r, c) and after it
  in raster order (the network is causal). One "layer" and "head": weights (1, 1, H*W).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ATTENTION_KIND = "attention"
SALIENCY_KIND = "saliency"


@dataclass(frozen=True, eq=False)
class PixelInspection:
    """Pixel (row, col) of a picture of height x width, the value drawn there, and what it
    looked at (see the module's docstring for the two kinds)."""

    row: int
    col: int
    height: int
    width: int
    value: int  # the pixel's token: a palette index (image GPT) or a grey level (PixelCNN)
    kind: str  # ATTENTION_KIND | SALIENCY_KIND
    weights: np.ndarray  # (layers, heads, height*width) float32, zero at and after the pixel
    start: np.ndarray  # (layers, heads) float32: attention to the start token (zeros: saliency)
    log_prob: float  # log P(value) at the pixel under the model (nats), before sampling stages
    label: int | None = None  # the label index the PixelCNN was conditioned on

    @property
    def position(self) -> int:
        """The pixel's place in raster order: row * width + col."""
        return self.row * self.width + self.col

    @property
    def layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def heads(self) -> int:
        return int(self.weights.shape[1])

    def map(self, layer: int | None = None, head: int | None = None) -> np.ndarray:
        """(height, width) float32: one layer's head (from 0), averaged over heads (head None),
        over layers too (layer None); the saliency itself for a PixelCNN."""
        w = self.weights if layer is None else self.weights[layer : layer + 1]
        w = w if head is None else w[:, head : head + 1]
        return w.mean(axis=(0, 1)).reshape(self.height, self.width).astype(np.float32)

    def start_weight(self, layer: int | None = None, head: int | None = None) -> float:
        """The start token's share in the same selection as `map` (0 for a saliency)."""
        s = self.start if layer is None else self.start[layer : layer + 1]
        s = s if head is None else s[:, head : head + 1]
        return float(s.mean())

    def scaled(self, layer: int | None = None, head: int | None = None) -> np.ndarray:
        """`map` divided by its largest value, for display: in [0, 1], all zeros when nothing
        before the pixel counts (the first pixel)."""
        m = self.map(layer, head)
        top = float(m.max())
        return m / top if top > 0 else np.zeros_like(m)

    def to_dict(self) -> dict:
        """Plain JSON-ready values (the command line's --json)."""
        out = {
            "row": self.row,
            "col": self.col,
            "height": self.height,
            "width": self.width,
            "value": self.value,
            "kind": self.kind,
            "log_prob": self.log_prob,
            "label": self.label,
            "map": self.map().tolist(),
        }
        if self.kind == ATTENTION_KIND:
            out["attention"] = self.weights.tolist()  # (layers, heads, height*width)
            out["start"] = self.start.tolist()  # (layers, heads)
        return out
