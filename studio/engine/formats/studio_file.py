"""Our single-file model format: weights in `.safetensors`, the model card as JSON in its metadata.

The card lives under the metadata key `studio.card`:
    name, title, kind ("text-gpt", "image-pixelcnn", "image-gpt"), version, architecture (config),
    tokenizer, data {source, license}, metrics, training {command, steps, minutes, seed}.
Tied weights (lm_head = wte) are stored once. Weights may be stored as float16 and are loaded as
float32. Every failure raises `ModelFileError` with one line naming the file and the problem.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import nn

from studio.core.atomic import atomic_write_bytes
from studio.core.errors import ModelFileError, SettingsError

Network = TypeVar("Network", bound=nn.Module)

CARD_KEY = "studio.card"
FORMAT_VERSION = 1
# A safetensors header larger than this is not a model we made; refuse before parsing it.
MAX_HEADER_BYTES = 100 * 1024 * 1024


@dataclass
class LoadedModel:
    """A model ready to run: the network, its tokenizer (text) and its card."""

    name: str
    path: str
    kind: str
    card: dict
    model: nn.Module
    tokenizer: Any = None
    read_only: bool = False  # foreign checkpoints are opened, never written
    extras: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.card.get("title") or self.name

    def network(self, kind: type[Network]) -> Network:
        """The network as the `kind` a caller needs (GPT, PixelCNN): one line, not an
        AttributeError deep in a run, when the model is another."""
        if not isinstance(self.model, kind):
            raise SettingsError(
                f"{self.name} is a {type(self.model).__name__} network, not a {kind.__name__}"
            )
        return self.model


def save_model_file(
    path: str | Path,
    state_dict: dict[str, torch.Tensor],
    card: dict,
    half: bool = False,
) -> None:
    """Save weights + card atomically. Shared tensors (tied lm_head) must already be dropped."""
    from safetensors.torch import save

    tensors = {}
    for k, v in state_dict.items():
        t = v.detach().to("cpu").contiguous()
        if half and t.is_floating_point():
            t = t.to(torch.float16)
        tensors[k] = t
    card = dict(card)
    card.setdefault("format_version", FORMAT_VERSION)
    data = save(tensors, metadata={CARD_KEY: json.dumps(card, ensure_ascii=False)})
    atomic_write_bytes(path, data)


def read_header(path: str | Path) -> tuple[dict, dict]:
    """(tensor index, metadata) of a safetensors file, checked without loading any weights."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ModelFileError(path, "too short to be a safetensors file")
            (n,) = struct.unpack("<Q", head)
            if n > MAX_HEADER_BYTES or n + 8 > size:
                raise ModelFileError(path, "not a safetensors file (bad header length)")
            raw = f.read(n)
    except OSError as e:
        raise ModelFileError(path, e.strerror or str(e)) from None
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError(path, "not a safetensors file (header is not JSON)") from None
    if not isinstance(header, dict):
        raise ModelFileError(path, "not a safetensors file (header is not an object)")
    meta = header.pop("__metadata__", None) or {}
    data_len = size - 8 - n
    for name, info in header.items():
        try:
            begin, end = info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise ModelFileError(path, f"tensor {name!r} has no valid data_offsets") from None
        if not (0 <= begin <= end <= data_len):
            raise ModelFileError(path, f"truncated: tensor {name!r} lies past the end of the file")
    return header, meta


def read_card(path: str | Path) -> dict:
    _, meta = read_header(path)
    raw = meta.get(CARD_KEY)
    if raw is None:
        raise ModelFileError(
            path, f"no model card (metadata key {CARD_KEY!r}) in this safetensors file"
        )
    try:
        card = json.loads(raw)
    except json.JSONDecodeError:
        raise ModelFileError(path, "the model card is not valid JSON") from None
    if not isinstance(card, dict) or not isinstance(card.get("kind"), str):
        raise ModelFileError(path, "the model card has no 'kind'")
    return card


def load_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    read_header(path)  # clear messages for the common corruptions first
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise ModelFileError(path, f"cannot read tensors ({str(e).splitlines()[0]})") from None


def check_tensor_shapes(
    path: str | Path,
    expected: dict[str, tuple[int, ...]],
    present: dict[str, tuple[int, ...]],
    may_be_missing: Callable[[str], bool] | None = None,
) -> None:
    """Refuse with one line misshapen tensors (first: they say which size is off), the tensors
    `expected` (name -> shape) needs and `present` lacks (but those for which `may_be_missing(name)`
    is true), and those it does not know."""
    for k, shape in present.items():
        if k in expected and tuple(shape) != tuple(expected[k]):
            raise ModelFileError(
                path,
                f"tensor {k} has shape {tuple(shape)} but the configuration needs "
                f"{tuple(expected[k])}",
            )
    missing = [
        k for k in expected if k not in present and not (may_be_missing and may_be_missing(k))
    ]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise ModelFileError(path, f"missing tensors: {', '.join(missing[:3])}{more}")
    extra = [k for k in present if k not in expected]
    if extra:
        raise ModelFileError(path, f"unexpected tensors: {', '.join(extra[:3])}")


def architecture_from_card(path: str | Path, config_class: Any, arch: Any) -> Any:
    """`config_class.from_dict(arch)` (GPTConfig, PixelCNNConfig), refusing with one line a card
    whose architecture does not build or whose sizes its `validate()` finds absurd."""
    if not isinstance(arch, dict):
        raise ModelFileError(path, "the model card has no 'architecture'")
    try:
        config = config_class.from_dict(arch)
    except (TypeError, ValueError) as e:
        raise ModelFileError(path, f"bad architecture in the card ({e})") from None
    problems = config.validate()
    if problems:
        raise ModelFileError(path, "bad architecture in the card: " + "; ".join(problems))
    return config


def load_state_into(
    path: str | Path,
    model: nn.Module,
    tensors: dict[str, torch.Tensor],
    may_be_missing: Callable[[str], bool] | None = None,
) -> None:
    """Copy tensors into a model, with a one-line error for missing, extra or misshapen tensors.
    Parameters for which `may_be_missing(name)` is true keep their values when the file lacks them
    (a model that adds parameters starting as a no-op)."""
    expected = model.state_dict()
    tied = "lm_head.weight" in expected and "lm_head.weight" not in tensors
    check_tensor_shapes(
        path,
        {k: tuple(v.shape) for k, v in expected.items()},
        {k: tuple(t.shape) for k, t in tensors.items()},
        lambda k: (tied and k == "lm_head.weight") or bool(may_be_missing and may_be_missing(k)),
    )
    for k, t in tensors.items():
        if not t.is_floating_point():
            raise ModelFileError(path, f"tensor {k} has dtype {t.dtype}, expected floating point")
    with torch.no_grad():
        for k, t in tensors.items():
            expected[k].copy_(t.to(expected[k].dtype))
        if tied:
            model.get_submodule("lm_head").weight = model.get_submodule("transformer.wte").weight
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        raise ModelFileError(path, "weights contain NaN or infinity")


def untied_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    sd = model.state_dict()
    sd.pop("lm_head.weight", None)
    return sd
