"""`plot-loss LOG.jsonl --out loss.png`, and `train ... --plot loss.png`: the loss curve the Train
tab shows, drawn from a loss log (the same pyqtgraph widget, offscreen) and saved as a PNG."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.core.errors import StudioError


def add_plot_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot-loss", help="save the loss curve of a training run's loss log")
    p.add_argument("log", help="the run's loss log, <model file>.loss.jsonl")
    p.add_argument("--out", required=True, help="the picture to write (.png)")
    p.add_argument("--force", action="store_true", help="overwrite an existing picture")


def check_plot_path(out: str, force: bool) -> None:
    """Refuse, before any work, a picture path that cannot be written (one line)."""
    path = Path(out)
    if path.suffix.lower() != ".png":
        raise StudioError(f"{out}: the plot is a PNG picture; name it .png")
    if path.is_dir():
        raise StudioError(f"{out}: a folder, not a file")
    if not path.parent.is_dir():
        raise StudioError(f"{path.parent}: the folder does not exist")
    if path.exists() and not force:
        raise StudioError(f"{out} exists; add --force to overwrite it")


def save_plot(log: str | Path, out: str) -> None:
    from studio.core.loss_log import read_loss_log
    from studio.ui.loss_plot import save_loss_plot

    records = read_loss_log(log)
    if not any(r.get("kind") in ("step", "eval") for r in records):
        raise StudioError(f"{log}: no losses in this log")
    title = Path(log).name.removesuffix(".loss.jsonl")
    try:
        save_loss_plot(records, out, title=title)
    except OSError as e:
        raise StudioError(str(e)) from None


def plot_loss_command(args: argparse.Namespace) -> int:
    if not Path(args.log).is_file():
        raise StudioError(f"{args.log}: no such loss log")
    check_plot_path(args.out, args.force)
    save_plot(args.log, args.out)
    print(args.out)
    return 0
