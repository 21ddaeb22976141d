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
    assert listed - on_disk == {"studio.bundled_models", "studio.resources"}


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


def test_resources_icon_desktop_entry_and_metainfo():
    import configparser
    import xml.etree.ElementTree as ET

    from studio.core.paths import resources_dir

    res = resources_dir()
    for n in (16, 24, 32, 48, 64, 128, 256, 512):
        png = res / "icons" / f"aigc-studio-{n}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(res / "aigc-studio.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Exec"].split()[0] == "aigc-studio" and d["Icon"] == "aigc-studio"
    assert d["Type"] == "Application" and d["Name[zh_CN]"]
    meta = ET.parse(next(res.glob("*.metainfo.xml"))).getroot()
    assert meta.find("launchable").text == "aigc-studio.desktop"
    assert meta.find("provides/binary").text == "aigc-studio"
