"""Refusing a model too large for the memory this machine has free, before any weight is read.

Opening a model bigger than the free memory would swap the machine to a standstill or get the engine
killed mid-load. The weights' size in memory is known from the safetensors headers alone, in the
precision the model will compute in (formats/precision.py): 4 bytes a weight in float32 (a
bfloat16 checkpoint computed in float32 needs twice its file size), 2 in bfloat16, and in int8 one
byte a weight of every matrix but the token and position tables a separate output layer leaves in
float32, plus a bfloat16 scale a row. Models in other files (nanoGPT's `ckpt.pt`) are counted by
their file size; a GGUF file by its tensor table, every quantised weight dequantised into the
precision. Free memory is the kernel's
MemAvailable; where it cannot be read (not Linux), nothing is refused.
"""

from __future__ import annotations

import math
from pathlib import Path

from studio.core.errors import ModelFileError
from studio.engine.formats.precision import resolve
from studio.engine.formats.studio_file import CARD_KEY, read_header

BYTES = {"float32": 4, "bfloat16": 2}
STORED = {"F32": "float32", "BF16": "bfloat16"}  # safetensors' names of the dtypes auto keeps
# tables only gathered from, left in float32 by int8 when a separate lm_head.weight is the output
FLOAT_TABLES = ("embed_tokens.weight", "wte.weight", "wpe.weight")
HEADROOM = 1.2  # activations, caches and the process itself beside the weights


def _tensor_bytes(name: str, shape: list[int], precision: str, untied: bool) -> int:
    n = math.prod(shape)
    if precision != "int8":
        return n * BYTES[precision]
    if len(shape) != 2 or name.endswith("wpe.weight") or (untied and name.endswith(FLOAT_TABLES)):
        return n * 4
    return n + 2 * shape[0]  # int8 weights, a bfloat16 scale per output channel


def weights_in_memory(path: Path, precision: str = "float32") -> int:
    """Bytes the weights of the model at `path` (a file or a folder) take once loaded in
    `precision` (auto, float32, bfloat16, int8)."""
    files = [path]
    if path.is_dir():  # a folder's safetensors, or else its pickled weights (ckpt.pt, *.bin)
        files = sorted(path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
        files = files or sorted(path.glob("*.pt"))
    if path.suffix.lower() == ".gguf":  # quantised blocks are dequantised into the precision
        from studio.engine.formats.gguf_file import weights_in_memory as gguf_weights

        return gguf_weights(path, 2 if precision == "bfloat16" else 4)
    headers = []
    total = 0
    for f in files:
        if f.suffix != ".safetensors":
            total += f.stat().st_size
        else:
            headers.append(read_header(f)[0])
    tensors = {k: v for h in headers for k, v in h.items() if isinstance(v, dict)}
    if precision == "auto":
        # our own model files are computed in float32; others as formats/precision.py resolves
        ours = any(CARD_KEY in read_header(f)[1] for f in files if f.suffix == ".safetensors")
        stored = {STORED.get(str(v.get("dtype")), "other") for v in tensors.values()}
        precision = "float32" if ours else resolve("auto", stored)
    untied = "lm_head.weight" in tensors
    for name, info in tensors.items():
        total += _tensor_bytes(name, list(info.get("shape", [])), precision, untied)
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


def check_fits(path: Path, available: int | None = None, precision: str = "auto") -> None:
    """ModelFileError (both sizes named) when the model at `path`, computed in `precision`, cannot
    fit in free memory."""
    free = available_memory() if available is None else available
    if free is None:
        return
    try:
        need = weights_in_memory(path, precision)
    except OSError:
        return  # the reader says what is wrong with the file, in its own words
    shown = "the stored precision" if precision == "auto" else precision
    if need * HEADROOM > free:
        raise ModelFileError(
            path,
            f"needs about {_gb(need * HEADROOM)} of memory (weights {_gb(need)} in {shown}) but "
            f"only {_gb(free)} is free; close other programs, use a smaller model or a smaller "
            "--dtype",
        )
