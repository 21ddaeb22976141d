"""Finding and opening models: by name in the model folders, or by path.

Folders searched, in order: the `models/` folder shipped with the studio, `$AIGC_STUDIO_MODELS`
(colon-separated), and the user data folder (`platformdirs.user_data_dir("aigc-studio")/models`).
A path may be one of our `.safetensors` model files, a Hugging Face folder (GPT-2, Llama, Qwen2,
Qwen3), a GGUF file, or a nanoGPT `ckpt.pt`. Everything that cannot be opened raises `ModelFileError` naming the file and the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import ModelFileError
from studio.core.paths import bundled_models_dir, user_models_dir
from studio.engine.formats.studio_file import LoadedModel, read_card

BUNDLED_DIR = bundled_models_dir()


def model_dirs() -> list[Path]:
    dirs = [BUNDLED_DIR]
    extra = os.environ.get("AIGC_STUDIO_MODELS")
    if extra:
        dirs += [Path(p) for p in extra.split(os.pathsep) if p]
    dirs.append(user_models_dir())
    return dirs


@dataclass(frozen=True)
class ModelInfo:
    name: str
    title: str
    kind: str
    path: str
    size_bytes: int
    source: str  # "bundled" | "user" | "path"
    card: dict

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "path": self.path,
            "size_bytes": self.size_bytes,
            "source": self.source,
            "metrics": self.card.get("metrics", {}),
            "data": self.card.get("data", {}),
            "chat_template": bool((self.card.get("chat") or {}).get("template")),
        }


def _foreign(path: Path) -> bool:
    """A path read by open_foreign: a folder, a nanoGPT checkpoint or a GGUF file."""
    return path.is_dir() or path.suffix == ".pt" or path.suffix.lower() == ".gguf"


def describe(path: Path, source: str) -> ModelInfo:
    if _foreign(path):
        from studio.engine.formats.open_foreign import describe_foreign

        card = describe_foreign(path)
        size = (
            sum(f.stat().st_size for f in path.iterdir()) if path.is_dir() else path.stat().st_size
        )
    else:
        card = read_card(path)
        size = path.stat().st_size
    name = card.get("name") or path.stem
    return ModelInfo(
        name, card.get("title") or name, card.get("kind", "?"), str(path), size, source, card
    )


def list_models() -> tuple[list[ModelInfo], list[str]]:
    """(models found, one-line problems with files that look like models but cannot be read)."""
    found: dict[str, ModelInfo] = {}
    problems: list[str] = []
    for d in model_dirs():
        if not d.is_dir():
            continue
        source = "bundled" if d == BUNDLED_DIR else "user"
        for p in sorted(d.iterdir()):
            looks = (
                p.suffix == ".safetensors"
                or (p.suffix.lower() == ".gguf" and p.is_file())
                or (p.is_dir() and (p / "config.json").is_file())
                or (p.is_dir() and (p / "ckpt.pt").is_file())
            )
            if not looks:
                continue
            try:
                info = describe(p, source)
            except ModelFileError as e:
                problems.append(str(e))
                continue
            found.setdefault(info.name, info)
    return list(found.values()), problems


def find_model(name_or_path: str) -> Path:
    """The path of a model given by name or path; ModelFileError if there is none."""
    p = Path(name_or_path).expanduser()
    if p.exists():
        return p
    for d in model_dirs():
        for candidate in (d / f"{name_or_path}.safetensors", d / name_or_path):
            if candidate.exists():
                return candidate
    models, _ = list_models()
    for m in models:
        if m.name == name_or_path:
            return Path(m.path)
    names = ", ".join(m.name for m in models) or "none found"
    raise ModelFileError(name_or_path, f"no such model file or model name (available: {names})")


def load_model(name_or_path: str, device: str = "auto", dtype: str = "auto") -> LoadedModel:
    """Open a model for generation, in eval mode on the chosen device, computing in the chosen
    precision (`dtype`: auto, float32, bfloat16, int8; see formats/precision.py)."""
    from studio.engine.device import resolve_device
    from studio.engine.formats import precision

    precision.check(dtype)
    dev = resolve_device(device)
    path = find_model(name_or_path)
    if dev.type == "cpu":  # refused before any weight is read (a GPU's memory is its own)
        from studio.engine.formats.memory_check import check_fits

        check_fits(path, precision=dtype)
    if _foreign(path):
        from studio.engine.formats.open_foreign import load_foreign

        loaded = load_foreign(path, dtype)
    else:
        card = read_card(path)
        kind = card["kind"]
        if kind == "text-gpt":
            from studio.engine.formats.studio_text_model import load_text_model

            loaded = precision.convert(load_text_model(path, card), precision.resolve(dtype, None))
        elif kind.startswith("image-"):
            from studio.engine.formats.studio_image_model import load_image_model

            precision.refuse_image(dtype, card.get("name") or path.stem)
            loaded = load_image_model(path, card)
        elif kind == "translate-seq2seq":
            from studio.engine.formats.studio_translate_model import load_translate_model

            loaded = load_translate_model(path, card)
        else:
            raise ModelFileError(path, f"unknown model kind {kind!r}")
    loaded.model.to(dev).eval()
    return loaded
