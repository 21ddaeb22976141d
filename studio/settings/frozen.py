"""The settings of a run as immutable objects, checked against the schema when built.

The window builds them on its own side when a run starts (so a bad value is refused before any
work), the command line from its flags, and the engine runs from them. Their dicts
(`to_dict`/`from_dict`) are what run records, the history, JSON exports and PNG text chunks store:
the shapes are kept, and dicts stored by older versions still load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from studio.core.errors import SettingsError
from studio.settings.schema import IMAGE, SAMPLING, SCHEMA, TEXT

LEGACY_CONTEXT = "slide"
"""The context mode of a stored text run that does not say: runs were slid before there was a
choice, so replaying their stages must slide too."""


def _check_fields(obj: object) -> None:
    """Check every field but `sampling` against the schema and store the checked value."""
    for f in fields(obj):  # type: ignore[arg-type]
        if f.name != "sampling":
            object.__setattr__(obj, f.name, SCHEMA[f.name].check(getattr(obj, f.name)))


def _known(cls: type, d: Mapping[str, Any]) -> dict:
    names = {f.name for f in fields(cls)} - {"sampling"}
    return {k: v for k, v in d.items() if k in names}


@dataclass(frozen=True)
class SamplingSettings:
    """The sampling stages' settings (each off at its default except temperature)."""

    temperature: float = SCHEMA["temperature"].default  # 0 = greedy
    top_k: int = SCHEMA["top_k"].default  # 0 = off
    top_p: float = SCHEMA["top_p"].default  # 1 = off
    min_p: float = SCHEMA["min_p"].default  # 0 = off
    repetition_penalty: float = SCHEMA["repetition_penalty"].default  # 1 = off

    def __post_init__(self) -> None:
        _check_fields(self)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> SamplingSettings:
        """From a stored dict; keys it does not know are ignored, missing ones take defaults."""
        if d is None:
            return cls()
        if not isinstance(d, Mapping):
            raise SettingsError(f"sampling settings must be a mapping, got {d!r}")
        return cls(**{s.name: d[s.name] for s in SAMPLING if s.name in d})


def _sampling_of(d: Mapping[str, Any]) -> SamplingSettings:
    return SamplingSettings.from_dict(d.get("sampling"))


@dataclass(frozen=True)
class GenerationSettings:
    """A text run: the sampling stages, and how long, how many, when to stop."""

    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    max_new_tokens: int = SCHEMA["max_new_tokens"].default
    seed: int | None = SCHEMA["seed"].default  # None: drawn and reported in the start event
    stop: tuple[str, ...] = SCHEMA["stop"].default  # a sample ends when its text contains one
    ignore_eos: bool = SCHEMA["ignore_eos"].default
    num_samples: int = SCHEMA["num_samples"].default
    top_n: int = SCHEMA["top_n"].default  # alternatives reported per token
    context: str = SCHEMA["context"].default  # past the context window: "shift" or "slide"

    def __post_init__(self) -> None:
        if not isinstance(self.sampling, SamplingSettings):
            raise SettingsError(f"sampling must be SamplingSettings, got {self.sampling!r}")
        _check_fields(self)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["stop"] = list(self.stop)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GenerationSettings:
        """From `to_dict()`'s shape as stored by this or an older version: unknown keys are
        ignored, missing ones take defaults, except a missing context mode (see LEGACY_CONTEXT)."""
        known = _known(cls, d)
        known.setdefault("context", LEGACY_CONTEXT)
        return cls(sampling=_sampling_of(d), **known)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> GenerationSettings:
        """From flat values by setting name (the command line's parsed flags, the window's
        controls); names it does not use are ignored, missing ones take defaults."""
        sampling = SamplingSettings(
            **{s.name: values[s.name] for s in SAMPLING if s.name in values}
        )
        return cls(sampling=sampling, **{s.name: values[s.name] for s in TEXT if s.name in values})


@dataclass(frozen=True)
class ImageSettings:
    """An image run: the sampling stages (the repetition penalty means nothing for pixels and is
    left at 1), the label, guidance, batch and sampler."""

    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    seed: int | None = SCHEMA["seed"].default  # None: drawn and reported in the start event
    num_samples: int = SCHEMA["num_samples"].default
    label: int | None = SCHEMA["label"].default  # class index for labelled models; None = any
    distribution: bool = SCHEMA["distribution"].default  # attach it to every PixelEvent
    sampler: str = SCHEMA["sampler"].default  # "fast" | "naive": the same pixels, unlike speeds
    guidance: float = SCHEMA["guidance"].default  # classifier-free guidance scale; 1 = none

    def __post_init__(self) -> None:
        if not isinstance(self.sampling, SamplingSettings):
            raise SettingsError(f"sampling must be SamplingSettings, got {self.sampling!r}")
        _check_fields(self)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ImageSettings:
        """From `to_dict()`'s shape (a PNG's text chunk, the history): unknown keys are ignored,
        missing ones take defaults."""
        return cls(sampling=_sampling_of(d), **_known(cls, d))

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ImageSettings:
        """From flat values by setting name, as GenerationSettings.from_values; a repetition
        penalty among them is left out (there is no text to repeat)."""
        sampling = SamplingSettings(
            **{
                s.name: values[s.name]
                for s in SAMPLING
                if s.name in values and s.name != "repetition_penalty"
            }
        )
        return cls(sampling=sampling, **{s.name: values[s.name] for s in IMAGE if s.name in values})
