"""Image data sets for the image models: MNIST in IDX format, Noto Emoji PNGs in a tarball, and the
k-means colour palette the emoji model draws with.

    images, labels = read_mnist("/data/mnist")              # (N, 28, 28) uint8, (N,) uint8
    rgb, names = read_emoji_tar("noto-emoji-png32.tar.gz", size=16)   # (N, 16, 16, 3) uint8

Both readers raise `CorpusError` with one line naming the file and the problem.
"""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
from pathlib import Path

import numpy as np

from studio.core.errors import CorpusError

MNIST_IMAGES = "t10k-images-idx3-ubyte.gz"
MNIST_LABELS = "t10k-labels-idx1-ubyte.gz"
MNIST_SOURCE = (
    "MNIST database (test set), Y. LeCun, C. Cortes, C. J. C. Burges, "
    "http://yann.lecun.com/exdb/mnist/"
)
MNIST_LICENSE = "CC BY-SA 3.0"
MNIST_TRAIN = 9000  # test set only: the first 9,000 images train; the last 1,000 are held out
# The official training images, whole or their first part (the files are named for their count), and
# the official labels. When present, they train and the whole official test set is held out, as
# published results are reported.
MNIST_TRAIN_IMAGES = ("train-images-idx3-ubyte.gz", "train-images-first25206-idx3-ubyte.gz")
MNIST_TRAIN_LABELS = "train-labels-idx1-ubyte.gz"

EMOJI_TAR = "noto-emoji-png32.tar.gz"
EMOJI_SOURCE = (
    "Noto Emoji, Google LLC (github.com/googlefonts/noto-emoji, png/32 at commit 41e31b11)"
)
EMOJI_LICENSE = "Apache-2.0"
# Skin-tone modifiers U+1F3FB..U+1F3FF: variants of the same drawing, left out as near-duplicates.
SKIN_TONES = ("_1f3fb", "_1f3fc", "_1f3fd", "_1f3fe", "_1f3ff")
BACKGROUND = (255, 255, 255)  # transparent pixels are composited onto white


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (optionally gzipped) as a numpy array of its declared shape (uint8 data only)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise CorpusError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise CorpusError(f"{path}: not an IDX file (bad magic number)")
    dtype_code, ndim = raw[2], raw[3]
    if dtype_code != 0x08:
        raise CorpusError(f"{path}: IDX data type {dtype_code:#x} is not unsigned bytes")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise CorpusError(f"{path}: truncated IDX header")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    n = int(np.prod(dims))
    if len(raw) - header != n:
        raise CorpusError(f"{path}: IDX data has {len(raw) - header} bytes, expected {n}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def read_mnist(folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test images (N, 28, 28) uint8 and their labels (N,) uint8."""
    folder = Path(folder)
    images = read_idx(folder / MNIST_IMAGES)
    labels = read_idx(folder / MNIST_LABELS)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise CorpusError(f"{folder}: images {images.shape} and labels {labels.shape} do not match")
    if images.shape[1:] != (28, 28):
        h, w = images.shape[1:]
        raise CorpusError(f"{folder}: the images are {h}x{w} pixels; digits are 28x28")
    return images, labels


def read_mnist_train(folder: str | Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The official training images (N, 28, 28) uint8 and their labels (N,), or None when the folder
    has no training images. A file of the first N images takes the first N of the 60,000 labels."""
    folder = Path(folder)
    found = [folder / name for name in MNIST_TRAIN_IMAGES if (folder / name).exists()]
    if not found:
        return None
    images = read_idx(found[0])
    labels = read_idx(folder / MNIST_TRAIN_LABELS)
    if images.ndim != 3 or labels.ndim != 1 or len(images) > len(labels):
        raise CorpusError(
            f"{found[0]}: images {images.shape} and labels {labels.shape} do not match"
        )
    return images, labels[: len(images)]


def mnist_split(folder: str | Path) -> dict[str, np.ndarray]:
    """train_x, train_y, test_x, test_y: the split every tool uses. With the official training images
    in the folder: those train and the official 10,000 test images are held out. With the test set
    alone: its first 9,000 images train and the last 1,000 are held out."""
    x, y = read_mnist(folder)
    official = read_mnist_train(folder)
    if official is not None:
        return {"train_x": official[0], "train_y": official[1], "test_x": x, "test_y": y}
    if len(x) <= MNIST_TRAIN:
        raise CorpusError(f"{folder}: {len(x)} images, need more than {MNIST_TRAIN}")
    return {
        "train_x": x[:MNIST_TRAIN],
        "train_y": y[:MNIST_TRAIN],
        "test_x": x[MNIST_TRAIN:],
        "test_y": y[MNIST_TRAIN:],
    }


def mnist_split_card(folder: str | Path) -> dict[str, object]:
    """What a model card says of the split `mnist_split` makes of this folder: files and split."""
    folder = Path(folder)
    found = [name for name in MNIST_TRAIN_IMAGES if (folder / name).exists()]
    if found:
        return {
            "files": [found[0], MNIST_TRAIN_LABELS, MNIST_IMAGES, MNIST_LABELS],
            "split": "official training images train; the official 10,000 test images held out",
        }
    return {
        "files": [MNIST_IMAGES, MNIST_LABELS],
        "split": "first 9,000 test-set images train, last 1,000 held out",
    }


def downsample_rgba(png: bytes, size: int) -> np.ndarray:
    """A PNG's pixels, box-filtered to (size, size) with premultiplied alpha (so transparent pixels'
    hidden colours do not bleed into edges), composited onto white: (size, size, 3) uint8."""
    from PIL import Image

    im: Image.Image = Image.open(io.BytesIO(png))
    im.load()
    im = im.convert("RGBA")
    if im.size != (size, size):
        im = im.convert("RGBa").resize((size, size), Image.Resampling.BOX).convert("RGBA")
    a = np.asarray(im, dtype=np.float32) / 255.0  # (size, size, 4)
    alpha = a[..., 3:4]
    rgb = a[..., :3] * alpha + np.asarray(BACKGROUND, np.float32) / 255.0 * (1.0 - alpha)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def read_emoji_tar(
    path: str | Path, size: int = 16, skip_skin_tones: bool = True
) -> tuple[np.ndarray, list[str]]:
    """Every `png/32/emoji_u*.png` in the tarball (or every PNG in a folder of them), sorted by
    name: (N, size, size, 3) uint8, names."""
    path = Path(path)
    images, names = [], []
    if path.is_dir():
        return _read_emoji_folder(path, size, skip_skin_tones)
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = sorted(
                (m for m in tar.getmembers() if m.isfile() and m.name.endswith(".png")),
                key=lambda m: m.name,
            )
            for m in members:
                name = Path(m.name).stem
                if skip_skin_tones and any(t in name for t in SKIN_TONES):
                    continue
                f = tar.extractfile(m)
                if f is None:
                    continue
                images.append(downsample_rgba(f.read(), size))
                names.append(name)
    except (OSError, tarfile.TarError, EOFError) as e:
        raise CorpusError(f"{path}: cannot read the emoji tarball ({e})") from None
    if not images:
        raise CorpusError(f"{path}: no PNG images in the tarball")
    return np.stack(images), names


def _read_emoji_folder(
    folder: Path, size: int, skip_skin_tones: bool
) -> tuple[np.ndarray, list[str]]:
    """The PNGs of a folder (and its subfolders), as read_emoji_tar reads a tarball's."""
    images, names = [], []
    for p in sorted(folder.rglob("*.png")):
        if skip_skin_tones and any(t in p.stem for t in SKIN_TONES):
            continue
        try:
            images.append(downsample_rgba(p.read_bytes(), size))
        except (OSError, ValueError) as e:
            raise CorpusError(f"{p}: not a readable PNG ({e})") from None
        names.append(p.stem)
    if not images:
        raise CorpusError(f"{folder}: no PNG images in the folder")
    return np.stack(images), names


def emoji_split(
    path: str | Path, size: int = 16, held_out: float = 0.1, seed: int = 0
) -> dict[str, np.ndarray]:
    """A fixed random split of the emoji (seeded permutation): train_x, test_x (N, size, size, 3)."""
    rgb, names = read_emoji_tar(path, size)
    order = np.random.default_rng(seed).permutation(len(rgb))
    n_test = max(1, int(round(len(rgb) * held_out)))
    test, train = order[:n_test], order[n_test:]
    return {
        "train_x": rgb[np.sort(train)],
        "test_x": rgb[np.sort(test)],
        "train_names": np.array([names[i] for i in np.sort(train)]),
        "test_names": np.array([names[i] for i in np.sort(test)]),
    }


def kmeans_palette(
    pixels: np.ndarray, k: int = 64, iters: int = 25, seed: int = 0, max_points: int = 200_000
) -> np.ndarray:
    """k colours for pixels (N, 3) uint8: colour 0 is the white background, fixed; the other k-1 are
    k-means centroids (k-means++ start, Lloyd steps) of the non-background pixels. -> (k, 3) uint8."""
    rng = np.random.default_rng(seed)
    x = pixels.reshape(-1, 3).astype(np.float32)
    x = x[np.any(pixels.reshape(-1, 3) != BACKGROUND, axis=1)]
    if len(x) > max_points:
        x = x[rng.choice(len(x), max_points, replace=False)]
    m = k - 1
    if len(x) < m:
        raise CorpusError(f"only {len(x)} coloured pixels, too few for a palette of {k}")
    # k-means++ seeding
    centres = [x[rng.integers(len(x))]]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for _ in range(m - 1):
        centres.append(x[rng.choice(len(x), p=d2 / d2.sum())] if d2.sum() > 0 else x[0])
        d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(1))
    c = np.stack(centres)  # (m, 3)
    for _ in range(iters):
        assign = _nearest(x, c)
        for j in range(m):
            sel = x[assign == j]
            if len(sel):
                c[j] = sel.mean(0)
    palette = np.concatenate([np.asarray([BACKGROUND], np.float32), c])
    return np.clip(np.rint(palette), 0, 255).astype(np.uint8)


def _nearest(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Index of the nearest row of c (K, 3) for each row of x (N, 3), in chunks to bound memory."""
    out = np.empty(len(x), dtype=np.int64)
    cc = (c.astype(np.float32) ** 2).sum(1)
    for i in range(0, len(x), 65536):
        xs = x[i : i + 65536].astype(np.float32)
        d = cc[None, :] - 2.0 * xs @ c.astype(np.float32).T  # (n, K), |x|^2 dropped
        out[i : i + 65536] = d.argmin(1)
    return out


def quantize(rgb: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Nearest palette index of every pixel: (..., 3) uint8 -> (...) int64."""
    flat = rgb.reshape(-1, 3)
    return _nearest(flat, palette).reshape(rgb.shape[:-1])


def dequantize(indices: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Palette colours of indices (...) -> (..., 3) uint8."""
    return palette[np.asarray(indices, dtype=np.int64)]
