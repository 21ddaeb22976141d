"""The wheel carries every package and the bundled models (pyproject.toml lists them by hand); the
standalone bundle's parts that run without building it: its launcher and window check, its icons,
the desktop-entry installer."""

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
        "translate-en-zh.safetensors",
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


def test_the_windows_and_macos_icons_hold_every_size():
    from PIL import Image

    ico = Image.open(ROOT / "packaging" / "icons" / "aigc-studio.ico")
    assert sorted(ico.info["sizes"]) == [(n, n) for n in (16, 24, 32, 48, 64, 128, 256)]
    icns = Image.open(ROOT / "packaging" / "icons" / "aigc-studio.icns")
    assert (512, 512, 1) in icns.info["sizes"] and (16, 16, 2) in icns.info["sizes"]


def test_the_bundles_launcher_runs_the_window_through_its_engine_process(tmp_path):
    """packaging/launcher.py as the frozen app runs it, with the window check: the window generates
    through the engine process, the same text as the command line for the same seed."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AIGC_STUDIO_HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "AIGC_STUDIO_WINDOW_CHECK": "12",
        "AIGC_STUDIO_WINDOW_CHECK_SEED": "3",
    }
    launcher = str(ROOT / "packaging" / "launcher.py")
    window = subprocess.run(
        [sys.executable, launcher], env=env, capture_output=True, text=True, timeout=180
    )
    assert window.returncode == 0, window.stderr
    assert "window: 12 tokens of shakespeare (seed 3, length) through the engine process" in (
        window.stderr
    )
    assert (
        "-m studio.server" in window.stderr
    )  # not frozen: the engine is `python -m studio.server`
    from studio import __version__

    assert f"about: AIGC Studio {__version__}" in window.stderr
    del env["AIGC_STUDIO_WINDOW_CHECK"]
    command = subprocess.run(
        [sys.executable, launcher, "generate", "--model", "shakespeare"]
        + ["--seed", "3", "--max-new-tokens", "12"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert command.returncode == 0, command.stderr
    assert window.stdout == command.stdout and len(window.stdout) > 12


def test_the_desktop_entry_installer_points_the_menu_at_the_bundle(tmp_path):
    import os
    import shutil
    import subprocess

    bundle = tmp_path / "aigc studio"  # a space in the path, as in "My Programs"
    icons = bundle / "_internal" / "resources" / "icons"
    icons.mkdir(parents=True)
    (bundle / "aigc-studio").write_text("#!/bin/sh\n")
    (bundle / "aigc-studio").chmod(0o755)
    shutil.copy(ROOT / "resources" / "aigc-studio.desktop", bundle)
    shutil.copy(ROOT / "resources" / "icons" / "aigc-studio-256.png", bundle / "aigc-studio.png")
    for png in (ROOT / "resources" / "icons").glob("*.png"):
        shutil.copy(png, icons)
    script = str(ROOT / "packaging" / "install-desktop-entry.sh")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    subprocess.run(["bash", script, str(bundle)], env=env, check=True, capture_output=True)
    entry = (tmp_path / "share" / "applications" / "aigc-studio.desktop").read_text("utf-8")
    assert f'Exec="{bundle}/aigc-studio"\n' in entry and "Icon=aigc-studio\n" in entry
    hicolor = tmp_path / "share" / "icons" / "hicolor"
    for n in (16, 48, 256, 512):
        assert (hicolor / f"{n}x{n}" / "apps" / "aigc-studio.png").is_file()
    subprocess.run(["bash", script, "--remove"], env=env, check=True, capture_output=True)
    assert not (tmp_path / "share" / "applications" / "aigc-studio.desktop").exists()
    assert not list(hicolor.rglob("aigc-studio.png"))
    r = subprocess.run(["bash", script, str(tmp_path)], env=env, capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().endswith(f"no aigc-studio program in {tmp_path}")
