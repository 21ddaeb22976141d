"""Scoring an image model on its held-out images: mean bits per dimension.

The held-out set is the one training used (the last 1,000 MNIST test images; the seeded tenth of the
emoji), so `aigc-studio eval` reproduces the card's number.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from studio.engine.formats.studio_file import LoadedModel
from studio.engine.image import datasets as image_data
from studio.engine.networks.gpt import GPT
from studio.engine.networks.image_gpt import sequence_nll
from studio.engine.networks.pixelcnn import PixelCNN

LN2 = math.log(2)


def evaluate_image_model(loaded: LoadedModel, data: str | Path) -> dict:
    model = loaded.model
    device = next(model.parameters()).device
    if loaded.kind == "image-pixelcnn":
        split = image_data.mnist_split(data)
        x = torch.from_numpy(split["test_x"].astype(np.int64)).to(device)
        y = torch.from_numpy(split["test_y"].astype(np.int64)).to(device)
        bpd = evaluate_bits_per_dim(model, "digits", x, y)
        bpd_any = evaluate_bits_per_dim(model, "digits", x, y, any_label=True)
        return {
            "model": loaded.name,
            "data": str(data),
            "images": len(x),
            "bits_per_dim": bpd,
            "bits_per_dim_any_label": bpd_any,
        }
    size = loaded.extras["height"]
    split = image_data.emoji_split(data, size=size)
    idx = image_data.quantize(split["test_x"], loaded.extras["palette"])
    x = torch.from_numpy(idx.reshape(len(idx), -1)).to(device)
    return {
        "model": loaded.name,
        "data": str(data),
        "images": len(x),
        "bits_per_dim": evaluate_bits_per_dim(model, "emoji", x),
        "unit": "bits per palette index (one per pixel)",
    }


def evaluate_bits_per_dim(
    model: torch.nn.Module,
    kind: str,
    x: torch.Tensor,
    labels: torch.Tensor | None = None,
    any_label: bool = False,
    batch: int = 100,
) -> float:
    """Mean bits per dimension of images x: digits (N, H, W) grey levels with labels (N,) (or the
    "any digit" label), emoji (N, H*W) palette indices."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total = 0.0
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            xb = x[i : i + batch].to(device)
            if kind == "digits":
                if not isinstance(model, PixelCNN) or labels is None:
                    raise ValueError("digits are scored by a PixelCNN, with their labels")
                yb = labels[i : i + batch].to(device)
                if any_label:
                    yb = torch.full_like(yb, model.any_label)
                total += model.nll(xb, yb).sum().item()
            else:
                if not isinstance(model, GPT):
                    raise ValueError("emoji are scored by an image GPT")
                total += sequence_nll(model, xb).sum().item()
    model.train(was_training)
    return total / len(x) / LN2
