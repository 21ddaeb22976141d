"""The one training loop, for every kind of model: a task says what differs, the loop does the rest.

    for event in run_training(cfg, lambda state: MyTask(cfg, state)):
        print(event)

A task (`TrainingTask`) brings the model, its batches, its loss, its held-out score and its card; the
loop owns everything else, the same for text and images: the output checks, resuming from
`<out>.ckpt`, the seed, the device, the optimiser, the schedule over steps and minutes (loop.py), the
progress events, the evaluation and checkpoint cadence, and writing the finished model file with its
card (float16 weights re-measured as stored, so `eval` reproduces the card).

It also writes the loss log `<out>.loss.jsonl` (core/loss_log.py) as it goes, and, when a `Watch`
asks, numbered snapshots (snapshots.py) and samples from the current weights. A Watch's `stop` is
looked at between steps: when it says so, the loop saves the checkpoint and ends with a "stopped" event
(a step of the models trained here takes well under a second, so Stop takes effect within one).
Under torchrun (WORLD_SIZE > 1) every rank trains its slice of each global batch with
DistributedDataParallel (distributed.py); rank 0 alone evaluates, samples, writes files, yields
events, and decides each step's learning rate, the end of the time budget and Stop.
"""

from __future__ import annotations

import shlex
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import torch

from studio.core.errors import CorpusError
from studio.core.loss_log import LossLog, loss_log_path
from studio.engine.device import resolve_device
from studio.engine.formats.studio_file import save_model_file, untied_state_dict
from studio.engine.train import distributed, snapshots
from studio.engine.train.loop import (
    RateMeter,
    Schedule,
    TrainEvent,
    adamw,
    optimise,
    restore_state,
    save_state,
)


class RunSettings(Protocol):
    """The settings every training run has (TrainConfig and ImageTrainConfig both carry them)."""

    out: str  # model file to write; the checkpoint is `<out>.ckpt`
    max_steps: int
    minutes: float | None  # time budget; the schedule anneals to it
    seed: int
    resume: bool
    eval_interval: int
    checkpoint_interval: int
    warmup_steps: int
    min_lr_ratio: float
    weight_decay: float
    grad_clip: float
    half: bool  # store float16 weights
    threads: int | None
    device: str
    command: str  # recorded in the card; "" for this process's own command line


Inputs = tuple["torch.Tensor | None", ...]  # a batch's tensors (None: an input this batch lacks)


@dataclass(frozen=True)
class FinishedRun:
    """What the loop knows about a run when it ends, for the task's card."""

    steps: int
    minutes: float
    seed: int
    commands: list[str]  # the first run's command, then one per resumption
    device: str
    init_from: dict | None  # what the task's start_from returned, kept across resumptions


@runtime_checkable
class TrainingTask(Protocol):
    """What one kind of model brings to the loop. The task is built after torch.manual_seed(seed),
    with the model on the CPU; the loop moves it to the device before making the optimiser."""

    @property
    def model(self) -> torch.nn.Module:
        """The network being trained (a GPT, a PixelCNN: read-only here, so a task may name its
        own kind); the loop moves it between devices in place."""
        ...

    lr: float  # the peak learning rate
    units_per_step: int  # tokens or dimensions in one batch, for the rate in the step events
    per_nat: float  # the reported loss's units per nat: 1 for nats, 1 / ln 2 for bits

    def describe(self) -> str:
        """The start event's message (parameters, data)."""
        ...

    def batch(self, gen: torch.Generator) -> Inputs:
        """One training batch, drawn on the CPU from `gen`: the same batches on any device."""
        ...

    def loss(self, inputs: Inputs) -> torch.Tensor:
        """Mean nats per unit of a batch (the batch's tensors moved to the model's device)."""
        ...

    def evaluate(self) -> float:
        """The held-out score of the eval events, in reported units."""
        ...

    def start_from(self) -> dict | None:
        """Load starting weights into a fresh run's model (--init-from), returning what the card
        says about them; None when the run starts from scratch. Not called on resumption."""
        ...

    def checkpoint_extra(self) -> dict:
        """What a resumed run needs besides weights, optimiser and RNG (vocabulary, palette...)."""
        ...

    def card(self, run: FinishedRun) -> dict:
        """The finished model's card, metrics measured on the trained weights."""
        ...

    def remeasure(self, out: Path, card: dict) -> dict:
        """The card with its metrics measured again on the float16 weights stored in `out`."""
        ...

    def final_score(self, card: dict) -> float:
        """The held-out score the done event reports."""
        ...


@runtime_checkable
class ShowsProgress(Protocol):
    """What a task brings for a person watching (text and images have it; a bare task need not)."""

    def sample(self, stop: threading.Event) -> object:
        """Something made by the current weights: a str (text) or a (H, W, 3) uint8 grid; None
        when `stop` was set while it was being made."""
        ...

    def snapshot_card(self, run: FinishedRun) -> dict:
        """The card of a snapshot of the weights: the finished card without measured metrics."""
        ...


@dataclass
class Watch:
    """What a person watching a run asks of it besides the finished model."""

    stop: threading.Event = field(default_factory=threading.Event)  # asked between steps
    sample_every: int = 0  # steps between samples from the current weights (0: none)
    snapshot_every: int = 0  # steps between numbered snapshots (0: none)
    keep_snapshots: int = 8


def run_training(
    cfg: RunSettings,
    make_task: Callable[[dict | None], TrainingTask],
    watch: Watch | None = None,
) -> Iterator[TrainEvent]:
    """Train the task `make_task(checkpoint state, or None for a fresh run)` builds: TrainEvents
    start, step..., eval, sample, checkpoint and snapshot at their intervals, then done (or
    stopped, when `watch.stop` was set). Raises CorpusError for an output folder that does not
    exist."""
    ranks = distributed.join_group(cfg.device)
    main = ranks is None or ranks.is_main
    try:
        for event in _train(cfg, make_task, watch or Watch(), ranks):
            if main:
                yield event
    finally:
        if ranks is not None:
            distributed.leave_group()


def _train(
    cfg: RunSettings,
    make_task: Callable[[dict | None], TrainingTask],
    watch: Watch,
    ranks: distributed.Ranks | None,
) -> Iterator[TrainEvent]:
    writes = ranks is None or ranks.is_main  # rank 0 alone writes files, evaluates and samples
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    ckpt_path = out.with_name(out.name + ".ckpt")
    if not out.parent.exists():
        raise CorpusError(f"{out.parent}: the output folder does not exist")
    state = None
    if cfg.resume and ckpt_path.exists() and writes:
        state = torch.load(ckpt_path, weights_only=True, map_location="cpu")
    if ranks is not None:
        state = distributed.shared_state(ranks, state)
    device = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)
    task = make_task(state)
    # before the optimiser, whose state follows it; Module.to moves it in place and returns it
    model = task.model.to(device)
    opt = adamw(model, task.lr, cfg.weight_decay)
    step, elapsed_before, last_val = 0, 0.0, None
    gen = torch.Generator().manual_seed(cfg.seed)
    # where the run started, for the card; a resumed run keeps it from its checkpoint
    started = state.get("init_from") if state is not None else task.start_from()
    command = cfg.command or " ".join(shlex.quote(a) for a in sys.argv)
    commands = [command]
    if state is not None:
        step, elapsed_before = restore_state(state, model, opt, gen)
        # image checkpoints written before the one loop named it val_bpd
        last_val = state.get("val_loss", state.get("val_bpd"))
        commands = list(state.get("commands") or []) + commands
    schedule = Schedule(
        lr=task.lr,
        max_steps=cfg.max_steps,
        warmup_steps=cfg.warmup_steps,
        min_lr_ratio=cfg.min_lr_ratio,
        budget_s=cfg.minutes * 60 if cfg.minutes else None,
        elapsed_before=elapsed_before,
    )

    # under torchrun: the task's loss through DDP, which averages the ranks' gradients
    parallel = distributed.parallel_loss(task, model, ranks) if ranks is not None else None

    def save_checkpoint() -> None:
        if not writes:
            return
        save_state(
            ckpt_path,
            model,
            opt,
            gen,
            step,
            schedule,
            val_loss=last_val,
            commands=commands,
            init_from=started,
            **task.checkpoint_extra(),
        )

    def finished(minutes_digits: int = 1) -> FinishedRun:
        return FinishedRun(
            steps=step,
            minutes=round(schedule.elapsed() / 60, minutes_digits),
            seed=cfg.seed,
            commands=commands,
            device=str(device),
            init_from=started,
        )

    shows = task if isinstance(task, ShowsProgress) else None
    unit = "nats/token" if task.per_nat == 1.0 else "bits/dim"
    log = None
    if writes:
        log = LossLog(loss_log_path(out), resume_step=step if state is not None else None)
        log.write("start", step, time=round(schedule.elapsed(), 3), unit=unit)
        if state is not None:
            snapshots.drop_after(out, step)
    try:
        yield TrainEvent("start", step, cfg.max_steps, message=task.describe(), unit=unit)
        model.train()
        meter = RateMeter(task.units_per_step)
        while True:
            go_on = step < cfg.max_steps and schedule.progress(step) < 1.0
            stop = watch.stop.is_set()
            lr = schedule.lr_at(step) if go_on else 0.0
            if ranks is not None:
                lr, go_on, stop = distributed.shared_step_plan(ranks, lr, go_on, stop)
            if not go_on:
                break
            if stop:
                save_checkpoint()
                yield TrainEvent("stopped", step, cfg.max_steps, message=str(ckpt_path))
                return
            for g in opt.param_groups:
                g["lr"] = lr
            batch = task.batch(gen)  # the global batch: the same on every rank
            if ranks is not None:
                batch = distributed.rank_slice(batch, ranks)
            inputs = tuple(None if t is None else t.to(device, non_blocking=True) for t in batch)
            loss = task.loss(inputs) if parallel is None else parallel(*inputs)
            optimise(model, opt, loss, cfg.grad_clip)
            step += 1
            loss_value = loss.item() if ranks is None else distributed.mean_over_ranks(loss)
            event = TrainEvent(
                "step",
                step,
                cfg.max_steps,
                loss=loss_value * task.per_nat,
                tokens_per_s=meter.step(),
                elapsed_s=schedule.elapsed(),
                eta_s=schedule.eta(step),
                lr=lr,
            )
            if log is not None:
                log.write(
                    "step",
                    step,
                    time=round(event.elapsed_s, 3),
                    loss=event.loss,
                    lr=lr,
                    tokens_per_s=round(event.tokens_per_s, 1),
                )
            yield event
            if step % cfg.eval_interval == 0 and writes:
                last_val = task.evaluate()
                if log is not None:
                    log.write("eval", step, time=round(schedule.elapsed(), 3), val_loss=last_val)
                yield TrainEvent(
                    "eval", step, cfg.max_steps, val_loss=last_val, elapsed_s=schedule.elapsed()
                )
            sample_now = watch.sample_every and step % watch.sample_every == 0
            if shows is not None and writes and sample_now:
                model.eval()
                sample = shows.sample(watch.stop)
                model.train()
                if sample is not None:
                    yield TrainEvent("sample", step, cfg.max_steps, sample=sample)
            if step % cfg.checkpoint_interval == 0:
                save_checkpoint()
                yield TrainEvent("checkpoint", step, cfg.max_steps, message=str(ckpt_path))
            every = watch.snapshot_every
            if shows is not None and writes and every and step % every == 0:
                path = snapshots.snapshot_path(out, step)
                path.parent.mkdir(exist_ok=True)
                card = shows.snapshot_card(finished(3))
                card["snapshot"] = {"step": step, "val_loss": last_val, "unit": unit}
                weights = {k: v.detach().cpu() for k, v in untied_state_dict(model).items()}
                save_model_file(path, weights, card)
                snapshots.thin(out, watch.keep_snapshots)
                yield TrainEvent("snapshot", step, cfg.max_steps, message=str(path))
        save_checkpoint()
    finally:
        if log is not None:
            log.close()
    if not writes:
        return

    model.eval()
    card = task.card(finished())
    model = model.to("cpu")  # model files hold CPU tensors; in place, as above
    save_model_file(out, untied_state_dict(model), card, half=cfg.half)
    if cfg.half:
        # the card reports the weights as stored, so `eval` reproduces it
        card = task.remeasure(out, card)
        save_model_file(out, untied_state_dict(model), card, half=True)
    yield TrainEvent(
        "done",
        step,
        cfg.max_steps,
        val_loss=task.final_score(card),
        elapsed_s=schedule.elapsed(),
        message=str(out),
    )
