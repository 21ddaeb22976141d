"""Scoring an image model on its held-out images: mean bits per dimension.

The held-out set is the one training used (the last 1,000 MNIST test images; the seeded tenth of the
emoji), so `aigc-studio eval` reproduces the card's number.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from studio.engine import image_data
from studio.engine.modelfile import LoadedModel
from studio.engine.train_image import evaluate_bits_per_dim


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
