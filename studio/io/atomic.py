"""Atomic file writes: a temporary file in the target's folder, fsync, then `os.replace`.

A failure at any point (unwritable folder, full disk) removes the temporary file, leaves any existing
target untouched, and re-raises the `OSError` for the caller to report. The one implementation lives
with the model files in the engine; io re-exports it for exports and settings.
"""

from __future__ import annotations

from pathlib import Path

from studio.engine.modelfile import atomic_write_bytes

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
