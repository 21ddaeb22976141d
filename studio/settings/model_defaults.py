"""A model's own sampling defaults (a Hugging Face folder's generation_config.json, kept in its card
as `sampling_defaults`) as the window's sampling values, the way transformers reads them: without
`do_sample: true` it decodes greedily; otherwise a value the file does not give is transformers'
default (temperature 1, top-k 50, top-p 1, min-p off, repetition penalty 1)."""

from __future__ import annotations

from studio.settings.presets import PRESETS
from studio.settings.schema import SCHEMA

# transformers' GenerationConfig defaults, for the values a generation_config.json leaves out
TRANSFORMERS_DEFAULTS = {
    "temperature": 1.0,
    "top_k": 50,
    "top_p": 1.0,
    "min_p": 0.0,
    "repetition_penalty": 1.0,
}


def model_sampling(defaults: object) -> dict | None:
    """The sampling values a card's `sampling_defaults` stand for; None when it gives none. A value
    out of the studio's bounds is left at transformers' default."""
    if not isinstance(defaults, dict) or not defaults:
        return None
    if defaults.get("do_sample") is not True:
        return dict(PRESETS["Greedy"].values)
    values = dict(TRANSFORMERS_DEFAULTS)
    for k in values:
        v = defaults.get(k)
        if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        v = int(v) if k == "top_k" else float(v)
        try:
            SCHEMA[k].check(v)
        except ValueError:
            continue
        values[k] = v
    return values
