"""Where a training run's files lie, beside its model file `<out>`: the checkpoint `<out>.ckpt`,
the loss log `<out>.loss.jsonl` and the snapshots `<out>.snapshots/step-000100.safetensors`.
Torch-free: the trainer writes them, the window finds them."""

from __future__ import annotations

import re
from pathlib import Path

_SNAPSHOT = re.compile(r"step-(\d+)\.safetensors$")


def _beside(out: str | Path, suffix: str) -> Path:
    out = Path(out)
    return out.with_name(out.name + suffix)


def checkpoint_path(out: str | Path) -> Path:
    return _beside(out, ".ckpt")


def loss_log_path(out: str | Path) -> Path:
    return _beside(out, ".loss.jsonl")


def snapshot_dir(out: str | Path) -> Path:
    return _beside(out, ".snapshots")


def snapshot_path(out: str | Path, step: int) -> Path:
    return snapshot_dir(out) / f"step-{step:06d}.safetensors"


def list_snapshots(out: str | Path) -> list[tuple[int, Path]]:
    """(step, file) of the run's snapshots, by step."""
    d = snapshot_dir(out)
    if not d.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in d.iterdir() if (m := _SNAPSHOT.search(p.name))]
    return sorted(found)
