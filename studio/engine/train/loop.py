"""What every trainer here shares: the optimiser, the time-budgeted schedule, resumable state.

A run has a step limit and, optionally, a time budget; its progress is the larger of the two
fractions, so a timed run anneals its learning rate before the time is up, and a resumed run
(which carries its elapsed time in the checkpoint) goes on where the schedule stood.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from studio.core.train_events import TrainEvent  # noqa: F401 - the loop's events, re-exported


def adamw(model: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices and kernels only (not on biases, norms or gains)."""
    params = list(model.parameters())
    return torch.optim.AdamW(
        [
            {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=lr,
        betas=(0.9, 0.99),
    )


def optimise(
    model: torch.nn.Module, opt: torch.optim.Optimizer, loss: torch.Tensor, grad_clip: float
) -> None:
    """One optimiser step on `loss`, with the gradient norm clipped to `grad_clip`."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    opt.step()


@dataclass
class Schedule:
    """Linear warm-up, then a cosine from `lr` down to `lr * min_lr_ratio` over the progress."""

    lr: float
    max_steps: int
    warmup_steps: int
    min_lr_ratio: float
    budget_s: float | None = None  # the time budget; None: steps only
    elapsed_before: float = 0.0  # seconds spent by earlier runs of a resumed training
    t0: float = field(default_factory=time.perf_counter)

    def elapsed(self) -> float:
        return self.elapsed_before + time.perf_counter() - self.t0

    def progress(self, step: int) -> float:
        p = step / self.max_steps
        if self.budget_s:
            p = max(p, self.elapsed() / self.budget_s)
        return min(p, 1.0)

    def lr_at(self, step: int) -> float:
        if step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        coeff = 0.5 * (1.0 + math.cos(math.pi * self.progress(step)))
        return self.lr * (self.min_lr_ratio + (1 - self.min_lr_ratio) * coeff)

    def eta(self, step: int) -> float | None:
        """Seconds left, from the progress so far."""
        p = self.progress(step)
        return self.elapsed() / p - self.elapsed() if p > 0 else None


class RateMeter:
    """Units per second over windows of at least two seconds (steadier than per-step rates)."""

    def __init__(self, units_per_step: int) -> None:
        self.units_per_step = units_per_step
        self.t, self.steps, self.rate = time.perf_counter(), 0, 0.0

    def step(self) -> float:
        self.steps += 1
        now = time.perf_counter()
        if now - self.t > 2.0:
            self.rate = self.steps * self.units_per_step / (now - self.t)
            self.t, self.steps = now, 0
        return self.rate


def save_state(
    path: Path,
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    gen: torch.Generator,
    step: int,
    schedule: Schedule,
    **extra: object,
) -> None:
    """Write a resumable checkpoint atomically: a crash mid-write leaves the previous one whole."""
    state = {
        "model": model.state_dict(),
        "optim": opt.state_dict(),
        "step": step,
        "elapsed_s": schedule.elapsed(),
        "gen_state": gen.get_state(),
        **extra,
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def restore_state(
    state: dict, model: torch.nn.Module, opt: torch.optim.Optimizer, gen: torch.Generator
) -> tuple[int, float]:
    """Load a checkpoint written by save_state into model, optimiser and generator:
    (step, elapsed seconds)."""
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optim"])
    gen.set_state(state["gen_state"])
    return int(state["step"]), float(state["elapsed_s"])
