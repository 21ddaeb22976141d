"""Opening one of our image model files (`kind: image-pixelcnn` or `image-gpt`).

The LoadedModel's `extras` say what the window and the CLI need to draw: `height`, `width`,
`channels` (1 grey, 3 colour), `labels` (class names, or None), `any_label` (the "any class" label),
`palette` ((K, 3) uint8 numpy array for palette models, else None).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.core.errors import ModelFileError
from studio.engine.formats.studio_file import (
    LoadedModel,
    architecture_from_card,
    check_tensor_shapes,
    load_state_into,
    load_tensors,
    read_header,
)


def _build_checked(path: str | Path, build):
    """build() once on the meta device (no memory) to learn the shapes the card asks for, check
    them against the file's tensor index, and only then build it for real: each size in a card may
    be within its limit while their product asks for terabytes."""
    import torch

    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in build().state_dict().items()}
    header, _ = read_header(path)
    stored = {k: tuple(v.get("shape", ())) for k, v in header.items() if isinstance(v, dict)}
    if "lm_head.weight" not in stored:
        shapes.pop("lm_head.weight", None)  # tied to the token embedding, stored once
    check_tensor_shapes(path, shapes, stored)
    return build()


def _whole(path: str | Path, image: dict, key: str, lo: int, hi: int) -> int:
    v = image.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ModelFileError(path, f"the card's image.{key}={v!r} must be from {lo} to {hi}")
    return v


def load_image_model(path: str | Path, card: dict) -> LoadedModel:
    kind = card.get("kind")
    arch = card.get("architecture")
    image = card.get("image")
    if not isinstance(arch, dict) or not isinstance(image, dict):
        raise ModelFileError(path, "the model card has no 'architecture' or 'image' section")
    height = _whole(path, image, "height", 1, 1024)
    width = _whole(path, image, "width", 1, 1024)
    extras: dict = {"height": height, "width": width, "labels": None, "palette": None}
    if kind == "image-pixelcnn":
        from studio.engine.networks.pixelcnn import PixelCNN, PixelCNNConfig

        config = architecture_from_card(path, PixelCNNConfig, arch)
        if (config.height, config.width) != (height, width):
            raise ModelFileError(path, "the card's image size and architecture disagree")
        model = _build_checked(path, lambda: PixelCNN(config))
        labels = image.get("labels")
        if labels is not None and (not isinstance(labels, list) or len(labels) != config.n_classes):
            raise ModelFileError(path, f"the card needs {config.n_classes} label names")
        extras |= {"channels": 1, "labels": labels, "any_label": config.n_classes}
    elif kind == "image-gpt":
        from studio.engine.networks.gpt import GPT, GPTConfig

        gconf = architecture_from_card(path, GPTConfig, arch)
        model = _build_checked(path, lambda: GPT(gconf))
        palette = image.get("palette")
        try:
            pal = np.asarray(palette, dtype=np.int64)
        except (TypeError, ValueError):
            raise ModelFileError(path, "the card's palette is not a list of colours") from None
        if pal.ndim != 2 or pal.shape[1] != 3 or pal.min() < 0 or pal.max() > 255:
            raise ModelFileError(path, "the card's palette must be a list of [r, g, b] (0-255)")
        if pal.shape[0] + 1 != model.config.vocab_size:
            raise ModelFileError(
                path,
                f"the palette has {pal.shape[0]} colours but the model "
                f"{model.config.vocab_size - 1}",
            )
        if model.config.block_size != height * width:
            raise ModelFileError(path, "the context window is not one image")
        extras |= {"channels": 3, "palette": pal.astype(np.uint8), "any_label": None}
    else:
        raise ModelFileError(path, f"unknown image model kind {kind!r}")
    load_state_into(path, model, load_tensors(path))
    return LoadedModel(
        name=card.get("name") or Path(path).stem,
        path=str(path),
        kind=kind,
        card=card,
        model=model.eval(),
        extras=extras,
    )
