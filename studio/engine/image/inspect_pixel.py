"""Look inside one pixel of a drawn picture: which earlier pixels the model looked at when it gave
that pixel its distribution (core/pixel_inspection.py says exactly what the numbers are).

    found = inspect_pixel(loaded, picture, row=5, col=9, label=None)

- Image GPT: one plain uncached pass of the network's `trace` (networks/inspection.py) over the
  input up to the query that predicts the pixel, [start, p0, .., p_{p-1}] (p + 1 tokens), whose
  last position is that query; its attention weights per layer and head. The same numbers the
  text half shows for a token.
- PixelCNN: one forward and one backward pass; the gradient of log P(x_rc = drawn value) under
  the run's label with respect to every input pixel (in grey levels), its absolute value.

Recomputed on demand from the finished picture, like the text half's inspection, so streaming
pays nothing. The picture is what the run recorded: (H, W) grey or (H, W, 3) RGB uint8; palette
models read it back to palette indices (exact for drawn pixels, the nearest colour for kept init
pixels, as generation reads them).
"""

from __future__ import annotations

import numpy as np
import torch

from studio.core.errors import SettingsError
from studio.core.pixel_inspection import ATTENTION_KIND, SALIENCY_KIND, PixelInspection
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.gpt import GPT
from studio.engine.networks.image_gpt import pixel_logits, shift_in, start_token
from studio.engine.networks.pixelcnn import LEVELS, PixelCNN, mixture_logprob


def picture_tokens(loaded: LoadedModel, picture: np.ndarray) -> np.ndarray:
    """The model's token of every pixel of a picture: (H, W) int64 grey levels or palette
    indices. SettingsError when the picture is not of this model's size and kind."""
    from studio.engine.image.datasets import quantize

    H, W = int(loaded.extras["height"]), int(loaded.extras["width"])
    grey = int(loaded.extras["channels"]) == 1
    want = (H, W) if grey else (H, W, 3)
    picture = np.asarray(picture)
    if picture.shape != want or picture.dtype != np.uint8:
        raise SettingsError(
            f"{loaded.name} draws {W}x{H} {'grey' if grey else 'RGB'} pictures; this one is "
            f"{picture.dtype} {picture.shape}"
        )
    if grey:
        return picture.astype(np.int64)
    return quantize(picture, loaded.extras["palette"])


def check_pixel(loaded: LoadedModel, row: int, col: int) -> None:
    H, W = int(loaded.extras["height"]), int(loaded.extras["width"])
    if not (0 <= row < H and 0 <= col < W):
        raise SettingsError(
            f"pixel ({row}, {col}) is outside the {W}x{H} picture: rows 0-{H - 1}, "
            f"columns 0-{W - 1}"
        )


def inspect_pixel(
    loaded: LoadedModel, picture: np.ndarray, row: int, col: int, label: int | None = None
) -> PixelInspection:
    """What pixel (row, col) of `picture` looked at (see the module's docstring). `label`: the
    run's label index for a PixelCNN (None: "any"). SettingsError (one line) for a pixel outside
    the picture, a picture of another size, a label the model lacks, a model of another kind."""
    if not loaded.kind.startswith("image-"):
        raise SettingsError(f"{loaded.name} is not an image model")
    check_pixel(loaded, row, col)
    tokens = picture_tokens(loaded, picture)  # (H, W)
    if loaded.kind == "image-pixelcnn":
        return _saliency(loaded, tokens, row, col, label)
    return _attention(loaded, tokens, row, col)


def _attention(loaded: LoadedModel, tokens: np.ndarray, row: int, col: int) -> PixelInspection:
    model = loaded.network(GPT)
    H, W = tokens.shape
    p = row * W + col
    device = next(model.parameters()).device
    flat = torch.as_tensor(tokens.reshape(1, -1), dtype=torch.long, device=device)  # (1, N)
    # the input up to and including the query that predicts pixel p: [start, p0, .., p_{p-1}]
    idx = shift_in(flat, start_token(model))[:, : p + 1]  # (1, p + 1)
    with torch.inference_mode():
        trace = model.trace(idx)
        att = torch.stack([a[0] for a in trace.attention]).float().cpu().numpy()  # (L, nh, p+1)
        log_probs = pixel_logits(trace.logits[0]).float().log_softmax(dim=-1)  # (K,)
    L, nh = att.shape[:2]
    weights = np.zeros((L, nh, H * W), np.float32)
    weights[:, :, :p] = att[:, :, 1:]  # key position j + 1 holds pixel j
    value = int(tokens[row, col])
    return PixelInspection(
        row=row,
        col=col,
        height=H,
        width=W,
        value=value,
        kind=ATTENTION_KIND,
        weights=weights,
        start=att[:, :, 0].astype(np.float32),
        log_prob=float(log_probs[value]),
    )


def _saliency(
    loaded: LoadedModel, tokens: np.ndarray, row: int, col: int, label: int | None
) -> PixelInspection:
    model = loaded.network(PixelCNN)
    labels = loaded.extras.get("labels") or []
    any_label = int(loaded.extras.get("any_label", model.any_label))
    if label is not None and not 0 <= label < len(labels):
        raise SettingsError(
            f"label {label} is not one of {loaded.name}'s labels"
            + (f" (0-{len(labels) - 1}, or none for any)" if labels else " (it has none)")
        )
    H, W = tokens.shape
    device = next(model.parameters()).device
    levels = torch.as_tensor(tokens[None], dtype=torch.long, device=device)  # (1, H, W)
    x = PixelCNN.normalize(levels).requires_grad_(True)  # (1, H, W) on the [-1, 1] scale
    lab = torch.tensor([any_label if label is None else label], device=device)
    with torch.enable_grad():
        params = model.forward_normalized(x, lab)[0, :, row, col]  # (3 * n_mix,)
        log_prob = mixture_logprob(params, levels[0, row, col])  # ()
        (grad,) = torch.autograd.grad(log_prob, x)  # (1, H, W)
    # per grey level: the input is level / 127.5 - 1
    saliency = (grad[0].abs() / ((LEVELS - 1) / 2)).float().cpu().numpy()  # (H, W)
    return PixelInspection(
        row=row,
        col=col,
        height=H,
        width=W,
        value=int(tokens[row, col]),
        kind=SALIENCY_KIND,
        weights=saliency.reshape(1, 1, H * W).astype(np.float32),
        start=np.zeros((1, 1), np.float32),
        log_prob=float(log_prob.detach()),
        label=label,
    )
