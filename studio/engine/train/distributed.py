"""Training across processes and machines with torch.distributed: DistributedDataParallel over gloo
(CPU) or NCCL (GPUs), in the process group `torchrun` sets up.

    torchrun --nproc_per_node 2 -m studio train text --corpus input.txt --out m.safetensors

Every rank builds the same task with the same seed and draws the same global batch from the same
generator, then trains on its own slice of it; DDP averages the gradients, so N processes with a
global batch B take the steps one process takes with batch B. Rank 0 alone evaluates, writes the
checkpoint, the loss log and the model file, and decides each step's learning rate and whether to
stop (a time budget measured on one clock: ranks that disagreed by a millisecond would otherwise
stop a step apart and wait on each other for ever).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from studio.core.errors import CorpusError


@dataclass(frozen=True)
class Ranks:
    """This process's place in the group."""

    rank: int
    world: int
    local_rank: int  # the process's index on its machine: its GPU

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def join_group(device_choice: str) -> Ranks | None:
    """Join the group torchrun describes in the environment (WORLD_SIZE > 1); None when this
    process trains alone."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return None
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_nccl = device_choice in ("auto", "cuda") and torch.cuda.is_available()
    if use_nccl:
        torch.cuda.set_device(local)  # "cuda" then means this rank's GPU
    if not dist.is_initialized():
        dist.init_process_group("nccl" if use_nccl else "gloo")
    return Ranks(dist.get_rank(), dist.get_world_size(), local)


def leave_group() -> None:
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def shared_state(ranks: Ranks, state: dict | None) -> dict | None:
    """Rank 0's checkpoint state on every rank (a resumed run on several machines needs the
    checkpoint only where rank 0 runs)."""
    box = [state if ranks.is_main else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def shared_step_plan(ranks: Ranks, lr: float, go_on: bool, stop: bool) -> tuple[float, bool, bool]:
    """Rank 0's learning rate, go-on decision and Stop for the next step, on every rank."""
    plan = torch.tensor([lr, float(go_on), float(stop)], dtype=torch.float64)
    dist.broadcast(plan, src=0)
    return float(plan[0]), bool(plan[1] > 0.5), bool(plan[2] > 0.5)


def rank_slice(
    inputs: tuple[torch.Tensor | None, ...], ranks: Ranks
) -> tuple[torch.Tensor | None, ...]:
    """This rank's contiguous share of a global batch: (B, ...) -> (B / world, ...)."""
    out: list[torch.Tensor | None] = []
    for t in inputs:
        if t is None:
            out.append(None)
            continue
        if len(t) % ranks.world:
            raise CorpusError(
                f"a batch of {len(t)} does not split over {ranks.world} processes: "
                f"use a batch size that is a multiple of {ranks.world}"
            )
        share = len(t) // ranks.world
        out.append(t[ranks.rank * share : (ranks.rank + 1) * share])
    return tuple(out)


def mean_over_ranks(value: torch.Tensor) -> float:
    """The mean of a scalar over the ranks (the global batch's loss, for the step events)."""
    v = value.detach().to(torch.float64).cpu().reshape(1)
    dist.all_reduce(v)
    return float(v[0]) / dist.get_world_size()


class _TaskLoss(torch.nn.Module):
    """The task's loss as a module's forward, so that it runs through DDP (which synchronises
    gradients only for what its own forward computed)."""

    def __init__(self, task: object, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model  # registered, so DDP sees the parameters
        self._loss = task.loss  # type: ignore[attr-defined]

    def forward(self, *inputs: torch.Tensor | None) -> torch.Tensor:
        return self._loss(inputs)


def parallel_loss(task: object, model: torch.nn.Module, ranks: Ranks) -> torch.nn.Module:
    """A DDP module whose forward(*inputs) is the task's loss on this rank's slice; building it
    broadcasts rank 0's weights to every rank."""
    from torch.nn.parallel import DistributedDataParallel  # only a run under torchrun needs it

    device_ids = [ranks.local_rank] if next(model.parameters()).is_cuda else None
    return DistributedDataParallel(_TaskLoss(task, model), device_ids=device_ids)
