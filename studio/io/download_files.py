"""Which files of a Hugging Face repository the studio downloads: only those it opens.

A folder model: config.json, generation_config.json, the tokenizer's files, the chat template, the
README (its front matter names the license) and LICENSE, and the safetensors weights (model.safetensors,
or the shards its index names, never both a single file and shards). A GGUF model: exactly the one
file asked for. Pickled weights (.bin, .pt, ...) are never downloaded: opening one runs code.
Everything refused raises DownloadError with one line.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from studio.core.errors import StudioError

# the small files beside the weights that the readers use (formats/hf_llama.py, hf_gpt2.py,
# chat_template.py) and the card shows
FOLDER_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "vocab.json",
    "merges.txt",
    "README.md",
    "LICENSE",
    "LICENSE.txt",
    "LICENSE.md",
)
SINGLE_WEIGHTS = "model.safetensors"
INDEX = "model.safetensors.index.json"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


class DownloadError(StudioError):
    """A model cannot be downloaded: one line saying why (and what to do, where something can)."""


def _top_level(names: list[str]) -> list[str]:
    return [n for n in names if "/" not in n]


def gguf_files(names: list[str]) -> list[str]:
    return sorted(n for n in names if n.lower().endswith(".gguf"))


def choose_files(repo_id: str, names: list[str], gguf: str | None = None) -> list[str]:
    """The files to fetch of a repository holding `names` (paths in the repository): the folder's
    files with the weights last but the index first, or `[gguf]`. The shards an index names are
    added by `shards_of` once the index is read."""
    if gguf is not None:
        if not gguf.lower().endswith(".gguf"):
            raise DownloadError(f"--file takes a .gguf file of the repository, not {gguf!r}")
        if gguf not in names:
            there = ", ".join(gguf_files(names)) or "none"
            raise DownloadError(f"{repo_id} has no file {gguf} (its GGUF files: {there})")
        return [gguf]
    top = _top_level(names)
    small = [n for n in FOLDER_FILES if n in top]
    if "config.json" not in top:
        ggufs = gguf_files(names)
        if ggufs:
            listed = ", ".join(ggufs[:6]) + (", …" if len(ggufs) > 6 else "")
            raise DownloadError(f"{repo_id} holds GGUF files: choose one with --file ({listed})")
        raise DownloadError(f"{repo_id} is not a model the studio opens (it has no config.json)")
    if SINGLE_WEIGHTS in top:
        return [*small, SINGLE_WEIGHTS]
    if INDEX in top:
        return [INDEX, *small]
    if any(n.endswith(PICKLE_SUFFIXES) for n in top):
        raise DownloadError(
            f"{repo_id} has only pickled PyTorch weights (.bin/.pt), which the studio does not "
            "download (opening one can run code): look for a safetensors version of it"
        )
    raise DownloadError(f"{repo_id} has no safetensors weights (model.safetensors)")


def shards_of(index_path: Path, names: list[str]) -> list[str]:
    """The shard files a downloaded model.safetensors.index.json names, each a file at the top
    of the repository."""
    try:
        weight_map = json.loads(index_path.read_text(encoding="utf-8"))["weight_map"]
        shards = sorted(set(weight_map.values()))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise DownloadError(f"{INDEX} is not a valid safetensors index (no weight_map)") from None
    for s in shards:
        if not isinstance(s, str) or PurePosixPath(s).name != s or s not in names:
            raise DownloadError(f"{INDEX} names a shard {s!r} that is not in the repository")
        if not s.endswith(".safetensors"):
            raise DownloadError(f"{INDEX} names a shard {s!r} that is not a .safetensors file")
    if not shards:
        raise DownloadError(f"{INDEX} names no weight files")
    return shards


def folder_name(repo_id: str) -> str:
    """`owner--name`, the folder a repository's model goes in (as the Hub's own cache names it)."""
    return repo_id.replace("/", "--")


def check_repo_id(repo_id: str) -> str:
    """`owner/name` (or a bare `name`), stripped; DownloadError for anything else."""
    r = repo_id.strip().strip("/")
    if r.startswith(("https://huggingface.co/", "http://huggingface.co/", "huggingface.co/")):
        r = r.split("huggingface.co/", 1)[1].strip("/")
    parts = r.split("/")
    ok = 1 <= len(parts) <= 2 and all(
        p and p not in (".", "..") and all(c.isalnum() or c in "-_." for c in p) for p in parts
    )
    if not ok:
        raise DownloadError(f"{repo_id!r} is not a repository id: write it as owner/name")
    return r
