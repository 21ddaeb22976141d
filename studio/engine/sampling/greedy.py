"""Greedy decoding's pick, the one used everywhere (text, the stages view, images).

Among tied maxima greedy takes the FIRST, the lowest id, as transformers' greedy search does (it
calls argmax): a run is then reproducible on any machine and any device, and the stages view, which
recomputes a step, puts its point mass on the very token the run drew. `torch.topk` leaves the order
of ties unspecified, so it may rank the tied ids either way; it only lists alternatives here.
"""

from __future__ import annotations

import torch


def greedy_pick(scores: torch.Tensor) -> torch.Tensor:
    """The id of the highest score of every row of scores (B, V) as (B,) int64; the lowest id
    among tied maxima (torch.argmax documents that it returns the first maximal value)."""
    return scores.argmax(dim=-1)
