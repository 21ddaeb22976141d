"""Text's draw, with the uniform number it amounts to, for step mode ("you are the sampler").

Text runs draw with `torch.multinomial(probs, 1, generator=g)`, as nanoGPT's sampler and
transformers do, and their tokens are pinned to those references. For one sample torch computes
that draw as an exponential race: one q_i ~ Exp(1) per token from g, and the token is
argmax_i p_i / q_i. Token i "finishes" at time q_i / p_i ~ Exp(p_i); the first to finish wins,
with probability p_i, and the finishing time T = min_i q_i / p_i is Exp(sum p = 1) and
independent of which token won. So

    u = (mass of the tokens ranked above the winner) + p_winner * (1 - exp(-T))

is exactly uniform on [0, 1), and the winner is exactly the token where u falls on the cumulative
bar of the distribution, most likely token first (inverse CDF). That is the u step mode shows: the
run's own draw, read as a point on the bar, with the tokens unchanged. (Unlike a u drawn before
the distribution is known, this one depends on the distribution too: with other settings the same
seed stream gives another u.)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Draw:
    token: int  # what torch.multinomial drew, the run's token
    u: float | None  # where it fell on the cumulative bar in rank order (None: not reproduced)
    order: list[int]  # the token ids with probability > 0, most likely first (ties: lower id)


def rank_order(probs: torch.Tensor) -> list[int]:
    """The ids of probs (V,) with mass, most likely first, ties broken by the lower id."""
    ids = torch.nonzero(probs > 0).flatten()  # ascending ids
    order = torch.sort(probs[ids], descending=True, stable=True).indices
    return ids[order].tolist()


def race_draw(probs: torch.Tensor, gen: torch.Generator) -> Draw:
    """One draw from probs (V,) with `gen`, exactly as generation draws it (gen moves on by the
    same numbers), and its u. The race is replayed on a copy of gen's state; where it would not
    give multinomial's token (another torch's kernel), u is None and the token is still
    multinomial's."""
    copy = torch.Generator(device=probs.device)
    copy.set_state(gen.get_state())
    token = int(torch.multinomial(probs, 1, generator=gen))
    q = torch.empty_like(probs).exponential_(1, generator=copy)  # (V,)
    p = probs.double()
    times = torch.where(p > 0, q.double() / p, torch.full_like(p, float("inf")))
    order = rank_order(probs)
    if int(torch.argmax(probs / q)) != token:
        return Draw(token, None, order)
    finish = float(times.min())
    pos = order.index(token)
    before = float(p[order[:pos]].sum()) if pos else 0.0
    u = before + float(p[token]) * -float(torch.expm1(torch.tensor(-finish, dtype=torch.float64)))
    return Draw(token, u, order)


def race_winner(probs: torch.Tensor, q: torch.Tensor) -> int:
    """The token an exponential race with numbers q (V,) gives on probs (V,): the draw of any
    settings at one step of one seed, to find which stage made two runs part (compare)."""
    return int(torch.argmax(probs / q))
