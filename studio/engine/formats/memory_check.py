"""Refusing a model too large for the memory this machine has free, before any weight is read.

Opening a model bigger than the free memory would swap the machine to a standstill or get the engine
killed mid-load. The weights' size in memory is known from the safetensors headers alone: every
tensor is computed in float32, so a bfloat16 checkpoint needs twice its file size. Models in other
files (nanoGPT's `ckpt.pt`) are counted by their file size; a GGUF file by its tensor table, every
quantised weight dequantised to float32. Free memory is the kernel's
MemAvailable; where it cannot be read (not Linux), nothing is refused.
"""

from __future__ import annotations

import math
from pathlib import Path

from studio.core.errors import ModelFileError
from studio.engine.formats.studio_file import read_header

COMPUTE_BYTES = 4  # float32 per parameter, as every reader computes
HEADROOM = 1.2  # activations, caches and the process itself beside the weights


def weights_in_memory(path: Path) -> int:
    """Bytes the weights of the model at `path` (a file or a folder) take once loaded."""
    files = [path]
    if path.is_dir():  # a folder's safetensors, or else its pickled weights (ckpt.pt, *.bin)
        files = sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
        files = files or sorted(path.glob("*.pt"))
    if path.suffix.lower() == ".gguf":  # quantised blocks are dequantised to float32
        from studio.engine.formats.gguf_file import weights_in_memory as gguf_weights

        return gguf_weights(path, COMPUTE_BYTES)
    total = 0
    for f in files:
        if f.suffix != ".safetensors":
            total += f.stat().st_size
            continue
        header, _ = read_header(f)
        for info in header.values():
            total += math.prod(info.get("shape", [])) * COMPUTE_BYTES
    return total


def available_memory(meminfo: str = "/proc/meminfo") -> int | None:
    """The kernel's estimate of memory available to a new program, in bytes, or None."""
    try:
        with open(meminfo) as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def check_fits(path: Path, available: int | None = None) -> None:
    """ModelFileError (both sizes named) when the model at `path` cannot fit in free memory."""
    free = available_memory() if available is None else available
    if free is None:
        return
    try:
        need = weights_in_memory(path)
    except OSError:
        return  # the reader says what is wrong with the file, in its own words
    if need * HEADROOM > free:
        raise ModelFileError(
            path,
            f"needs about {_gb(need * HEADROOM)} of memory (weights {_gb(need)} in float32) but "
            f"only {_gb(free)} is free; close other programs or use a smaller model",
        )
