"""The engine's documented exceptions.

Every problem with a model file (ours or a foreign checkpoint) raises `ModelFileError`, whose message
is one line naming the file and the reason; the CLI prints it and exits with status 2. Invalid user
settings raise `SettingsError` (a ValueError) naming the setting (by its command-line flag) and
the value.
"""

from __future__ import annotations

from pathlib import Path


class StudioError(Exception):
    """Base class for errors the engine reports to a person rather than a traceback."""


class ModelFileError(StudioError):
    """A model file or folder cannot be used: missing, corrupt, inconsistent or unsafe."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason.replace("\n", " ").strip()
        super().__init__(f"{self.path}: {self.reason}")


class SettingsError(StudioError, ValueError):
    """A generation or sampling setting has a value that cannot be used.

    `setting` is the schema name of the setting at fault (e.g. "top_p") where one is, so that the
    window can point at its control; the message itself names the command-line flag."""

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


class CorpusError(StudioError):
    """A training corpus cannot be used (empty, not UTF-8, smaller than one block)."""
