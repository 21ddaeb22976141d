"""What `train text` and `train image` share: their budget and machine flags, the `--set KEY=VALUE`
overrides, and the command line the model card records."""

from __future__ import annotations

import argparse
import shlex
import sys


def add_budget_flags(p: argparse.ArgumentParser, max_steps: int) -> None:
    p.add_argument("--minutes", type=float, help="time budget; the schedule anneals to it")
    p.add_argument("--max-steps", type=int, default=max_steps)
    p.add_argument("--resume", action="store_true", help="continue from <out>.ckpt")


def add_watch_flags(p: argparse.ArgumentParser) -> None:
    """What a run writes besides the model: the curve's picture and numbered snapshots."""
    p.add_argument(
        "--plot",
        metavar="PNG",
        help="save the loss curve (from <out>.loss.jsonl) to this picture when the run ends",
    )
    p.add_argument(
        "--snapshot-every",
        type=int,
        default=0,
        metavar="N",
        help="keep a snapshot of the weights every N steps in <out>.snapshots/ (a few, spread)",
    )


def watch_from(args: argparse.Namespace):  # noqa: ANN201 - the engine's Watch, imported late
    """The trainer's Watch for these flags; a --plot path that cannot be written is refused first."""
    from studio.engine.train.trainer import Watch

    if args.plot:
        from studio.cli.plot_command import check_plot_path

        check_plot_path(args.plot, force=True)  # the run's own curve, drawn again each run
    if args.snapshot_every < 0:
        raise ValueError("--snapshot-every must be 0 (none) or more")
    return Watch(snapshot_every=args.snapshot_every)


def finish_plot(args: argparse.Namespace) -> None:
    """Save the curve of the run that just ended, as --plot asked (under torchrun, by rank 0
    alone, which wrote the log)."""
    import os

    if args.plot and os.environ.get("RANK", "0") == "0":
        from studio.cli.plot_command import save_plot
        from studio.core.loss_log import loss_log_path

        save_plot(loss_log_path(args.out), args.plot)


def add_machine_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--half", action="store_true", help="store float16 weights")
    p.add_argument("--threads", type=int)
    p.add_argument(
        "--device",
        default="auto",
        choices=["auto", "cpu", "cuda", "mps"],
        help="where to train (auto: a GPU if there is one)",
    )


def add_set_flag(p: argparse.ArgumentParser, what: str) -> None:
    """--set KEY=VALUE, any number of times; `what` says which keys there are."""
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=what)


def parse_overrides(pairs: list[str]) -> dict[str, int | float]:
    """The --set pairs as numbers: whole ones as int, others (0.5, 3e-4) as float. A pair that is
    not KEY=NUMBER raises ValueError, which the command line prints as one line."""
    overrides: dict[str, int | float] = {}
    for kv in pairs:
        key, _, value = kv.partition("=")
        if not value:
            raise ValueError(f"--set {kv}: expected KEY=VALUE")
        try:
            overrides[key] = float(value) if any(ch in value for ch in ".e") else int(value)
        except ValueError:
            raise ValueError(f"--set {kv}: {value!r} is not a number") from None
    return overrides


def run_fields(args: argparse.Namespace) -> dict:
    """The fields of a training config (text_task.TrainConfig, image_task.ImageTrainConfig) that
    come from the flags both commands take; checkpoints are written at every evaluation."""
    return {
        "out": args.out,
        "name": args.name,
        "title": args.title,
        "minutes": args.minutes,
        "max_steps": args.max_steps,
        "seed": args.seed,
        "resume": args.resume,
        "eval_interval": args.eval_interval,
        "checkpoint_interval": args.eval_interval,
        "half": args.half,
        "threads": args.threads,
        "device": args.device,
        "overrides": parse_overrides(args.set),
        "command": command_line(),
    }


def command_line() -> str:
    """This process's command, as the card records it."""
    return "aigc-studio " + " ".join(shlex.quote(a) for a in sys.argv[1:])
