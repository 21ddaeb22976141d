"""The sampling chain: small pure stages that shape next-token scores, then a draw.

Order, as transformers applies them: repetition penalty -> temperature -> top-k -> top-p -> min-p ->
draw. Every stage has the signature `(input_ids (B, T), scores (B, V)) -> scores (B, V)`, returns a new
tensor and never modifies its input. A stage whose setting does nothing is not built (temperature 1,
top-k 0, top-p 1, min-p 0, penalty 1). Temperature 0 means greedy. Filtered tokens get -inf.

The settings themselves (`studio.settings.SamplingSettings`) are checked against the schema when
built; the stages check their own argument again, since they can be built alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from studio.core.errors import SettingsError
from studio.settings import SamplingSettings

NEG_INF = float("-inf")


def _check_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise SettingsError(f"{name} must be a finite number, got {value!r}")
    return v


class RepetitionPenalty:
    """Divide positive (multiply negative) scores of tokens already in the context by `penalty`.

    CTRL, Keskar et al. 2019 (arXiv:1909.05858), as transformers' RepetitionPenaltyLogitsProcessor.
    """

    name = (
        "repetition penalty"  # as people call it (the window's stages dialog, `aigc-studio stages`)
    )

    @property
    def setting(self) -> str:
        return f"{self.penalty:g}"

    def __init__(self, penalty: float):
        penalty = _check_number("repetition_penalty", penalty)
        if penalty <= 0:
            raise SettingsError(f"repetition_penalty must be > 0, got {penalty}")
        self.penalty = penalty

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if input_ids.numel() == 0:
            return scores.clone()
        score = torch.gather(scores, 1, input_ids)  # (B, T)
        score = torch.where(score < 0, score * self.penalty, score / self.penalty)
        return scores.scatter(1, input_ids, score)


class Temperature:
    """Divide scores by the temperature: < 1 sharpens, > 1 flattens (Ackley et al. 1985)."""

    name = "temperature"  # as people call it (the window's stages dialog, `aigc-studio stages`)

    @property
    def setting(self) -> str:
        return f"{self.temperature:g}"

    def __init__(self, temperature: float):
        t = _check_number("temperature", temperature)
        if t <= 0:
            raise SettingsError(f"temperature must be > 0 for this stage, got {t} (0 means greedy)")
        self.temperature = t

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return scores / self.temperature


class TopK:
    """Keep the k highest scores (ties at the k-th value are kept). Fan et al. 2018 (arXiv:1805.04833)."""

    name = "top-k"  # as people call it (the window's stages dialog, `aigc-studio stages`)

    @property
    def setting(self) -> str:
        return f"{self.k:g}"

    def __init__(self, k: int | float):  # a float only when whole (2.0 from a settings file)
        if isinstance(k, bool) or not isinstance(k, int):
            if isinstance(k, float) and k.is_integer():
                k = int(k)
            else:
                raise SettingsError(f"top_k must be a whole number, got {k!r}")
        if k < 0:
            raise SettingsError(f"top_k must be >= 0 (0 turns it off), got {k}")
        self.k = k

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        if self.k == 0:  # off (build_chain leaves this stage out)
            return scores.clone()
        k = min(self.k, scores.size(-1))
        kth = torch.topk(scores, k, dim=-1).values[..., -1:]  # (B, 1)
        return scores.masked_fill(scores < kth, NEG_INF)


class TopP:
    """Keep the smallest set of most likely tokens whose mass reaches p (nucleus; Holtzman et al.
    2019, arXiv:1904.09751). Computed as transformers does: drop the tail whose mass is <= 1 - p."""

    name = "top-p"  # as people call it (the window's stages dialog, `aigc-studio stages`)

    @property
    def setting(self) -> str:
        return f"{self.p:g}"

    def __init__(self, p: float):
        p = _check_number("top_p", p)
        if not 0.0 < p <= 1.0:
            raise SettingsError(f"top_p must be in (0, 1], got {p}")
        self.p = p

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        sorted_scores, sorted_idx = torch.sort(scores, descending=False)  # (B, V) ascending
        cum = sorted_scores.softmax(dim=-1).cumsum(dim=-1)
        remove_sorted = cum <= (1 - self.p)
        remove_sorted[..., -1:] = False  # always keep the most likely token
        remove = remove_sorted.scatter(1, sorted_idx, remove_sorted)
        return scores.masked_fill(remove, NEG_INF)


class MinP:
    """Drop tokens whose probability is below min_p times the top token's (Nguyen et al. 2024,
    arXiv:2407.01082), as transformers' MinPLogitsWarper."""

    name = "min-p"  # as people call it (the window's stages dialog, `aigc-studio stages`)

    @property
    def setting(self) -> str:
        return f"{self.min_p:g}"

    def __init__(self, min_p: float):
        m = _check_number("min_p", min_p)
        if not 0.0 <= m <= 1.0:
            raise SettingsError(f"min_p must be in [0, 1], got {m}")
        self.min_p = m

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        probs = scores.softmax(dim=-1)
        top = probs.amax(dim=-1, keepdim=True)
        remove = probs < self.min_p * top
        remove = remove & (scores < scores.amax(dim=-1, keepdim=True))  # keep the best token
        return scores.masked_fill(remove, NEG_INF)


Stage = RepetitionPenalty | Temperature | TopK | TopP | MinP


def build_chain(s: SamplingSettings) -> list[Stage]:
    """The stages that do something for these settings, in transformers' order."""
    chain: list[Stage] = []
    rp = RepetitionPenalty(s.repetition_penalty)
    if rp.penalty != 1.0:
        chain.append(rp)
    if s.temperature not in (0, 1):
        chain.append(Temperature(s.temperature))
    tk = TopK(s.top_k)
    if tk.k > 0:
        chain.append(tk)
    tp = TopP(s.top_p)
    if tp.p < 1.0:
        chain.append(tp)
    mp = MinP(s.min_p)
    if mp.min_p > 0.0:
        chain.append(mp)
    return chain


def apply_chain(
    chain: Sequence[Stage], input_ids: torch.Tensor, scores: torch.Tensor
) -> torch.Tensor:
    for stage in chain:
        scores = stage(input_ids, scores)
    return scores


def entropy_nats(probs: torch.Tensor) -> torch.Tensor:
    """Entropy of each row of probs (B, V) in nats, (B,); zero-probability entries contribute 0."""
    return torch.special.entr(probs).sum(dim=-1)
