"""Training under torchrun: two CPU processes over gloo take exactly the steps one process takes
with the same global batch, resume included, and only rank 0 writes and reports."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--preset", "tiny", "--eval-interval", "2", "--threads", "1", "--device", "cpu"]


def _corpus(folder: Path) -> Path:
    rng = random.Random(0)
    words = ["the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far"]
    lines = (" ".join(rng.choice(words) for _ in range(12)) for _ in range(400))
    path = folder / "corpus.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _train(out: str, steps: int, corpus: Path, *extra: str) -> list[str]:
    cmd = ["train", "text", "--corpus", str(corpus), "--out", out, "--max-steps", str(steps)]
    return cmd + list(extra)


def _torchrun(*args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "studio",
        *args,
    ]


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True, map_location="cpu")["model"]


def test_two_gloo_processes_equal_one_process_with_the_same_global_batch(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    one = [sys.executable, "-m", "studio", *_train("one.safetensors", 6, corpus), *FLAGS]
    _run(one, tmp_path)
    # two processes: 4 steps, then resumed to 6, with the checkpoint rank 0 wrote
    _run(_torchrun(*_train("two.safetensors", 4, corpus), *FLAGS), tmp_path)
    two = _run(_torchrun(*_train("two.safetensors", 6, corpus), *FLAGS, "--resume"), tmp_path)

    a = _weights(tmp_path / "one.safetensors.ckpt")
    b = _weights(tmp_path / "two.safetensors.ckpt")
    assert a.keys() == b.keys()
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    assert worst < 1e-5
    # and training moved them: the comparison is not between two untouched models
    assert torch.load(tmp_path / "two.safetensors.ckpt", weights_only=True)["step"] == 6
    # rank 0 alone reports: one "done" line, not two
    assert two.stderr.count("done: ") == 1
    assert (tmp_path / "two.safetensors").exists()
