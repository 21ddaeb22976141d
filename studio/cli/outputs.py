"""Where the command line writes, checked before any work: a bad `--output` or `--gif` costs nothing.

The file name's extension decides the format:

    text models    .txt    the text, exactly as printed (several samples: one after another)
                   .md     the text and a table of the settings
                   .json   the run as the window's File > Export writes it (File > Open and
                           `aigc-studio stages` read it back)
                   .jsonl  the events, one JSON object a line (as `--format jsonl` prints them)
    image models   .png    the picture (a batch as one grid) with its settings in text chunks
                   .gif    the drawing, animated
                   .json   the run as the window keeps it (pictures, pixel maps; File > Open)

An existing file is overwritten only with --force; a missing folder, a folder given as the file,
and a place that cannot be written are refused. Each problem is one line (OutputError: exit
status 2, said before the model loads).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from studio.core.errors import StudioError

TEXT_FORMATS = (".txt", ".md", ".json", ".jsonl")
IMAGE_FORMATS = (".png", ".gif", ".json")


class OutputError(StudioError):
    """An output file that cannot or should not be written; the message is one line."""


def formats_for(kind: str | None) -> tuple[str, ...]:
    """The extensions --output takes for a model kind ("text", "image"; None: either)."""
    image = IMAGE_FORMATS
    if kind == "text":
        return TEXT_FORMATS
    if kind == "image":
        return image
    return tuple(dict.fromkeys(TEXT_FORMATS + IMAGE_FORMATS))


def output_format(path: str, kind: str | None, flag: str = "--output") -> str:
    """The format `path` names by its extension (".txt", ".png", ...), or OutputError naming the
    formats `kind` takes."""
    suffix = Path(path).suffix.lower()
    allowed = formats_for(kind)
    if suffix in allowed:
        return suffix
    what = {"text": "a text model", "image": "an image model"}.get(kind or "", "")
    named = f"'{suffix}' is not a format" if suffix else "the extension names the format"
    listed = ", ".join(allowed[:-1]) + " or " + allowed[-1]
    if kind is None:
        listed = f"{', '.join(TEXT_FORMATS)} (text) or {', '.join(IMAGE_FORMATS)} (images)"
    for_what = f" for {what}" if what else ""
    raise OutputError(f"{flag} {path}: {named}{for_what}; use {listed}")


def check_writable(path: str, flag: str = "--output", force: bool = False) -> Path:
    """`path` as a Path, once it is sure a file can be written there; OutputError otherwise."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{flag} {path}: is a folder; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{flag} {path}: the folder {folder.resolve()} does not exist")
    if target.exists() and not force:
        raise OutputError(f"{flag} {path}: the file exists; add --force to overwrite it")
    # the writes are atomic (a temporary file in the same folder, then a rename), so the folder is
    # what must take a new file; trying is the only sure test (root passes os.access on /proc)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise OutputError(f"{flag} {path}: cannot write in {folder} ({e.strerror or e})") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return target


def check_generate_outputs(
    output: str | None, gif: str | None, kind: str | None, force: bool
) -> str | None:
    """Check `generate`'s --output and --gif for a model kind (None: before the model is known)
    and return the --output format (".txt", ".png", ...; None without --output)."""
    fmt = None
    if output:
        check_writable(output, "--output", force)
        fmt = output_format(output, kind)
    if gif:
        if kind == "text":
            return fmt  # the text command refuses --gif itself, naming the image-only flags
        check_writable(gif, "--gif", force)
        if Path(gif).suffix.lower() != ".gif":
            raise OutputError(f"--gif {gif}: the animation is a .gif file; name it so")
        if output and Path(output).resolve() == Path(gif).resolve():
            raise OutputError(f"--output and --gif name the same file, {gif}")
    return fmt
