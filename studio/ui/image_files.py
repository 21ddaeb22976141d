"""Writing an image run from the window: the picture as PNG with its settings, the drawing as an
animated GIF. ImageFileError (or OSError) on failure, and no partial file."""

from __future__ import annotations

import numpy as np

from studio.io.image_export import (
    decode_png,
    generation_frames,
    grid,
    png_meta_for,
    save_gif,
    save_png,
)
from studio.io.run import RunRecord


def picture(record: RunRecord) -> np.ndarray:
    """A run's images, one or a grid, as exported."""
    images = [decode_png(t) for t in record.media["images"]]
    return images[0] if len(images) == 1 else grid(images)


def export_png(path: str, r: RunRecord) -> None:
    """The picture with its settings in PNG text chunks."""
    m = r.media
    extra = {"label": m.get("label", "any")}
    if m.get("kept"):
        extra["kept_pixels"] = int((decode_png(m["kept"]) > 0).sum())
    B = len(m["images"])
    if B > 1:
        extra["grid"] = f"{B} samples, sample i drawn with seed {r.seed}+i, row by row"
    settings = {k: v for k, v in r.settings.items() if k != "seed"}
    meta = png_meta_for(r.model_name, r.model_title, settings, r.seed, extra)
    save_png(path, picture(r), meta)


def export_gif(path: str, record: RunRecord, palette: np.ndarray | None) -> None:
    """The drawing, row by row, as an animated GIF (`palette`: (K, 3) uint8 of a palette model)."""
    m = record.media
    images = [decode_png(t) for t in m["images"]]
    kept = decode_png(m["kept"]) > 0 if m.get("kept") else None
    # an undrawn pixel looks as the engine renders value 0: black, or the palette's first colour
    blank = palette[0] if images[0].ndim == 3 and palette is not None else 0
    save_gif(path, generation_frames(images, kept, blank))
