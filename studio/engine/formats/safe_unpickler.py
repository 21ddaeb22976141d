"""Reading small pickles (nanoGPT's `meta.pkl`) without letting them run code.

A pickle runs code by naming a callable (`GLOBAL`, `STACK_GLOBAL`, `INST`, `OBJ`, `EXT*` opcodes all go
through `find_class`) and then calling it. Refusing every `find_class` leaves only what the pickle
machine builds by itself: dicts, lists, tuples, sets, str, bytes, int, float, bool and None.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from studio.core.errors import ModelFileError

# nanoGPT's meta.pkl for a character vocabulary is a few kilobytes; anything this large is not one.
MAX_PICKLE_BYTES = 64 * 1024 * 1024


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that admits plain data only; any reference to a class or function is refused."""

    def __init__(self, file: io.BufferedIOBase, path: str | Path) -> None:
        super().__init__(file)
        self._path = path

    def find_class(self, module: str, name: str) -> Any:
        raise ModelFileError(
            self._path,
            f"refused to unpickle {module}.{name}: only plain data (dicts, lists, strings, numbers) "
            "is allowed in this file",
        )

    def persistent_load(self, pid: Any) -> Any:
        # persistent ids let a pickle reach objects outside itself (torch uses them for storages)
        raise ModelFileError(self._path, "refused to unpickle a persistent reference")


def load_plain_pickle(path: str | Path) -> Any:
    """The plain data in a pickle file; ModelFileError for anything else or any corruption."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PICKLE_BYTES:
            raise ModelFileError(path, f"{size} bytes is too large for a vocabulary pickle")
        data = path.read_bytes()
    except OSError as e:
        raise ModelFileError(path, e.strerror or str(e)) from None
    if not data:
        raise ModelFileError(path, "the file is empty")
    try:
        return RestrictedUnpickler(io.BytesIO(data), path).load()
    except ModelFileError:
        raise
    except Exception as e:  # a corrupt pickle can raise almost anything: report it, never crash
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelFileError(path, f"not a readable pickle ({reason})") from None


def load_torch_weights_only(path: str | Path) -> Any:
    """`torch.load(path, weights_only=True)` on the CPU, with every failure as one ModelFileError.

    weights_only admits tensors and plain containers and refuses every other global, so a hostile
    checkpoint cannot run code; its long multi-line refusal is cut down to the global it named.
    Zip-format checkpoints are memory-mapped, so optimizer state that a checkpoint carries along
    costs no memory until (never) touched.
    """
    import warnings
    import zipfile

    import torch

    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise ModelFileError(path, e.strerror or str(e)) from None
    if size == 0:
        raise ModelFileError(path, "the file is empty")
    is_zip = zipfile.is_zipfile(path)
    if not is_zip:
        if head.startswith(b"PK"):
            raise ModelFileError(path, "truncated or corrupt checkpoint (broken zip archive)")
        if not head.startswith(b"\x80"):  # every pickle of protocol 2 or later starts with PROTO
            raise ModelFileError(
                path, "not a PyTorch checkpoint (neither a zip archive nor a pickle)"
            )
    try:
        with warnings.catch_warnings():
            # torch warns (several lines) about pickle protocols of legacy files; the person
            # gets our one-line verdict instead
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True, mmap=is_zip)
    except Exception as e:  # torch.load raises many types for corrupt input; all mean "bad file"
        raise ModelFileError(path, _torch_load_reason(e)) from None


def _torch_load_reason(e: Exception) -> str:
    import re

    text = str(e)
    m = re.search(r"(?:unsupported GLOBAL|Unsupported global: GLOBAL) ([\w.]+)", text)
    if m:
        return (
            f"refused: the checkpoint refers to {m.group(1)}, which is not plain data "
            "(loading it could run code)"
        )
    m = re.search(r"Unsupported operand (\d+)", text)
    if m:
        return f"not a PyTorch checkpoint (unsupported pickle opcode {m.group(1)})"
    if isinstance(e, EOFError):
        return "truncated checkpoint (ended early)"
    if isinstance(e, OSError):
        return f"truncated or corrupt checkpoint ({e.strerror or text})"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return f"cannot read the checkpoint ({lines[0] if lines else type(e).__name__})"
