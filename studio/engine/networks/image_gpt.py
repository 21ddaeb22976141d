"""A colour image model in the Image GPT manner (Chen et al. 2020): the text engine's GPT over the
palette indices of an image in raster order.

An image of H x W pixels becomes H*W tokens, each the index of its nearest colour in a k-means
palette (colour 0 is the white background). The model reads an extra start token (id K, one past the
palette) and then the pixels, so the input [start, p0, .., p_{N-2}] predicts [p0, .., p_{N-1}] and the
context window is exactly N. Generation reuses the GPT's KV cache: one cached step per pixel.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from studio.engine.networks.gpt import GPT, GPTConfig


def make_image_gpt(
    height: int,
    width: int,
    palette_size: int,
    n_layer: int = 4,
    n_head: int = 4,
    n_embd: int = 128,
    dropout: float = 0.0,
) -> GPT:
    """A GPT whose vocabulary is the palette plus the start token and whose window is one image."""
    cfg = GPTConfig(
        block_size=height * width,
        vocab_size=palette_size + 1,
        n_layer=n_layer,
        n_head=n_head,
        n_embd=n_embd,
        dropout=dropout,
        bias=False,
    )
    return GPT(cfg)


def start_token(model: GPT) -> int:
    return model.config.vocab_size - 1


def shift_in(tokens: torch.Tensor, start: int) -> torch.Tensor:
    """Model input for pixel tokens (B, N): [start, p0, .., p_{N-2}] (B, N)."""
    first = torch.full_like(tokens[:, :1], start)
    return torch.cat([first, tokens[:, :-1]], dim=1)


def sequence_nll(model: GPT, tokens: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of each image in nats per pixel: tokens (B, N) -> (B,)."""
    logits = model(shift_in(tokens, start_token(model)))  # (B, N, K+1)
    nll = F.cross_entropy(logits.transpose(1, 2), tokens, reduction="none")  # (B, N)
    return nll.mean(1)


def pixel_logits(logits: torch.Tensor) -> torch.Tensor:
    """Logits over the palette only: the start token is never a pixel. (..., K+1) -> (..., K)."""
    return logits[..., :-1]


def tokens_to_rgb(tokens: np.ndarray, palette: np.ndarray, height: int, width: int) -> np.ndarray:
    """Palette indices (N,) or (H, W) -> (H, W, 3) uint8."""
    return palette[np.asarray(tokens, dtype=np.int64).reshape(height, width)]
