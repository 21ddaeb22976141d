"""One generation setting as data: its names, default, bounds and help, and how a value is checked.

The window, the command line and the engine all check a value with `Setting.check`, so a value is
accepted or refused alike everywhere, and the refusal names the command-line flag:
"--top-p must be in (0, 1], got 1.5".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from studio.core.errors import SettingsError

KINDS = ("float", "int", "bool", "choice", "seed", "label", "stops")
"""float and int: numbers within bounds; bool; choice: one of `choices`; seed and label: a whole
number, or None (seed: draw one; label: any class); stops: a tuple of non-empty strings."""


def format_number(v: float | int) -> str:
    """A bound or value as people write it: 5, 0.8, 1000000."""
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"


@dataclass(frozen=True)
class Setting:
    """One setting of a text or image run."""

    name: str  # the field of the settings object and the key of its dict: "top_p"
    flag: str  # the command line's spelling: "--top-p"
    label: str  # the window's: "Top-p"
    kind: str  # one of KINDS
    default: Any
    help: str  # one sentence: what it does, and which value turns it off
    minimum: float | int | None = None
    maximum: float | int | None = None
    min_exclusive: bool = False  # top-p: above 0, not 0 itself
    step: float | int | None = None  # the window's slider step
    unit: str = ""  # what the number counts, where it counts something ("tokens")
    choices: tuple[str, ...] = ()
    slider_max: float | int | None = None  # where the window's slider ends, when typed values go
    # on further (top-k, max new tokens); None: at `maximum`

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    # ---- describing ---------------------------------------------------------------------------

    def range_text(self) -> str:
        """The accepted values in interval notation: "[0, 5]", "(0, 1]"; "" where unbounded."""
        if self.minimum is None or self.maximum is None:
            return ""
        lo = "(" if self.min_exclusive else "["
        return f"{lo}{format_number(self.minimum)}, {format_number(self.maximum)}]"

    def describe(self) -> str:
        """The help sentence with the accepted values and the default, for --help and tooltips."""
        parts = [self.help]
        if self.kind in ("float", "int"):
            parts.append(f"Accepts {self.range_text()}; default {format_number(self.default)}.")
        elif self.kind == "seed":
            parts.append(f"Accepts {self.range_text()}.")
        elif self.kind == "choice":
            parts.append(f"One of {', '.join(self.choices)}; default {self.default}.")
        return " ".join(parts)

    @property
    def slider_end(self) -> float | int:
        """Where the window's slider ends."""
        end = self.slider_max if self.slider_max is not None else self.maximum
        assert end is not None, self.name
        return end

    @property
    def slider_start(self) -> float | int:
        """Where the window's slider starts: the minimum, or one step above it if excluded."""
        assert self.minimum is not None and self.step is not None, self.name
        return self.minimum + self.step if self.min_exclusive else self.minimum

    # ---- checking -----------------------------------------------------------------------------

    def error(self, why: str, value: object) -> SettingsError:
        finite = (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
        shown = format_number(value) if finite else repr(value)  # type: ignore[arg-type]
        return SettingsError(f"{self.flag} {why}, got {shown}", setting=self.name)

    def check(self, value: object) -> Any:
        """The value as the settings object holds it (5.0 for top-k becomes 5, a list of stop
        strings a tuple); raises SettingsError naming the flag if it cannot be used."""
        kind = self.kind
        if kind == "float":
            return self._in_bounds(self._number(value), value)
        if kind == "int":
            return self._in_bounds(self._whole(value), value)
        if kind in ("seed", "label"):
            return None if value is None else self._in_bounds(self._whole(value), value)
        if kind == "bool":
            if not isinstance(value, bool):
                raise self.error("must be true or false", value)
            return value
        if kind == "choice":
            if value not in self.choices:
                raise self.error(f"must be one of {', '.join(self.choices)}", value)
            return value
        # stops
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise self.error("must be a list of non-empty strings", value)
        if any(not isinstance(s, str) or not s for s in value):
            raise self.error("must be a list of non-empty strings", list(value))
        return tuple(value)

    def parse(self, text: str) -> Any:
        """A value from command-line text, checked; raises SettingsError naming the flag."""
        kind = self.kind
        if kind == "float":
            try:
                value: Any = float(text)
            except ValueError:
                raise self.error("must be a number", text) from None
        elif kind in ("int", "seed", "label"):
            try:
                value = int(text)
            except ValueError:
                raise self.error("must be a whole number", text) from None
        else:
            value = text
        return self.check(value)

    def _number(self, value: object) -> float:
        if not _is_number(value):
            raise self.error("must be a number", value)
        v = float(value)  # type: ignore[arg-type]
        if not math.isfinite(v):
            raise self.error("must be a finite number", value)
        return v

    def _whole(self, value: object) -> int:
        if isinstance(value, float) and value.is_integer():
            return int(value)  # 40.0 from a JSON file or a slider is 40
        if not _is_number(value) or not isinstance(value, int):
            raise self.error("must be a whole number", value)
        return value

    def _in_bounds(self, v: float | int, raw: object) -> Any:
        lo, hi = self.minimum, self.maximum
        low_bad = lo is not None and (v <= lo if self.min_exclusive else v < lo)
        high_bad = hi is not None and v > hi
        if low_bad or high_bad:
            if lo is not None and hi is not None:
                raise self.error(f"must be in {self.range_text()}", raw)
            if low_bad:
                raise self.error(f"must be {'>' if self.min_exclusive else '>='} {lo}", raw)
            raise self.error(f"must be <= {hi}", raw)
        return v


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
