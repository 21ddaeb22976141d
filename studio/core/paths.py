"""Where the studio keeps the user's data and settings (platformdirs, per user), and where its own
files lie (the bundled models, the resources: icons, translations, desktop entry).

`AIGC_STUDIO_HOME` overrides both folders (tests point it at a temporary folder so they never touch
the real ones): data goes to `$AIGC_STUDIO_HOME/data`, settings to `$AIGC_STUDIO_HOME/config`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

APP_NAME = "aigc-studio"
HOME_ENV = "AIGC_STUDIO_HOME"


def _user_dir(kind: Literal["data", "config"]) -> Path:
    """`$AIGC_STUDIO_HOME/<kind>`, else the platform's user folder of that kind; created on first
    use."""
    home = os.environ.get(HOME_ENV)
    if home:
        d = Path(home) / kind
    else:
        import platformdirs

        where = platformdirs.user_data_dir if kind == "data" else platformdirs.user_config_dir
        d = Path(where(APP_NAME, appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return d


def data_dir() -> Path:
    """The user data folder (history database, user models), created on first use."""
    return _user_dir("data")


def config_dir() -> Path:
    """The user settings folder, created on first use."""
    return _user_dir("config")


def user_models_dir() -> Path:
    """The user's own model folder (listed in the picker; downloads go here)."""
    return data_dir() / "models"


def history_path() -> Path:
    return data_dir() / "history.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def _shipped_folder(package: str, repo_folder: str) -> Path:
    """A folder that ships inside the package (pyproject.toml maps the repository's top-level
    `repo_folder` to `package`, so a wheel carries it), or that folder beside the source tree when the
    studio runs from a checkout that was never installed."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except ImportError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).resolve()
    return Path(__file__).resolve().parents[2] / repo_folder


def bundled_models_dir() -> Path:
    """The models that ship with the studio (the repository's models/ folder), or the folder
    `$AIGC_STUDIO_BUNDLED_MODELS` names (a packager's layout; tests, to start without them)."""
    override = os.environ.get("AIGC_STUDIO_BUNDLED_MODELS")
    if override:
        return Path(override)
    return _shipped_folder("studio.bundled_models", "models")


def resources_dir() -> Path:
    """Icons, translations and the desktop entry (the repository's resources/ folder)."""
    return _shipped_folder("studio.resources", "resources")
