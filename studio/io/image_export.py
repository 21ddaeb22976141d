"""Pictures of image runs: the batch grid, PNG text chunks, the animated GIF (init images to
complete: init_image.py).

Shared by the command line and the window; torch-free (the window's process never loads torch).
Writes are atomic, like every export; whether to overwrite is the caller's question to ask.
"""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path

import numpy as np

from studio.core.atomic import atomic_write_bytes
from studio.io.png_chunks import ImageFileError, png_bytes, read_png_meta

__all__ = [
    "ImageFileError",
    "decode_png",
    "encode_png",
    "generation_frames",
    "gif_bytes",
    "grid",
    "png_meta_for",
    "read_png_meta",
    "restore_from_png",
    "save_gif",
    "save_png",
    "scale_for",
    "upscale",
]

MIN_SAVED_SIDE = 256  # pixels: a saved picture at least this large is easy to look at


def scale_for(height: int, width: int, min_side: int = MIN_SAVED_SIDE) -> int:
    """The least whole scale that makes the longer side of a (height, width) picture at least
    `min_side` pixels (1 when it already is): 28x28 digits x10, a 118x118 grid of 16 x3."""
    return max(1, math.ceil(min_side / max(height, width, 1)))


def upscale(image: np.ndarray, scale: int) -> np.ndarray:
    """(H, W) or (H, W, C) pixels enlarged `scale` times, nearest neighbour: each pixel becomes a
    scale x scale block, so every pixel of the model stays exactly its colour."""
    if scale == 1:
        return image
    return image.repeat(scale, axis=0).repeat(scale, axis=1)


def grid(images: list[np.ndarray], gap: int = 2) -> np.ndarray:
    """Images (H, W) or (H, W, 3) uint8 side by side in a square-ish grid with a grey gap."""
    n = len(images)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    H, W = images[0].shape[:2]
    shape = (rows * H + (rows - 1) * gap, cols * W + (cols - 1) * gap) + images[0].shape[2:]
    out = np.full(shape, 128, dtype=np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (H + gap) : r * (H + gap) + H, c * (W + gap) : c * (W + gap) + W] = im
    return out


def png_meta_for(
    model_name: str, model_title: str, settings: dict, seed: int, extra: dict | None = None
) -> dict[str, str]:
    """The text chunks of a generated PNG: enough to restore the settings and redraw it."""
    from studio import __version__

    s = dict(settings) | {"seed": seed}
    meta = {
        "model": model_name,
        "model_title": model_title,
        "settings": json.dumps(s, sort_keys=True),
        "seed": str(seed),
        "version": __version__,
    }
    meta.update({k: str(v) for k, v in (extra or {}).items()})
    return meta


def save_png(path: str | Path, image: np.ndarray, meta: dict[str, str] | None = None) -> None:
    """Write a PNG with our text chunks; ImageFileError (one line, naming the file) on failure."""
    try:
        atomic_write_bytes(path, png_bytes(image, meta))
    except OSError as e:
        raise ImageFileError(f"{path}: cannot write ({e.strerror or e})") from None


def generation_frames(
    images: list[np.ndarray], kept: np.ndarray | None, blank: np.ndarray, rows_per_frame: int = 1
) -> list[np.ndarray]:
    """Frames of a raster-order generation rebuilt from its final images: frame k shows the rows
    drawn so far, kept pixels from the start, and `blank` (the colour of an undrawn pixel) elsewhere.
    Pixels are drawn in raster order, so this is exactly what the window showed, row by row."""
    H = images[0].shape[0]
    frames = []
    for done in [*range(0, H, max(1, rows_per_frame)), H]:
        ims = []
        for im in images:
            f = np.empty_like(im)
            f[...] = blank
            f[:done] = im[:done]
            if kept is not None:
                f[kept] = im[kept]
            ims.append(f)
        frames.append(grid(ims) if len(ims) > 1 else ims[0])
    return frames


def gif_bytes(frames: list[np.ndarray], scale: int = 4, ms: int = 60, hold_ms: int = 1500) -> bytes:
    """An animated GIF, each frame scaled up `scale` times (nearest neighbour); the last is held."""
    from PIL import Image

    ims = [Image.fromarray(upscale(f, scale)) for f in frames]
    buf = io.BytesIO()
    durations = [ms] * (len(ims) - 1) + [hold_ms]
    ims[0].save(buf, "GIF", save_all=True, append_images=ims[1:], duration=durations, loop=0)
    return buf.getvalue()


def save_gif(path: str | Path, frames: list[np.ndarray], scale: int = 4) -> None:
    data = gif_bytes(frames, scale)
    try:
        atomic_write_bytes(path, data)
    except OSError as e:
        raise ImageFileError(f"{path}: cannot write ({e.strerror or e})") from None


def encode_png(image: np.ndarray) -> str:
    """A small image as base64 PNG text, for the history database and run files."""
    return base64.b64encode(png_bytes(image)).decode("ascii")


def decode_png(text: str) -> np.ndarray:
    """The pixels of `encode_png` text: (H, W) grey or (H, W, 3) RGB uint8."""
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(text))) as im:
        return np.asarray(im.convert("L" if im.mode in ("L", "1") else "RGB")).copy()


def restore_from_png(path: str):
    """(model name, ImageSettings with the seed) from a PNG this studio wrote, to draw it again;
    the settings are checked against the schema here (torch-free), so the window can use them."""
    from studio.core.errors import SettingsError
    from studio.settings import ImageSettings

    meta = read_png_meta(path)
    if "model" not in meta or "settings" not in meta:
        raise SettingsError(f"{path}: no aigc-studio settings in this PNG")
    try:
        raw = json.loads(meta["settings"])
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        settings = ImageSettings.from_dict(raw)
    except (ValueError, TypeError) as e:
        raise SettingsError(f"{path}: the stored settings cannot be used ({e})") from None
    return meta["model"], settings
