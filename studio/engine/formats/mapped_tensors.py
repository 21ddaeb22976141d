"""A safetensors file's tensors read through a memory map, one at a time, each released after use.

`safetensors.torch.load_file` reads a whole file into fresh memory; copying that into a model's
parameters holds the weights twice. Here each tensor is a view of a private (copy-on-write) map of
the file: reading it faults in only its pages, and `release(name)` hands those pages back
(MADV_DONTNEED), so loading a model tensor by tensor holds the model plus one tensor at most.
"""

from __future__ import annotations

import contextlib
import mmap
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
PAGE = mmap.PAGESIZE


class MappedSafetensors:
    """with MappedSafetensors(path) as f: for name in f.names(): t = f.get(name); ...; f.release(name)"""

    def __init__(self, path: Path):
        self.path = path
        self.header, _ = read_header(path)
        with open(path, "rb") as fh:
            self.base = 8 + int.from_bytes(fh.read(8), "little")  # data start
            size = fh.seek(0, 2)
            self.map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY) if size else None

    def __enter__(self) -> MappedSafetensors:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> Iterator[str]:
        return iter(self.header)

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.header[name].get("shape", ()))

    def get(self, name: str) -> torch.Tensor:
        """The tensor, a view of the map (no copy; writes to it stay in this process)."""
        info = self.header[name]
        dtype = DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise ModelFileError(
                self.path, f"tensor {name} has unsupported dtype {info.get('dtype')}"
            )
        shape = tuple(info.get("shape", ()))
        begin, end = info["data_offsets"]
        count = 1
        for s in shape:
            count *= s
        item = torch.empty((), dtype=dtype).element_size()
        if count * item != end - begin:
            raise ModelFileError(self.path, f"tensor {name}: its shape and byte length disagree")
        if count == 0 or self.map is None:
            return torch.empty(shape, dtype=dtype)
        if (self.base + begin) % item:  # misaligned data: a copy (never in files we know)
            raw = bytearray(self.map[self.base + begin : self.base + end])
            return torch.frombuffer(raw, dtype=dtype).view(shape)
        flat = torch.frombuffer(self.map, dtype=dtype, count=count, offset=self.base + begin)
        return flat.view(shape)

    def release(self, name: str, first: int = 0, rows: int | None = None) -> None:
        """Give back the memory of the tensor's whole pages (they are read again if touched):
        all of it, or of `rows` rows (along its first dimension) from `first`."""
        if self.map is None:
            return
        begin, end = self.header[name]["data_offsets"]
        shape = self.header[name].get("shape") or [1]
        if rows is not None and shape[0]:
            row_bytes = (end - begin) // shape[0]
            begin, end = begin + first * row_bytes, min(end, begin + (first + rows) * row_bytes)
        start = -(-(self.base + begin) // PAGE) * PAGE
        stop = (self.base + end) // PAGE * PAGE
        dontneed = getattr(mmap, "MADV_DONTNEED", None)  # not on every system
        if stop > start and dontneed is not None:
            self.map.madvise(dontneed, start, stop - start)

    def close(self) -> None:
        if self.map is not None:
            # BufferError: a tensor view still exists, and the map goes when it does
            with contextlib.suppress(BufferError):
                self.map.close()
