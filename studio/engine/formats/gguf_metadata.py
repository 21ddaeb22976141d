"""A GGUF file's metadata and tensor table, read from a memory map of the file.

The header (keys and values, then the tensor table) is walked once with `struct`, using the `gguf`
package's type codes and block sizes; a tensor is a view of the mapped file, read from disk only
when `floats(name)` dequantises it with `gguf.quants.dequantize`, the package's own decoder of every
block format. (The package's `GGUFReader` builds a numpy object per vocabulary entry: 37 s for a
151,000-token vocabulary with its merges on this machine, against well under a second here.)
A file that is not GGUF, is cut short or is corrupt raises ModelFileError with one line.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.core.errors import ModelFileError

MAGIC = b"GGUF"
VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
# value type code -> struct format of one value (8 = string and 9 = array are read apart)
SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
NUMPY = {0: "u1", 1: "i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "?"}
NUMPY.update({10: "<u8", 11: "<i8", 12: "<f8"})
STRING, ARRAY = 8, 9


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # in torch order: (rows, columns) for a matrix
    type_name: str  # ggml's name of the stored type: "F32", "Q4_K", ...
    type_code: int
    start: int  # byte offset of its data in the file
    nbytes: int


class _Header:
    """A cursor over the mapped file's bytes."""

    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def scalar(self, fmt: str) -> Any:
        (value,) = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return value

    def string(self) -> str:
        n = self.scalar("Q")
        if self.pos + n > len(self.buf):
            raise ValueError("a text runs past the end of the file")
        out = bytes(self.buf[self.pos : self.pos + n]).decode("utf-8", errors="replace")
        self.pos += n
        return out

    def value(self, kind: int) -> Any:
        if kind in SCALARS:
            return self.scalar(SCALARS[kind])
        if kind == STRING:
            return self.string()
        if kind != ARRAY:
            raise ValueError(f"unknown value type {kind}")
        item, count = self.scalar("I"), self.scalar("Q")
        if item in NUMPY:  # numbers in one go (scores, token types)
            dtype = np.dtype(NUMPY[item])
            if self.pos + count * dtype.itemsize > len(self.buf):
                raise ValueError("an array runs past the end of the file")
            out = np.frombuffer(self.buf, dtype, count, self.pos).tolist()
            self.pos += count * dtype.itemsize
            return out
        return [self.value(item) for _ in range(count)]


class GGUFContents:
    """The metadata (`get`) and tensors (`tensors`, `floats`) of one GGUF file."""

    def __init__(self, path: Path, values: dict[str, Any], tensors: dict[str, TensorInfo]):
        self.path = path
        self.values = values
        self.tensors = tensors

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def floats(self, name: str) -> np.ndarray:
        """Tensor `name` dequantised to a new float32 array in its torch shape."""
        from gguf import GGMLQuantizationType, quants
        from gguf.quants import quant_shape_to_byte_shape

        info = self.tensors[name]
        qtype = GGMLQuantizationType(info.type_code)
        # a plain array over the mapped bytes: the decoder slices it thousands of times, and
        # each slice of a np.memmap is a new memmap object
        raw = np.asarray(np.memmap(self.path, np.uint8, "r", info.start, (info.nbytes,)))
        data: np.ndarray
        try:
            if info.type_name == "F32":
                data = raw.view(np.float32).reshape(info.shape)
            elif info.type_name == "F16":
                data = raw.view(np.float16).reshape(info.shape)
            else:  # blocks: rows of bytes, as the package's decoder takes them
                data = raw.reshape(quant_shape_to_byte_shape(info.shape, qtype))
            out = quants.dequantize(data, qtype)
        except Exception as e:  # the decoder on bytes that are not what they claim
            raise ModelFileError(self.path, f"cannot decode tensor {name} ({e})") from None
        return np.array(out, dtype=np.float32).reshape(info.shape)


def _tensor_table(h: _Header, count: int, path: Path) -> list[tuple[str, tuple, int, int]]:
    from gguf import GGMLQuantizationType

    out = []
    for _ in range(count):
        name = h.string()
        dims = [h.scalar("Q") for _ in range(h.scalar("I"))]
        code, offset = h.scalar("I"), h.scalar("Q")
        try:
            GGMLQuantizationType(code)
        except ValueError:
            raise ModelFileError(path, f"tensor {name} has an unknown type {code}") from None
        out.append((name, tuple(reversed(dims)), code, offset))  # ggml lists columns first
    return out


def open_gguf(path: Path) -> GGUFContents:
    """Read a GGUF file's header; ModelFileError (one line) if it is not one or is cut short."""
    from gguf import GGMLQuantizationType
    from gguf.constants import GGML_QUANT_SIZES

    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            magic = f.read(4)
        mapped = np.memmap(path, np.uint8, "r") if size > 0 else np.zeros(0, np.uint8)
    except OSError as e:
        raise ModelFileError(path, f"cannot read ({e.strerror})") from None
    if magic != MAGIC:
        raise ModelFileError(path, "not a GGUF file (it does not start with 'GGUF')")
    h = _Header(mapped.data)  # a memoryview of the mapped file
    h.pos = 4
    try:
        version = h.scalar("I")
        if version not in VERSIONS:
            raise ModelFileError(
                path, f"GGUF version {version} is not supported (only 2 and 3, little-endian)"
            )
        n_tensors, n_values = h.scalar("Q"), h.scalar("Q")
        values: dict[str, Any] = {}
        for _ in range(n_values):
            key = h.string()
            values[key] = h.value(h.scalar("I"))
        table = _tensor_table(h, n_tensors, path)
    except (struct.error, ValueError, IndexError, OverflowError, MemoryError) as e:
        raise ModelFileError(path, f"truncated or corrupt GGUF file ({e})") from None
    align = values.get("general.alignment", DEFAULT_ALIGNMENT)
    if not isinstance(align, int) or align <= 0 or align & (align - 1):
        raise ModelFileError(path, f"general.alignment={align!r} is not a power of two")
    data_start = -(-h.pos // align) * align
    tensors: dict[str, TensorInfo] = {}
    for name, shape, code, offset in table:
        qtype = GGMLQuantizationType(code)
        block, block_bytes = GGML_QUANT_SIZES[qtype]
        elements = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if elements % block:
            raise ModelFileError(
                path, f"tensor {name} is not a whole number of {qtype.name} blocks"
            )
        start, nbytes = data_start + offset, elements // block * block_bytes
        if start + nbytes > size:
            raise ModelFileError(
                path,
                f"truncated GGUF file: tensor {name} needs bytes up to {start + nbytes} "
                f"but the file has {size}",
            )
        if name in tensors:
            raise ModelFileError(path, f"tensor {name} is stored twice")
        tensors[name] = TensorInfo(name, shape, qtype.name, code, start, nbytes)
    return GGUFContents(path, values, tensors)
