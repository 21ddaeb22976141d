"""A GGUF file's metadata and tensor table, through the `gguf` package's memory-mapped reader.

`open_gguf` parses the header (keys, values, the tensor table) and checks that every tensor's
bytes lie inside the file; nothing else is read until `floats(name)` dequantises one tensor (with
`gguf.quants.dequantize`, the package's own decoder of every block format). A file that is not
GGUF, is cut short or is corrupt raises ModelFileError with one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.core.errors import ModelFileError

MAGIC = b"GGUF"


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # in torch order: (rows, columns) for a matrix
    type_name: str  # ggml's name of the stored type: "F32", "Q4_K", ...
    reader_tensor: Any  # gguf's ReaderTensor: its `data` is a view of the memory-mapped file


def _value(field: Any) -> Any:
    """A metadata field's value: a number, bool, text, or a list of them."""
    from gguf import GGUFValueType

    if not field.types:
        return None

    def text(part: Any) -> str:
        return bytes(part).decode("utf-8", errors="replace")

    if field.types[0] == GGUFValueType.ARRAY:
        if field.types[-1] == GGUFValueType.STRING:
            return [text(field.parts[i]) for i in field.data]
        return [v for i in field.data for v in field.parts[i].tolist()]
    if field.types[0] == GGUFValueType.STRING:
        return text(field.parts[-1])
    value = field.parts[-1].tolist()[0]
    return bool(value) if field.types[0] == GGUFValueType.BOOL else value


class GGUFContents:
    """The metadata (`get`) and tensors (`tensors`, `floats`) of one GGUF file."""

    def __init__(self, path: Path, reader: Any) -> None:
        self.path = path
        self._reader = reader
        self._values: dict[str, Any] = {}
        self.tensors: dict[str, TensorInfo] = {}
        for t in reader.tensors:
            shape = tuple(int(d) for d in reversed(t.shape.tolist()))  # ggml lists columns first
            self.tensors[t.name] = TensorInfo(t.name, shape, t.tensor_type.name, t)

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self._values:
            field = self._reader.fields.get(key)
            self._values[key] = None if field is None else _value(field)
        value = self._values[key]
        return default if value is None else value

    def floats(self, name: str) -> np.ndarray:
        """Tensor `name` dequantised to a new float32 array in its torch shape."""
        from gguf import quants

        info = self.tensors[name]
        t = info.reader_tensor
        try:
            out = quants.dequantize(t.data, t.tensor_type)
        except Exception as e:  # the package's decoder on bytes that are not what they claim
            raise ModelFileError(self.path, f"cannot decode tensor {name} ({e})") from None
        return np.array(out, dtype=np.float32, copy=True).reshape(info.shape)


def open_gguf(path: Path) -> GGUFContents:
    """Parse a GGUF file's header; ModelFileError (one line) if it is not one or is cut short."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ModelFileError(path, f"cannot read ({e.strerror})") from None
    if magic != MAGIC:
        raise ModelFileError(path, "not a GGUF file (it does not start with 'GGUF')")
    try:
        from gguf import GGUFReader

        reader = GGUFReader(path)
    except ImportError:
        raise ModelFileError(path, "reading GGUF files needs the gguf package") from None
    except Exception as e:  # the reader fails in many ways on a cut or damaged header
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelFileError(path, f"truncated or corrupt GGUF file ({reason})") from None
    contents = GGUFContents(path, reader)
    for t in reader.tensors:
        end = int(t.data_offset) + int(t.n_bytes)
        if end > size or t.data.nbytes != t.n_bytes:
            raise ModelFileError(
                path,
                f"truncated GGUF file: tensor {t.name} needs bytes up to {end} "
                f"but the file has {size}",
            )
    return contents
