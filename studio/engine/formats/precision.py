"""Which precision a model is computed in, and converting a loaded text network to it.

`resolve(asked, stored)` turns "auto" into a dtype from the stored weights' dtypes (float32 and
bfloat16 files compute as stored; float16, which CPUs compute slowly, and everything else compute
in float32). `convert(loaded, precision)` changes a model opened in float32 (our own models,
GPT-2 folders, nanoGPT checkpoints) after loading: small models, where a second copy during the
change costs little. Llama-family folders are read straight into the chosen precision, tensor by
tensor (formats/hf_llama.py), so that a large model is never held in float32 first.
"""

from __future__ import annotations

import torch

from studio.core.errors import SettingsError
from studio.engine.formats.studio_file import LoadedModel
from studio.settings.precision import PRECISIONS

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
# what `auto` computes in, for the stored dtypes' names (safetensors' names, lowered)
AUTO = {"float32": "float32", "bfloat16": "bfloat16"}


def check(asked: str) -> str:
    if asked not in PRECISIONS:
        raise SettingsError(f"--dtype must be one of {', '.join(PRECISIONS)}, got {asked!r}")
    return asked


def resolve(asked: str, stored: set[str] | None) -> str:
    """ "float32" | "bfloat16" | "int8": `asked`, or for "auto" the stored dtype when the weights
    are all float32 or all bfloat16 (float32 for anything else, and when not known)."""
    if check(asked) != "auto":
        return asked
    if stored and len(stored) == 1:
        return AUTO.get(next(iter(stored)), "float32")
    return "float32"


def refuse_image(precision: str, name: str) -> None:
    """Image models compute in float32 only: one line for any other precision."""
    if precision not in ("auto", "float32"):
        raise SettingsError(
            f"--dtype {precision} is for text models; {name} is an image model "
            "(image models compute in float32)"
        )


def describe(precision: str, stored: str = "float32") -> str:
    """The card's line: "bfloat16 weights, computed in float32", "... int8 (weight-only) ..."."""
    how = "int8 (weight-only, per output channel)" if precision == "int8" else precision
    return f"{stored} weights, computed in {how}"


def convert(loaded: LoadedModel, precision: str) -> LoadedModel:
    """A text model opened in float32 changed, in place, to `precision` (float32: unchanged)."""
    if precision == "float32":
        return loaded
    from studio.engine.networks.gpt import GPT

    model = loaded.model
    if precision == "int8":
        from studio.engine.networks.int8_linear import quantise_network

        if not isinstance(model, GPT):
            raise SettingsError(f"--dtype int8 is not supported for {loaded.name}")
        with torch.no_grad():
            quantise_network(model, tied=("transformer.wte", "lm_head"))
    else:
        model.to(DTYPES[precision])
    arch = loaded.card.setdefault("architecture", {})
    stored = str(arch.get("precision", "float32")).split(" ")[0]
    arch["precision"] = describe(precision, stored)
    loaded.extras["precision"] = precision
    return loaded
