"""Starting a run from a model file's weights (`--init-from`): fine-tuning."""

from __future__ import annotations

from pathlib import Path

import torch

from studio.core.errors import CorpusError


def start_from(model: torch.nn.Module, path: str) -> dict:
    """Load the weights of the model file at `path` into `model`, which may add parameters that
    start as a no-op (position biases): those stay as they are, and nothing else may differ.

    Returns what the new model's card says about its start: the file's name and its own training
    record and metrics, so the whole recipe stays in one card."""
    from studio.core.errors import ModelFileError
    from studio.engine.formats.studio_file import load_state_into, load_tensors, read_card

    try:
        base, tensors = read_card(path), load_tensors(path)
    except ModelFileError as e:
        raise CorpusError(f"cannot start from it: {e}") from None
    try:
        load_state_into(path, model, tensors, lambda name: name.endswith(".pos"))
    except ModelFileError as e:
        raise CorpusError(f"{e}; --init-from needs the same sizes") from None
    return {
        "file": Path(path).name,
        "training": base.get("training"),
        "metrics": base.get("metrics"),
    }
