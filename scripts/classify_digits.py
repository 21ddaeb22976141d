"""A small MNIST classifier, and the check that the digits model draws the digit it is asked for.

    python scripts/classify_digits.py train --data /path/to/mnist --out classifier.pt
    python scripts/classify_digits.py check --model digits --classifier classifier.pt \
        --per-label 100 --temperature 1.0 [--grid docs/digits-samples.png]

`train` fits a two-layer CNN on the same 9,000 images the digits model trains on (small random
shifts as augmentation) and reports its accuracy on the 1,000 held out; it must reach 97% to be
trusted as a judge. `check` draws `per-label` samples for every label with the fast sampler and
reports the share the classifier recognises as the label asked for.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.engine.image.datasets import mnist_split  # noqa: E402


class DigitClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)  # (B, 32, 26, 26) -> pool (B, 32, 13, 13)
        self.conv2 = nn.Conv2d(32, 64, 3)  # (B, 64, 11, 11) -> pool (B, 64, 5, 5)
        self.fc1 = nn.Linear(64 * 5 * 5, 128)
        self.fc2 = nn.Linear(128, 10)
        self.drop = nn.Dropout(0.3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 28, 28) grey levels 0..255 -> logits (B, 10)."""
        h = (x.float() / 255.0)[:, None]
        h = F.max_pool2d(F.relu(self.conv1(h)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return self.fc2(self.drop(F.relu(self.fc1(h.flatten(1)))))


def shift(x: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Each image moved by up to max_shift pixels in each direction (zero fill)."""
    B = x.shape[0]
    padded = F.pad(x, (max_shift,) * 4)
    dy = torch.randint(0, 2 * max_shift + 1, (B,), generator=gen)
    dx = torch.randint(0, 2 * max_shift + 1, (B,), generator=gen)
    return torch.stack([padded[i, dy[i] : dy[i] + 28, dx[i] : dx[i] + 28] for i in range(B)])


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.inference_mode():
        pred = torch.cat([model(x[i : i + 500]).argmax(1) for i in range(0, len(x), 500)])
    return (pred == y).float().mean().item()


def cmd_train(args: argparse.Namespace) -> int:
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    s = mnist_split(args.data)
    x = torch.from_numpy(s["train_x"].astype(np.int64))
    y = torch.from_numpy(s["train_y"].astype(np.int64))
    tx = torch.from_numpy(s["test_x"].astype(np.int64))
    ty = torch.from_numpy(s["test_y"].astype(np.int64))
    model = DigitClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps_per_epoch = len(x) // args.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3e-3, total_steps=args.epochs * steps_per_epoch
    )
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(steps_per_epoch):
            ix = perm[i * args.batch_size : (i + 1) * args.batch_size]
            loss = F.cross_entropy(model(shift(x[ix], gen)), y[ix])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model, tx, ty)
        print(
            f"epoch {epoch + 1}: held-out accuracy {acc:.2%} ({time.perf_counter() - t0:.0f}s)",
            flush=True,
        )
    torch.save(model.state_dict(), args.out)
    print(json.dumps({"heldout_accuracy": acc, "heldout_images": len(tx), "out": args.out}))
    return 0 if acc >= 0.97 else 1


def cmd_check(args: argparse.Namespace) -> int:
    from studio.engine.formats.model_finder import load_model
    from studio.engine.image.generation import generate_image
    from studio.settings import ImageSettings, SamplingSettings

    clf = DigitClassifier()
    clf.load_state_dict(torch.load(args.classifier, weights_only=True))
    clf.eval()
    loaded = load_model(args.model, device="cpu")
    per_label: dict[str, float] = {}
    grid_rows = []
    t0 = time.perf_counter()
    total_ok = 0
    for label in range(10):
        images = []
        left = args.per_label
        while left > 0:
            n = min(left, args.batch)
            settings = ImageSettings(
                sampling=SamplingSettings(temperature=args.temperature),
                seed=args.seed + label * 1000 + len(images),
                num_samples=n,
                label=label,
                guidance=args.guidance,
            )
            images += [e.image for e in generate_image(loaded, settings) if e.event == "done"]
            left -= n
        x = torch.from_numpy(np.stack(images).astype(np.int64))
        with torch.inference_mode():
            pred = clf(x).argmax(1)
        ok = int((pred == label).sum())
        total_ok += ok
        per_label[str(label)] = ok / len(images)
        grid_rows.append(np.concatenate(images[:10], axis=1))
        print(f"label {label}: {ok}/{len(images)} recognised ({time.perf_counter() - t0:.0f}s)")
    rate = total_ok / (10 * args.per_label)
    result = {
        "model": loaded.name,
        "temperature": args.temperature,
        "guidance": args.guidance,
        "per_label": per_label,
        "samples_per_label": args.per_label,
        "recognised": rate,
        "seed": args.seed,
    }
    print(json.dumps(result))
    if args.grid:
        from studio.io.png_chunks import save_png

        grid = np.concatenate(grid_rows, axis=0)  # (10*28, 10*28): a row of ten per label
        save_png(
            args.grid,
            np.kron(grid, np.ones((2, 2), np.uint8)),
            {"model": loaded.name, "what": "first 10 samples per label 0-9, scaled 2x"},
        )
    return 0 if rate >= 0.9 else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True, help="the MNIST folder")
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=8)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("check")
    c.add_argument("--model", default="digits")
    c.add_argument("--classifier", required=True)
    c.add_argument("--per-label", type=int, default=100)
    c.add_argument("--temperature", type=float, default=1.0)
    c.add_argument("--guidance", type=float, default=1.0, help="1 = none (the quality target)")
    c.add_argument("--batch", type=int, default=50)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--grid", help="write the first ten samples of every label here")
    args = p.parse_args()
    torch.set_num_threads(1)
    return cmd_train(args) if args.cmd == "train" else cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
