"""Foreign checkpoints, opened read-only: Hugging Face folders (GPT-2, and the Llama family:
Llama, Qwen2, Qwen3), GGUF files (llama.cpp's; the same three families) and nanoGPT `ckpt.pt`.

Finds which format a path holds and hands it to its reader (a Hugging Face folder's by its
config.json's `architectures` / `model_type`); the readers are imported lazily so that listing our
own models never pays for them.
"""

from __future__ import annotations

from pathlib import Path

from studio.core.errors import ModelFileError, SettingsError
from studio.engine.formats.foreign_checks import CHECKPOINT_SUFFIXES
from studio.engine.formats.studio_file import LoadedModel

GGUF_SUFFIX = ".gguf"


def _format_of(path: Path) -> tuple[str, Path]:
    """("hf" | "gguf" | "nanogpt", the folder or file to read) for a path, or ModelFileError."""
    if path.is_dir():
        if (path / "config.json").is_file():
            return "hf", path
        if (path / "ckpt.pt").is_file():
            return "nanogpt", path / "ckpt.pt"
        raise ModelFileError(
            path,
            "this folder holds neither a Hugging Face model (config.json) "
            "nor a nanoGPT checkpoint (ckpt.pt)",
        )
    if not path.exists():
        raise ModelFileError(path, "no such file or folder")
    if path.name == "config.json":
        return "hf", path.parent
    if path.suffix.lower() == GGUF_SUFFIX:
        return "gguf", path
    if path.suffix in CHECKPOINT_SUFFIXES:
        return "nanogpt", path
    raise ModelFileError(
        path, "not a model file, Hugging Face model folder, GGUF file or nanoGPT checkpoint"
    )


GPT2_ARCHITECTURES = ("GPT2LMHeadModel", "GPT2Model")


def _hf_family(folder: Path) -> str:
    """ "gpt2" | "llama": which reader a Hugging Face folder's config.json asks for, or one line
    naming an architecture we do not run."""
    from studio.engine.formats.foreign_checks import read_json_object
    from studio.engine.formats.hf_llama import ARCHITECTURES, architecture_of

    raw = read_json_object(folder / "config.json")
    archs = raw.get("architectures")
    first = archs[0] if isinstance(archs, list) and archs else None
    if architecture_of(raw) is not None:
        return "llama"
    if first in GPT2_ARCHITECTURES or (first is None and raw.get("model_type", "gpt2") == "gpt2"):
        return "gpt2"
    named = first or raw.get("model_type")
    supported = ", ".join([*GPT2_ARCHITECTURES[:1], *ARCHITECTURES])
    raise ModelFileError(
        folder / "config.json", f"architecture {named!r} is not supported (only {supported})"
    )


def describe_foreign(path: Path) -> dict:
    """A model card for a foreign checkpoint, read without building the model or copying weights."""
    fmt, target = _format_of(Path(path))
    if fmt == "gguf":
        from studio.engine.formats.gguf_file import describe_gguf

        return describe_gguf(target)
    if fmt == "hf" and _hf_family(target) == "llama":
        from studio.engine.formats.hf_llama import describe_hf_llama

        return describe_hf_llama(target)
    if fmt == "hf":
        from studio.engine.formats.hf_gpt2 import describe_hf_gpt2

        return describe_hf_gpt2(target)
    from studio.engine.formats.nanogpt import describe_nanogpt

    return describe_nanogpt(target)


def load_foreign(path: Path, dtype: str = "auto") -> LoadedModel:
    """Open a foreign checkpoint for generation (on the CPU, in eval mode, read-only), computing
    in the precision `dtype` names (formats/precision.py)."""
    from studio.engine.formats import precision

    fmt, target = _format_of(Path(path))
    if fmt == "gguf":
        from studio.engine.formats.gguf_file import load_gguf

        computed = precision.resolve(dtype, None)
        if computed == "int8":
            raise SettingsError(
                "--dtype int8 is not supported for GGUF files yet: use float32 or bfloat16"
            )
        return load_gguf(target, precision.DTYPES[computed])
    if fmt == "hf" and _hf_family(target) == "llama":
        from studio.engine.formats.hf_llama import load_hf_llama

        return load_hf_llama(target, dtype)  # read straight into the precision
    if fmt == "hf":
        from studio.engine.formats.hf_gpt2 import load_hf_gpt2

        loaded = load_hf_gpt2(target)
    else:
        from studio.engine.formats.nanogpt import load_nanogpt

        loaded = load_nanogpt(target)
    return precision.convert(loaded, precision.resolve(dtype, None))


# --- shared by the readers -------------------------------------------------------------------------
