"""Foreign checkpoints, opened read-only: Hugging Face GPT-2 folders and nanoGPT `ckpt.pt`."""

from __future__ import annotations

from pathlib import Path

from studio.engine.errors import ModelFileError
from studio.engine.modelfile import LoadedModel


def describe_foreign(path: Path) -> dict:
    """A model card for a foreign checkpoint, read without loading weights."""
    raise ModelFileError(path, "foreign checkpoints are not supported yet")


def load_foreign(path: Path) -> LoadedModel:
    raise ModelFileError(path, "foreign checkpoints are not supported yet")
