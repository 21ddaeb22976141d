"""Named sets of sampling values the window offers as buttons: Greedy, Balanced, Creative, Reset.

Reset is every text setting's default, so it gives exactly what `aigc-studio generate` does without
sampling flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.settings.schema import SAMPLING, SCHEMA, TEXT, defaults


@dataclass(frozen=True)
class Preset:
    name: str
    help: str  # one sentence, the button's tooltip
    values: dict  # {setting name: value}

    def __post_init__(self) -> None:
        for k, v in self.values.items():
            SCHEMA[k].check(v)  # a preset outside the bounds is a bug, found at import


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "Greedy",
            "Always the most likely token: the same text every time.",
            {"temperature": 0.0, "top_k": 0, "top_p": 1.0, "min_p": 0.0, "repetition_penalty": 1.0},
        ),
        Preset(
            "Balanced",
            "Moderate randomness with top-k, top-p and a light repetition penalty.",
            {
                "temperature": 0.8,
                "top_k": 40,
                "top_p": 0.95,
                "min_p": 0.0,
                "repetition_penalty": 1.1,
            },
        ),
        Preset(
            "Creative",
            "More surprising text: a higher temperature kept sane by min-p.",
            {
                "temperature": 1.1,
                "top_k": 0,
                "top_p": 0.98,
                "min_p": 0.05,
                "repetition_penalty": 1.0,
            },
        ),
        Preset(
            "Reset",
            "Back to the defaults of aigc-studio generate.",
            defaults(SAMPLING) | defaults(TEXT),
        ),
    )
}
