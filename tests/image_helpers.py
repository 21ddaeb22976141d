"""Tiny image models built by the tests themselves (random weights, a few thousand parameters)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from studio.engine.formats.studio_file import LoadedModel, save_model_file, untied_state_dict
from studio.engine.networks.image_gpt import make_image_gpt
from studio.engine.networks.pixelcnn import PixelCNN, PixelCNNConfig


def tiny_pixelcnn(
    seed: int = 0,
    height: int = 7,
    width: int = 6,
    kernel: int = 3,
    position_bias: bool = False,
    labels: tuple[str, ...] = ("a", "b", "c"),
    n_layers: int = 3,
    n_mix: int = 3,
    log_scale: float = -1.5,
    bias_std: float = 0.5,
) -> LoadedModel:
    """A random class-conditional PixelCNN of a few thousand weights.

    Training starts the label (and position) biases at zero; `bias_std` > 0 makes them matter.
    `log_scale` sets every logistic's width: -1.5 is narrow enough to see the means (spread over
    the range), 0.5 broad enough that pixels vary and distributions have width."""
    torch.manual_seed(seed)
    cfg = PixelCNNConfig(
        height=height,
        width=width,
        channels=8,
        n_layers=n_layers,
        kernel=kernel,
        n_classes=len(labels),
        n_mix=n_mix,
        head_channels=8,
        position_bias=position_bias,
    )
    model = PixelCNN(cfg).eval()
    with torch.no_grad():
        if bias_std > 0:
            for layer in model.layers:
                layer.cond.weight.normal_(0, bias_std)
                if layer.pos is not None:
                    layer.pos.normal_(0, bias_std)
            model.head2.bias[n_mix : 2 * n_mix] = torch.linspace(-0.8, 0.8, n_mix)
        model.head2.bias[2 * n_mix :] = log_scale
    image = {
        "height": height,
        "width": width,
        "channels": 1,
        "levels": 256,
        "labels": list(labels),
        "any_label": len(labels),
    }
    card = {
        "name": "tiny-digits",
        "title": "Tiny digits",
        "kind": "image-pixelcnn",
        "architecture": cfg.to_dict(),
        "image": image,
    }
    extras = {k: image[k] for k in ("height", "width", "channels", "labels", "any_label")}
    extras["palette"] = None
    return LoadedModel("tiny-digits", "", "image-pixelcnn", card, model, extras=extras)


def tiny_image_gpt(seed: int = 0, size: int = 5, colours: int = 6) -> LoadedModel:
    torch.manual_seed(seed)
    model = make_image_gpt(size, size, colours, n_layer=2, n_head=2, n_embd=16).eval()
    with torch.no_grad():
        model.transformer.wte.weight.normal_(0, 0.5)  # livelier logits than GPT's 0.02 start
    rng = np.random.default_rng(seed)
    palette = np.concatenate([[[255, 255, 255]], rng.integers(0, 255, (colours - 1, 3))])
    palette = palette.astype(np.uint8)
    card = {
        "name": "tiny-emoji",
        "title": "Tiny emoji",
        "kind": "image-gpt",
        "architecture": model.config.to_dict(),
        "image": {"height": size, "width": size, "channels": 3, "palette": palette.tolist()},
    }
    extras = {
        "height": size,
        "width": size,
        "channels": 3,
        "labels": None,
        "any_label": None,
        "palette": palette,
    }
    return LoadedModel("tiny-emoji", "", "image-gpt", card, model, extras=extras)


def save_image_model(path: Path, loaded: LoadedModel) -> Path:
    save_model_file(path, untied_state_dict(loaded.model), loaded.card)
    return path


def write_tiny_mnist(folder: Path) -> Path:
    """Random stand-ins for MNIST's test-set files in `folder`: 9,000 training and 20 held-out
    28x28 images with labels, the layout `train image --model-kind digits` reads."""
    import gzip
    import struct

    from studio.engine.image.datasets import MNIST_TRAIN

    n = MNIST_TRAIN + 20
    rng = np.random.default_rng(0)
    images = (rng.random((n, 28, 28)) < 0.2).astype(np.uint8) * 255
    labels = rng.integers(0, 10, n).astype(np.uint8)
    head = struct.pack(">BBBBIII", 0, 0, 8, 3, n, 28, 28)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(head + images.tobytes(), compresslevel=1)
    )
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(struct.pack(">BBBBI", 0, 0, 8, 1, n) + labels.tobytes())
    )
    return folder
