"""A weight file's tensors read a block of rows at a time, straight into memory the caller keeps.

`safetensors.torch.load_file` reads a whole file into fresh memory; copying that into a model's
parameters holds the weights twice. Here a stored tensor is read in blocks of rows (`rows(first,
n)`, a positioned read of just those bytes), each converted into its parameter (copied, or
quantised to int8) and dropped before the next: loading holds the model plus one block.

Why reads rather than a memory map: a map's pages count in the process's memory until handed back,
and handing them back (MADV_DONTNEED) was not enough here: depending on the state the kernel left
a freshly written file's cached pages in, the same load peaked at 1.02x or 4.8x the int8 weights.
A read copies one block through the page cache, which the process never maps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import torch

from studio.core.errors import ModelFileError
from studio.engine.formats.studio_file import read_header

DTYPES = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F64": torch.float64,
    "I64": torch.int64,
    "I32": torch.int32,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


class StoredTensor:
    """One tensor of a file (or of a state dict already in memory), read by blocks of rows."""

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: torch.dtype,
        path: Path | None = None,
        offset: int = 0,
        whole: torch.Tensor | None = None,
    ):
        self.shape, self.dtype = torch.Size(shape), dtype
        self._path, self._offset, self._whole = path, offset, whole

    def dim(self) -> int:
        return len(self.shape)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def row_bytes(self) -> int:
        """Bytes of one row (of the whole tensor, for a 0- or 1-dimensional one)."""
        per = torch.empty((), dtype=self.dtype).element_size()
        return per * (
            math.prod(self.shape[1:]) if self.dim() > 1 else max(1, math.prod(self.shape))
        )

    def rows(self, first: int, n: int) -> torch.Tensor:
        """Rows first .. first+n (all of a 0- or 1-dimensional tensor), as a fresh tensor."""
        if self.dim() <= 1:
            first, n = 0, 1
            shape: tuple[int, ...] = tuple(self.shape)
        else:
            n = min(n, self.shape[0] - first)
            shape = (n, *self.shape[1:])
        if self._whole is not None:
            return self._whole if self.dim() <= 1 else self._whole[first : first + n]
        out = torch.empty(shape, dtype=self.dtype)
        size = n * self.row_bytes()
        if size:
            buf = out.view(-1).view(torch.uint8).numpy()  # the tensor's own bytes
            assert self._path is not None
            with open(self._path, "rb", buffering=0) as f:
                f.seek(self._offset + first * self.row_bytes())
                if f.readinto(buf.data) != size:
                    raise ModelFileError(self._path, "truncated tensor data")
        return out


def safetensors_tensors(path: Path) -> Iterator[tuple[str, StoredTensor]]:
    """(name, StoredTensor) of each tensor of a safetensors file, from its header (checked)."""
    header, _ = read_header(path)
    with open(path, "rb") as f:
        base = 8 + int.from_bytes(f.read(8), "little")
    for name, info in header.items():
        dtype = DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise ModelFileError(path, f"tensor {name} has unsupported dtype {info.get('dtype')}")
        shape = tuple(info.get("shape", ()))
        begin, end = info["data_offsets"]
        if math.prod(shape) * torch.empty((), dtype=dtype).element_size() != end - begin:
            raise ModelFileError(path, f"tensor {name}: its shape and byte length disagree")
        yield name, StoredTensor(shape, dtype, path, base + begin)


def in_memory(t: torch.Tensor) -> StoredTensor:
    return StoredTensor(tuple(t.shape), t.dtype, whole=t)
