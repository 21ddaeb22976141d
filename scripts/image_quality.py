"""Quality checks and README pictures for the image models.

    python scripts/image_quality.py emoji --model emoji --data noto-emoji-png32.tar.gz [--samples 200]
    python scripts/image_quality.py docs --digits digits --emoji emoji --mnist DIR --emoji-data TAR

`emoji` draws samples at temperature 1 and measures, for each, the distance to its nearest training
image (root-mean-square over RGB, 0-255, both in palette colours). The yardstick is the typical
(median) distance from a training image to its nearest other training image: the share of samples
closer than that says how often the model draws something as near to the data as the data is to
itself; the share at distance 0 counts exact copies. Held-out images are measured the same way for
reference. `docs` writes the sample grids and completions shown in README.md under docs/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.engine.formats.model_finder import load_model  # noqa: E402
from studio.engine.image import datasets as image_data  # noqa: E402
from studio.engine.image.generation import generate_image  # noqa: E402
from studio.io.png_chunks import save_png  # noqa: E402
from studio.settings import ImageSettings, SamplingSettings  # noqa: E402


def _draw(
    loaded,
    n: int,
    seed: int,
    temperature: float = 1.0,
    label=None,
    init=None,
    mask=None,
    guidance: float = 1.0,
):
    s = ImageSettings(
        sampling=SamplingSettings(temperature=temperature),
        seed=seed,
        num_samples=n,
        label=label,
        guidance=guidance,
    )
    return [e.image for e in generate_image(loaded, s, init=init, mask=mask) if e.event == "done"]


def nearest_distances(a: np.ndarray, b: np.ndarray, exclude_self: bool = False) -> np.ndarray:
    """For each image of a (N, ...) the RMS distance (0-255) to its nearest image in b (M, ...)."""
    fa = a.reshape(len(a), -1).astype(np.float64)
    fb = b.reshape(len(b), -1).astype(np.float64)
    d2 = (fa**2).sum(1)[:, None] + (fb**2).sum(1)[None, :] - 2 * fa @ fb.T  # (N, M)
    d2 = np.maximum(d2, 0) / fa.shape[1]
    if exclude_self:
        np.fill_diagonal(d2, np.inf)
    return np.sqrt(d2.min(1))


def cmd_emoji(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    loaded = load_model(args.model, device="cpu")
    size, palette = loaded.extras["height"], loaded.extras["palette"]
    split = image_data.emoji_split(args.data, size=size)
    train = image_data.dequantize(image_data.quantize(split["train_x"], palette), palette)
    test = image_data.dequantize(image_data.quantize(split["test_x"], palette), palette)
    samples = []
    while len(samples) < args.samples:
        samples += _draw(loaded, min(50, args.samples - len(samples)), args.seed + len(samples))
    samples = np.stack(samples)
    typical = float(np.median(nearest_distances(train, train, exclude_self=True)))
    d_samples = nearest_distances(samples, train)
    d_test = nearest_distances(test, train)
    result = {
        "model": loaded.name,
        "samples": len(samples),
        "temperature": 1.0,
        "seed": args.seed,
        "train_to_train_median_nn_rms": round(typical, 2),
        "samples_closer_than_typical": round(float((d_samples < typical).mean()), 3),
        "samples_exact_copies": round(float((d_samples == 0).mean()), 3),
        "samples_median_nn_rms": round(float(np.median(d_samples)), 2),
        "heldout_closer_than_typical": round(float((d_test < typical).mean()), 3),
        "heldout_median_nn_rms": round(float(np.median(d_test)), 2),
    }
    print(json.dumps(result, indent=2))
    if args.grid:
        grid = _grid(list(samples[:64]), cols=8)
        save_png(args.grid, _scale(grid, 4), {"model": loaded.name, "what": "64 samples, T=1"})
    return 0


def _scale(img: np.ndarray, k: int) -> np.ndarray:
    return np.kron(img, np.ones((k, k) + (1,) * (img.ndim - 2), np.uint8))


def _grid(images: list, cols: int, gap: int = 1, fill: int = 200) -> np.ndarray:
    rows = (len(images) + cols - 1) // cols
    H, W = images[0].shape[:2]
    shape = (rows * (H + gap) - gap, cols * (W + gap) - gap) + images[0].shape[2:]
    out = np.full(shape, fill, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (H + gap) : r * (H + gap) + H, c * (W + gap) : c * (W + gap) + W] = im
    return out


def cmd_docs(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    digits = load_model(args.digits, device="cpu")
    # one row per label 0-9 and a last row of "any digit", temperature 1
    rows = [_grid(_draw(digits, 10, 100 + d, label=d), cols=10) for d in range(10)]
    rows.append(_grid(_draw(digits, 10, 99, label=None), cols=10))
    grid = _grid(rows, cols=1, gap=3, fill=90)
    save_png(
        out / "digits-samples.png", _scale(grid, 2), {"model": digits.name, "seed": "100+label"}
    )
    # the same seeds with classifier-free guidance 3
    rows = [_grid(_draw(digits, 10, 100 + d, label=d, guidance=3.0), cols=10) for d in range(10)]
    save_png(
        out / "digits-guided.png",
        _scale(_grid(rows, cols=1, gap=3, fill=90), 2),
        {"model": digits.name, "seed": "100+label", "guidance": "3"},
    )
    # completion: the top 14 rows of held-out digits kept, the rest drawn 6 times
    test = image_data.mnist_split(args.mnist)["test_x"]
    mask = np.zeros((28, 28), bool)
    mask[:14] = True
    lines = []
    for k, idx in enumerate((3, 21, 77, 150)):
        init = test[idx]
        shown = init.copy()
        shown[14:] = 40  # what the model is given
        done = _draw(digits, 6, 500 + k, init=init, mask=mask)
        lines.append(_grid([init, shown] + done, cols=8))
    save_png(
        out / "digits-completion.png",
        _scale(_grid(lines, cols=1, gap=3, fill=90), 2),
        {"what": "held-out digit, its top half, six completions (keep-rows 14, T=1)"},
    )
    emoji = load_model(args.emoji, device="cpu")
    samples = _draw(emoji, 48, 7)
    save_png(out / "emoji-samples.png", _scale(_grid(samples, cols=12), 4), {"model": emoji.name})
    split = image_data.emoji_split(args.emoji_data, size=emoji.extras["height"])
    lines = []
    half = np.zeros((16, 16), bool)
    half[:8] = True
    for k, idx in enumerate((0, 40, 90, 130)):
        init = split["test_x"][idx]
        shown = init.copy()
        shown[8:] = 200
        lines.append(_grid([init, shown] + _draw(emoji, 6, 700 + k, init=init, mask=half), cols=8))
    save_png(
        out / "emoji-completion.png",
        _scale(_grid(lines, cols=1, gap=2, fill=120), 4),
        {"what": "held-out emoji, its top half, six completions (keep-rows 8, T=1)"},
    )
    print(
        f"wrote digits-samples.png, digits-guided.png, digits-completion.png, emoji-samples.png, emoji-completion.png in {out}"
    )
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("emoji")
    e.add_argument("--model", default="emoji")
    e.add_argument("--data", required=True, help="noto-emoji-png32.tar.gz")
    e.add_argument("--samples", type=int, default=200)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--grid", help="write 64 samples here")
    e.add_argument("--threads", type=int, default=1)
    d = sub.add_parser("docs")
    d.add_argument("--digits", default="digits")
    d.add_argument("--emoji", default="emoji")
    d.add_argument("--mnist", required=True)
    d.add_argument("--emoji-data", required=True)
    d.add_argument("--threads", type=int, default=1)
    d.add_argument("--out", default=str(ROOT / "docs"), help="folder for the pictures")
    args = p.parse_args()
    return cmd_emoji(args) if args.cmd == "emoji" else cmd_docs(args)


if __name__ == "__main__":
    sys.exit(main())
