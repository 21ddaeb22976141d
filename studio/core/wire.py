"""Messages between the window's process and the engine process: framing and safe unpickling.

A message is a tuple `(name, *fields)` pickled (protocol 5) behind its length (4 bytes, little
endian). Pickle carries numpy arrays and our event dataclasses at little cost. The reading side
rebuilds only plain data: types from studio.core, numpy arrays and a few builtins. Anything else
(a torch tensor sent by mistake, or a class of the engine) is refused with `WireError`, so the
window's process never imports torch or the engine by unpickling a message.
"""

from __future__ import annotations

import io
import pickle
import struct
from typing import IO

_LENGTH = struct.Struct("<I")
PROTOCOL = 5

# (module, name) pairs numpy's arrays and scalars pickle themselves with (numpy 1.x and 2.x)
_NUMPY = {
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}
_BUILTINS = {"set", "frozenset", "complex", "slice", "range", "bytearray"}


class WireError(ValueError):
    """A message that is not one, or that would build something other than plain data."""


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's own signature
        allowed = (
            (module.startswith("studio.core.") and not name.startswith("_"))
            or (module, name) in _NUMPY
            or (module == "builtins" and name in _BUILTINS)
            or (module == "copyreg" and name == "_reconstructor")
        )
        if not allowed:
            raise WireError(f"refused to rebuild {module}.{name}: not plain data")
        return super().find_class(module, name)


def dumps(message: tuple) -> bytes:
    """A message's bytes on the wire (length, then the pickle)."""
    body = pickle.dumps(message, protocol=PROTOCOL)
    return _LENGTH.pack(len(body)) + body


def loads(body: bytes) -> tuple:
    """A message from its pickle (without the length)."""
    try:
        message = _PlainUnpickler(io.BytesIO(body)).load()
    except WireError:
        raise
    except Exception as e:  # noqa: BLE001 - any malformed pickle is one kind of error here
        raise WireError(f"unreadable message ({type(e).__name__}: {e})") from None
    if not isinstance(message, tuple) or not message or not isinstance(message[0], str):
        raise WireError("a message is a tuple starting with its name")
    return message


def write_message(out: IO[bytes], message: tuple) -> None:
    out.write(dumps(message))
    out.flush()


def _read_exactly(inp: IO[bytes], n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = inp.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(inp: IO[bytes]) -> tuple | None:
    """The next message, or None at the end of the stream (the other process is gone)."""
    head = _read_exactly(inp, _LENGTH.size)
    if head is None:
        return None
    (length,) = _LENGTH.unpack(head)
    body = _read_exactly(inp, length)
    if body is None:
        return None
    return loads(body)
