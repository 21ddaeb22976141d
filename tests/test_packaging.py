"""The wheel carries every package and the bundled models (pyproject.toml lists them by hand)."""

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_is_listed():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(d.relative_to(ROOT).parts)
        for d in (ROOT / "studio").rglob("*")
        if d.is_dir() and (d / "__init__.py").is_file()
    } | {"studio"}
    assert on_disk - listed == set(), "add these packages to pyproject.toml"
    assert listed - on_disk == {"studio.bundled_models"}


def test_bundled_models_travel_as_package_data():
    tool = _pyproject()["tool"]["setuptools"]
    assert tool["package-dir"]["studio.bundled_models"] == "models"
    assert "*.safetensors" in tool["package-data"]["studio.bundled_models"]
    assert sorted(p.name for p in (ROOT / "models").glob("*.safetensors")) == [
        "digits.safetensors",
        "emoji.safetensors",
        "shakespeare.safetensors",
        "tang-poems.safetensors",
    ]
