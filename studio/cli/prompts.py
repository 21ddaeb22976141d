"""The prompt of `aigc-studio generate`: `--prompt TEXT`, `--prompt -` (standard input) or
`--prompt-file FILE`, read as UTF-8. A missing or unreadable file, or bytes that are not UTF-8, are
one line (PromptError, exit status 2)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from studio.core.errors import StudioError


class PromptError(StudioError):
    """The prompt cannot be read; the message is one line naming where it came from."""


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise PromptError(
            f"{where}: not UTF-8 text (byte 0x{data[e.start]:02x} on line {line}); save it as UTF-8"
        ) from None


def read_prompt(prompt: str, prompt_file: str | None, stdin: BinaryIO | None = None) -> str:
    """The prompt text from the command's flags; `stdin` (bytes) stands in for standard input."""
    if prompt_file is not None:
        if prompt:
            raise PromptError("give the prompt once: --prompt or --prompt-file, not both")
        path = Path(prompt_file)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise PromptError(f"--prompt-file {prompt_file}: no such file") from None
        except IsADirectoryError:
            raise PromptError(f"--prompt-file {prompt_file}: is a folder, not a file") from None
        except OSError as e:
            raise PromptError(f"--prompt-file {prompt_file}: {e.strerror or e}") from None
        return _decode(data, f"--prompt-file {prompt_file}")
    if prompt == "-":
        source = stdin if stdin is not None else sys.stdin.buffer
        return _decode(source.read(), "--prompt - (standard input)")
    return prompt
