"""PNG files that carry how they were made: model, settings, seed and version as PNG text chunks.

    save_png("seven.png", image, {"model": "digits", "seed": "1", ...})
    read_png_meta("seven.png")  # -> the same dict of strings

Keys are stored with the prefix `aigc-studio.` (tEXt chunks, or iTXt when not Latin-1), so other
tools' chunks are left alone and ours are found again. Writes are atomic.

A picture saved enlarged (each model pixel a block of N x N, nearest neighbour, to be easy to look
at) says so in its `scale` chunk; `read_image` gives back the model's own pixels.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

# the torch-free atomic write, so io (and the window, before torch) can read and write PNGs
from studio.core.atomic import atomic_write_bytes
from studio.core.errors import StudioError

PREFIX = "aigc-studio."


class ImageFileError(StudioError):
    """An image file cannot be read or written; the message is one line naming the file."""


def png_bytes(image: np.ndarray, meta: dict[str, str] | None = None) -> bytes:
    """Encode (H, W) grey or (H, W, 3) / (H, W, 4) uint8 pixels as PNG with text chunks."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for k, v in (meta or {}).items():
        text = str(v)
        try:
            text.encode("latin-1")
            info.add_text(PREFIX + k, text)
        except UnicodeEncodeError:
            info.add_itxt(PREFIX + k, text)
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def save_png(path: str | Path, image: np.ndarray, meta: dict[str, str] | None = None) -> None:
    try:
        atomic_write_bytes(path, png_bytes(image, meta))
    except OSError as e:
        raise ImageFileError(f"{path}: cannot write ({e.strerror or e})") from None


def read_png_meta(path: str | Path) -> dict[str, str]:
    """Our text chunks of a PNG file, without the prefix."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            text = dict(getattr(im, "text", {}) or {})
    except (OSError, UnidentifiedImageError) as e:
        raise ImageFileError(f"{path}: cannot read as an image ({e})") from None
    return {k[len(PREFIX) :]: str(v) for k, v in text.items() if k.startswith(PREFIX)}


def read_image(path: str | Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Pixels of an image file as (H, W, 3) uint8 RGB and its alpha (H, W) uint8 (None if opaque
    by format). Raises ImageFileError with one line when the file is not a readable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            has_alpha = im.mode in ("RGBA", "LA", "PA") or (
                im.mode == "P" and "transparency" in im.info
            )
            rgba = np.asarray(im.convert("RGBA"))
            scale = _scale_of(im)
    except FileNotFoundError:
        raise ImageFileError(f"{path}: no such file") from None
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ImageFileError(f"{path}: cannot read as an image ({reason})") from None
    if scale > 1:  # one pixel of each N x N block: the model's pixels, as they were drawn
        rgba = rgba[::scale, ::scale]
    return rgba[..., :3].copy(), (rgba[..., 3].copy() if has_alpha else None)


def _scale_of(im) -> int:
    """The `scale` chunk of an open PNG we wrote enlarged; 1 when absent, malformed, or not a
    whole divisor of the size (then the picture is taken as it is)."""
    raw = (getattr(im, "text", None) or {}).get(PREFIX + "scale", "1")
    try:
        scale = int(raw)
    except (TypeError, ValueError):
        return 1
    w, h = im.size
    return scale if scale > 1 and w % scale == 0 and h % scale == 0 else 1
