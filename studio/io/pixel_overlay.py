"""The picture of what one pixel looked at: its attention (or gradient saliency) laid over the
earlier pixels as a shade, the pixel itself and the later ones under a grey veil (not yet
drawn when it was), the pixel outlined. One home for the colours, used by the window's canvas
(`overlay_words`) and by `aigc-studio inspect --pixel --out` (`overlay_picture`). No Qt, no torch.
"""

from __future__ import annotations

import numpy as np

# magenta, a colour the emoji and digits hardly use; its opacity in proportion to the weight
# against the largest, as the text attention's shading (a square root would tint the whole
# background, where an average over heads spreads thin weights)
SHADE = (220, 0, 180)
MOST_ALPHA = 235  # the largest weight's opacity
VEIL = (40, 44, 52, 120)  # RGBA over the pixel and the later ones
OUTLINE = (30, 136, 229)  # the chosen pixel's frame


def _argb(r, g, b, a) -> np.ndarray:
    words = [np.asarray(v, dtype=np.uint32) for v in (a, r, g, b)]
    return (words[0] << 24) | (words[1] << 16) | (words[2] << 8) | words[3]


def overlay_words(scaled: np.ndarray, row: int, col: int) -> np.ndarray:
    """ARGB words (H, W) uint32 to lay over the picture: `scaled` (H, W) in [0, 1] (the map over
    its largest value) as the shade on the pixels before (row, col) in raster order, with opacity
    MOST_ALPHA * scaled; the veil on the pixel and after it."""
    H, W = scaled.shape
    alpha = np.rint(np.clip(scaled, 0.0, 1.0) * MOST_ALPHA).astype(np.uint32)
    words = _argb(*SHADE, alpha)
    later = np.arange(H * W).reshape(H, W) >= row * W + col
    words[later] = _argb(*VEIL)
    return words.astype(np.uint32)


def blend(rgb: np.ndarray, words: np.ndarray) -> np.ndarray:
    """ARGB words (H, W) composited over an RGB picture (H, W, 3) uint8 -> (H, W, 3) uint8."""
    a = ((words >> 24) & 0xFF).astype(np.float32)[..., None] / 255.0
    top = np.stack([(words >> s) & 0xFF for s in (16, 8, 0)], axis=-1).astype(np.float32)
    out = rgb.astype(np.float32) * (1 - a) + top * a
    return np.rint(out).clip(0, 255).astype(np.uint8)


def overlay_picture(
    picture: np.ndarray, scaled: np.ndarray, row: int, col: int, scale: int
) -> np.ndarray:
    """The picture ((H, W) grey or (H, W, 3) RGB uint8) with the overlay, enlarged `scale` times
    (nearest neighbour), the pixel (row, col) framed: (H*scale, W*scale, 3) uint8."""
    rgb = picture if picture.ndim == 3 else np.repeat(picture[..., None], 3, axis=-1)
    out = blend(rgb, overlay_words(scaled, row, col))
    out = out.repeat(scale, axis=0).repeat(scale, axis=1)
    t = max(1, scale // 6)  # the frame's thickness
    y0, x0 = row * scale, col * scale
    y1, x1 = y0 + scale, x0 + scale
    for ys, xs in (
        (slice(y0, y0 + t), slice(x0, x1)),
        (slice(y1 - t, y1), slice(x0, x1)),
        (slice(y0, y1), slice(x0, x0 + t)),
        (slice(y0, y1), slice(x1 - t, x1)),
    ):
        out[ys, xs] = OUTLINE
    return out
