"""The one rule for an image to complete: which of its pixels are kept, for the command line's
`--init` (with `--keep-rows`) and the window's Load Image….

    pixels, keep = read_init_image("start.png", 28, 28, grey=True, keep_rows=14)

The rule:
1. The image must be the model's size. It is refused, not resized: resizing would change the very
   pixels the person asked to keep.
2. A transparent pixel (alpha 0) is never kept. It has no colour of its own (most files store black
   there), so keeping it would paint that stored colour in, where the person meant "draw here".
3. `keep_rows` (the command line's --keep-rows), when given, keeps the first `keep_rows` rows, of
   those their opaque pixels.
4. Without it, an image with transparent pixels keeps its opaque ones; an image without any keeps
   its top half, since keeping every pixel would leave nothing to draw.

Why this rule: the command line used to let --keep-rows win over transparency (keeping transparent
pixels as black) and refused an opaque image without --keep-rows; the window let transparency win
and kept an opaque image's top half. The same file then completed differently in the two places.
Transparency is what the file itself says about where to draw, so it is honoured by both, and an
explicit row count narrows it rather than overriding it; the top half for an opaque image is the
window's default, which needs no second flag and which the window, having no row setting, needs.

Torch-free and Qt-free: the window reads images before the engine is loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.core.errors import SettingsError
from studio.io.png_chunks import ImageFileError, read_image


def read_init_image(
    path: str | Path,
    height: int,
    width: int,
    grey: bool,
    keep_rows: int | None = None,
    model: str = "the model",
) -> tuple[np.ndarray, np.ndarray]:
    """(pixels in the model's format, keep mask (height, width) bool) of an image file, by the
    rule above. Pixels are (H, W) uint8 grey levels when `grey` (colour pixels converted by the
    usual luma weights, grey ones kept exactly), else (H, W, 3) uint8 RGB.

    Raises ImageFileError (one line naming the file) for a file that is not a readable image or has
    another size than `model` draws, SettingsError for `keep_rows` outside 0..height."""
    if keep_rows is not None and not 0 <= keep_rows <= height:
        raise SettingsError(f"--keep-rows {keep_rows} must be from 0 to {height}")
    rgb, alpha = read_image(path)
    if rgb.shape[:2] != (height, width):
        raise ImageFileError(
            f"{path}: the image is {rgb.shape[1]}x{rgb.shape[0]} pixels but {model} draws "
            f"{width}x{height}; it is not resized, so give a {width}x{height} image"
        )
    opaque = np.ones((height, width), dtype=bool) if alpha is None else alpha > 0
    rows = np.zeros((height, width), dtype=bool)
    if keep_rows is not None:
        rows[:keep_rows] = True
        keep = opaque & rows
    elif not opaque.all():
        keep = opaque
    else:
        rows[: height // 2] = True
        keep = rows
    if not grey:
        return rgb, keep
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    luma = np.rint(0.299 * r + 0.587 * g + 0.114 * b).astype(np.uint8)
    return np.where((r == g) & (g == b), rgb[..., 0], luma).astype(np.uint8), keep
