"""Training the image models, as a generator of progress events (the same `TrainEvent` as text).

    for event in train_image(ImageTrainConfig(kind="digits", data="/data/mnist", out="d.safetensors")):
        print(event)

- digits: a class-conditional Gated PixelCNN on MNIST (the first 9,000 test-set images; the last 1,000
  are held out). One label in ten is replaced by "any digit" so the same model also draws without one.
- emoji: a GPT over a 64-colour k-means palette of Noto Emoji downsampled to 16 x 16 (a tenth held
  out; skin-tone variants left out as near-duplicates); images are mirrored at random.

`ImageTask` is what images bring to the one training loop (trainer.py), which checkpoints
atomically to `<out>.ckpt` (weights, optimizer, step, RNG state, elapsed time, here the palette) so a
run resumes where it stopped. The learning rate warms up, then follows a cosine over progress,
the larger of step/max_steps and elapsed/time budget, so a timed run anneals before its time is up.
Losses are reported in bits per dimension (per grey level, or per palette index for emoji).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from studio.core.errors import CorpusError
from studio.engine.image import datasets as image_data
from studio.engine.image.evaluation import evaluate_bits_per_dim
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.networks.image_gpt import make_image_gpt, sequence_nll
from studio.engine.networks.pixelcnn import PixelCNN, PixelCNNConfig
from studio.engine.train.init_from import start_from
from studio.engine.train.loop import TrainEvent
from studio.engine.train.trainer import FinishedRun, Inputs, Watch, run_training

LN2 = math.log(2)
EVAL_DIGITS = 200  # held-out digits the eval events score (all of them in the card)

# Sizes chosen to train in under an hour on one CPU thread (see README's Images section).
DEFAULTS: dict[str, dict] = {
    "digits": dict(
        channels=32,
        n_layers=8,
        kernel=5,
        n_mix=10,
        head_channels=64,
        position_bias=1,
        batch_size=16,
        lr=1.5e-3,
    ),
    "emoji": dict(
        n_layer=4, n_head=4, n_embd=128, dropout=0.1, batch_size=16, lr=1.5e-3, size=16, palette=64
    ),
}


@dataclass
class ImageTrainConfig:
    kind: str  # "digits" | "emoji"
    data: str  # MNIST folder, or the emoji tarball
    out: str  # model file to write (.safetensors)
    name: str | None = None
    title: str | None = None
    minutes: float | None = None  # time budget; the schedule anneals to it
    max_steps: int = 100_000
    seed: int = 1337
    resume: bool = False
    init_from: str | None = None  # a model file of the same kind whose weights start the run
    eval_interval: int = 200
    checkpoint_interval: int = 200
    warmup_steps: int = 100
    min_lr_ratio: float = 0.05
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    label_drop: float = 0.1  # digits: share of labels replaced by "any digit" in training
    half: bool = False
    threads: int | None = None
    device: str = "auto"  # auto: a GPU if there is one (the sizes above are for one CPU thread)
    overrides: dict = field(default_factory=dict)
    command: str = ""

    def hyper(self) -> dict:
        if self.kind not in DEFAULTS:
            raise ValueError(f"unknown image model kind {self.kind!r}; choose digits or emoji")
        h = dict(DEFAULTS[self.kind])
        unknown = set(self.overrides) - set(h)
        if unknown:
            raise ValueError(
                f"unknown setting(s) for {self.kind}: {', '.join(sorted(unknown))} "
                f"(known: {', '.join(h)})"
            )
        h.update(self.overrides)
        return h


class ImageTask:
    """What differs between the two kinds: data, model, loss, card. The `TrainingTask` of images
    (see trainer.py); losses are reported in bits per dimension."""

    per_nat = 1 / LN2

    def __init__(self, cfg: ImageTrainConfig, h: dict, state: dict | None):
        if state is not None:
            if state.get("kind") != cfg.kind:
                raise CorpusError(
                    f"{cfg.out}.ckpt: a {state.get('kind')} checkpoint, not {cfg.kind}"
                )
            h = dict(state["hyper"])
        self.cfg, self.h = cfg, h
        if cfg.kind == "digits":
            split = image_data.mnist_split(cfg.data)
            self.train_x = torch.from_numpy(split["train_x"].astype(np.int64))  # (N, 28, 28)
            self.train_y = torch.from_numpy(split["train_y"].astype(np.int64))
            self.test_x = torch.from_numpy(split["test_x"].astype(np.int64))  # (M, 28, 28)
            self.test_y = torch.from_numpy(split["test_y"].astype(np.int64))
            self.arch: PixelCNNConfig | GPTConfig = PixelCNNConfig(
                height=28,
                width=28,
                channels=h["channels"],
                n_layers=h["n_layers"],
                kernel=h["kernel"],
                n_classes=10,
                n_mix=h["n_mix"],
                head_channels=h["head_channels"],
                # checkpoints made before position biases existed have no such key
                position_bias=bool(h.get("position_bias", 0)),
            )
            # channels-last convolutions are ~7% faster on CPU; the saved tensors are the same.
            # Module.to documents memory_format, which torch's type stubs leave out.
            pixelcnn = PixelCNN(self.arch)
            pixelcnn.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
            self.model: PixelCNN | GPT = pixelcnn
            self.palette: np.ndarray | None = None
        else:
            size = h["size"]
            split = image_data.emoji_split(cfg.data, size=size)
            if state is not None:
                self.palette = np.asarray(state["palette"], dtype=np.uint8)
            else:
                self.palette = image_data.kmeans_palette(split["train_x"], h["palette"], seed=0)
            tr = image_data.quantize(split["train_x"], self.palette)  # (N, size, size)
            te = image_data.quantize(split["test_x"], self.palette)
            self.train_x = torch.from_numpy(tr.reshape(len(tr), -1))  # (N, size*size)
            self.test_x = torch.from_numpy(te.reshape(len(te), -1))
            self.train_rgb, self.test_rgb = split["train_x"], split["test_x"]
            self.size = size
            self.model = make_image_gpt(size, size, len(self.palette), **self._gpt_args())
            self.arch = self.model.config
        self.lr = h["lr"]
        self.units_per_step = h["batch_size"] * self.train_x[0].numel()

    def _gpt_args(self) -> dict:
        return {k: self.h[k] for k in ("n_layer", "n_head", "n_embd", "dropout")}

    def describe(self) -> str:
        n_params = sum(p.numel() for p in self.model.parameters())
        return f"{self.cfg.kind}: {n_params / 1e6:.2f}M parameters, {len(self.train_x)} training images"

    def batch(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        n = self.h["batch_size"]
        ix = torch.randint(len(self.train_x), (n,), generator=gen)
        x = self.train_x[ix]
        if isinstance(self.model, PixelCNN):  # digits
            y = self.train_y[ix].clone()
            drop = torch.rand(n, generator=gen) < self.cfg.label_drop
            y[drop] = self.model.any_label
            return x, y
        flip = torch.rand(n, generator=gen) < 0.5  # mirrored emoji are still emoji
        img = x.view(n, self.size, self.size)
        img = torch.where(flip[:, None, None], img.flip(-1), img)
        return img.reshape(n, -1), None

    def loss(self, inputs: Inputs) -> torch.Tensor:
        """Mean nats per dimension of a batch: images and labels (digits) or None (emoji)."""
        x, y = inputs
        if x is None:
            raise ValueError("a batch without images")
        if isinstance(self.model, PixelCNN):  # digits
            if y is None:
                raise ValueError("digits are trained with their labels")
            return self.model.nll(x, y).mean()
        return sequence_nll(self.model, x).mean()

    def evaluate(self) -> float:
        """The eval events' held-out bits per dimension: the first 200 digits, or every emoji."""
        return self.score(EVAL_DIGITS if self.cfg.kind == "digits" else None)

    def score(self, limit: int | None = None, any_label: bool = False) -> float:
        """Held-out bits per dimension (the first `limit` held-out images, or all of them)."""
        return evaluate_bits_per_dim(
            self.model,
            self.cfg.kind,
            self.test_x[:limit],
            None if self.cfg.kind != "digits" else self.test_y[:limit],
            any_label=any_label,
        )

    def start_from(self) -> dict | None:
        return start_from(self.model, self.cfg.init_from) if self.cfg.init_from else None

    def colours(self) -> np.ndarray:
        """The emoji's palette (K, 3) uint8; digits have none."""
        if self.palette is None:
            raise ValueError("digits are grey levels, without a palette")
        return self.palette

    def checkpoint_extra(self) -> dict:
        palette = None if self.palette is None else self.palette.tolist()
        return {"kind": self.cfg.kind, "hyper": self.h, "palette": palette}

    def card(self, run: FinishedRun) -> dict:
        return build_card(self.cfg, self.h, self, run)

    def snapshot_card(self, run: FinishedRun) -> dict:
        return build_card(self.cfg, self.h, self, run, metrics={})

    def sample(self, stop: threading.Event) -> np.ndarray | None:
        """Eight images the current weights draw (seed 0, any digit): a (2h+3, 4w+5, 3) uint8
        grid with a one-pixel grey border; None when `stop` was set meanwhile."""
        from studio.core.events import DoneEvent
        from studio.engine.formats.studio_file import LoadedModel
        from studio.engine.image.generation import generate_image
        from studio.settings.frozen import ImageSettings

        if isinstance(self.model, PixelCNN):
            kind, size = "image-pixelcnn", 28
            extras = {"labels": [str(i) for i in range(10)], "any_label": 10, "palette": None}
        else:
            kind, size = "image-gpt", self.size
            extras = {"labels": None, "any_label": None, "palette": self.colours()}
        extras |= {"height": size, "width": size}
        loaded = LoadedModel(self.cfg.kind, "", kind, {}, self.model, extras=extras)
        images = [
            e.image
            for e in generate_image(loaded, ImageSettings(seed=0, num_samples=8), cancel=stop)
            if isinstance(e, DoneEvent)
        ]
        if stop.is_set():
            return None
        grid = np.full((2 * size + 3, 4 * size + 5, 3), 128, dtype=np.uint8)
        for i, img in enumerate(images):
            r, c = divmod(i, 4)
            rgb = img if img.ndim == 3 else np.repeat(img[..., None], 3, axis=-1)
            y, x = 1 + r * (size + 1), 1 + c * (size + 1)
            grid[y : y + size, x : x + size] = rgb
        return grid

    def remeasure(self, out: Path, card: dict) -> dict:
        from studio.engine.formats.studio_image_model import load_image_model

        loaded = load_image_model(out, card)
        self.model = loaded.network(PixelCNN) if self.cfg.kind == "digits" else loaded.network(GPT)
        card["metrics"] = _metrics(self.cfg, self) | {"weights": "float16"}
        return card

    def final_score(self, card: dict) -> float:
        return card["metrics"]["heldout_bits_per_dim"]


def train_image(cfg: ImageTrainConfig, watch: Watch | None = None) -> Iterator[TrainEvent]:
    h = cfg.hyper()
    yield from run_training(cfg, lambda state: ImageTask(cfg, h, state), watch)


def _metrics(cfg: ImageTrainConfig, task: ImageTask) -> dict:
    m: dict[str, float | str] = {
        "heldout_bits_per_dim": round(task.score(), 4),
        "heldout_images": len(task.test_x),
    }
    if cfg.kind == "digits":
        m["heldout_bits_per_dim_any_digit"] = round(task.score(any_label=True), 4)
        m["train_bits_per_dim_first_1000"] = round(
            evaluate_bits_per_dim(task.model, "digits", task.train_x[:1000], task.train_y[:1000]),
            4,
        )
        m["note"] = "bits/dim = mean -log2 P(grey level) over 28x28 pixels, given the true label"
    else:
        m["train_bits_per_dim"] = round(
            evaluate_bits_per_dim(task.model, "emoji", task.train_x[:500]), 4
        )
        palette = task.colours()
        rgb = image_data.dequantize(image_data.quantize(task.test_rgb, palette), palette)
        err = rgb.astype(np.float64) - task.test_rgb
        m["palette_rmse_heldout"] = round(float(np.sqrt((err**2).mean())), 2)
        m["note"] = "bits/dim = mean -log2 P(palette index) per pixel over 16x16 pixels"
    return m


def build_card(
    cfg: ImageTrainConfig, h: dict, task: ImageTask, run: FinishedRun, metrics: dict | None = None
) -> dict:
    """The model's card; `metrics` None measures them on the held-out images (a snapshot's card
    passes {} and is written in a moment)."""
    name = cfg.name or Path(cfg.out).stem
    if metrics is None:
        metrics = _metrics(cfg, task)
    training = {
        "command": run.commands[0],
        "steps": run.steps,
        "minutes": run.minutes,
        "seed": run.seed,
        "hyper": h,
        "images_seen": run.steps * h["batch_size"],
        "threads": torch.get_num_threads(),
        "device": run.device,
    }
    if run.init_from is not None:
        training["init_from"] = run.init_from
    if len(run.commands) > 1:
        training["resumed_with"] = run.commands[1:]
    if cfg.kind == "digits":
        return {
            "name": name,
            "title": cfg.title or "Digits (Gated PixelCNN, MNIST)",
            "kind": "image-pixelcnn",
            "version": "1",
            "architecture": task.arch.to_dict(),
            "image": {
                "height": 28,
                "width": 28,
                "channels": 1,
                "levels": 256,
                "labels": [str(i) for i in range(10)],
                "any_label": 10,
            },
            "data": {
                "source": image_data.MNIST_SOURCE,
                "license": image_data.MNIST_LICENSE,
                **image_data.mnist_split_card(cfg.data),
                "path": str(Path(cfg.data).resolve()),
                "label_drop": cfg.label_drop,
            },
            "metrics": metrics,
            "training": training | {"label_drop": cfg.label_drop},
        }
    size, palette = task.size, task.colours()
    return {
        "name": name,
        "title": cfg.title or f"Emoji (Image GPT, {size}x{size}, {len(palette)} colours)",
        "kind": "image-gpt",
        "version": "1",
        "architecture": task.arch.to_dict() | {"dropout": 0.0},
        "image": {
            "height": size,
            "width": size,
            "channels": 3,
            "palette": palette.tolist(),
            "background": 0,
        },
        "data": {
            "source": image_data.EMOJI_SOURCE,
            "license": image_data.EMOJI_LICENSE,
            "credit": "Noto Emoji, Google LLC (Apache License 2.0)",
            "file": image_data.EMOJI_TAR,
            "path": str(Path(cfg.data).resolve()),
            "images": len(task.train_x) + len(task.test_x),
            "split": "skin-tone variants left out; a seeded random tenth held out",
            "preprocessing": (
                f"32x32 RGBA box-filtered to {size}x{size} (premultiplied alpha), composited on "
                f"white, quantized to a {len(palette)}-colour k-means palette (colour 0 = white)"
            ),
            "why_downsampled": (
                "16x16 keeps the sequence at 256 tokens, a quarter of 32x32's 1,024, so the model "
                "trains in under an hour on one CPU thread"
            ),
        },
        "metrics": metrics,
        "training": training | {"augmentation": "random horizontal flips"},
    }
