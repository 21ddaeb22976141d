"""The loss log: one JSON object per line beside the checkpoint (`<out>.loss.jsonl`).

Lines are appended and flushed one at a time, so a killed training process leaves every complete
line (a half-written last line is skipped when read, and dropped when the run resumes). A resumed
run first rewrites the log (atomically) without the lines beyond its checkpoint's step, so the
curve has no steps twice. Records:

    {"kind": "start", "step": 0, "unit": "nats/token", "time": 0.0}
    {"kind": "step", "step": 12, "time": 3.1, "loss": 2.71, "lr": 0.003, "tokens_per_s": 8123.0}
    {"kind": "eval", "step": 50, "time": 9.8, "val_loss": 2.65}

Torch-free and Qt-free: the trainer writes it, the window and `plot-loss` read it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO

from studio.core.atomic import atomic_write_text
from studio.core.train_files import loss_log_path  # noqa: F401 - where the log lies, re-exported


def read_loss_log(path: str | Path) -> list[dict]:
    """The log's complete records, in order (an unreadable or half-written line is skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("step"), int):
            records.append(record)
    return records


def _clean(value: object) -> object:
    # JSON has no NaN or infinity: a diverged loss is written as null
    return None if isinstance(value, float) and not math.isfinite(value) else value


class LossLog:
    """Appends records to a loss log; `resume_step` None starts a new log, a step keeps the records
    up to it (a resumed run)."""

    def __init__(self, path: str | Path, resume_step: int | None = None) -> None:
        self.path = Path(path)
        kept = [] if resume_step is None else read_loss_log(self.path)
        kept = [r for r in kept if r["step"] <= (resume_step or 0)]
        atomic_write_text(self.path, "".join(json.dumps(r) + "\n" for r in kept))
        self._file: IO[str] | None = self.path.open("a", encoding="utf-8")

    def write(self, kind: str, step: int, **fields: object) -> None:
        if self._file is None:
            return
        record = {"kind": kind, "step": step} | {k: _clean(v) for k, v in fields.items()}
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
