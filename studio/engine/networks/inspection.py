"""What a text network shows of its insides when asked: the small protocol the "look inside" views
(attention, the logit lens) use, so that any decoder-only network can offer them.

A network offers it with two methods, both on a plain uncached pass and never called while
generating, so the fast paths pay nothing:

    trace(idx)   -> NetworkTrace: idx (1, T) token ids at positions 0..T-1
    read_out(x)  -> logits: the final norm then the unembedding, (..., C) -> (..., V)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch


@dataclass
class NetworkTrace:
    """One forward pass, seen from its last position (the query that predicts the next token)."""

    residuals: list[
        torch.Tensor
    ]  # n_layer + 1 of (B, C): the first block's input, then each's output
    attention: list[torch.Tensor]  # n_layer of (B, n_head, T): that query's attention weights
    logits: torch.Tensor  # (B, V): the model's next-token logits


@runtime_checkable
class Inspectable(Protocol):
    def trace(self, idx: torch.Tensor) -> NetworkTrace: ...

    def read_out(self, x: torch.Tensor) -> torch.Tensor: ...
