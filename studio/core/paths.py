"""Where the studio keeps the user's data and settings (platformdirs, per user).

`AIGC_STUDIO_HOME` overrides both folders (tests point it at a temporary folder so they never touch
the real ones): data goes to `$AIGC_STUDIO_HOME/data`, settings to `$AIGC_STUDIO_HOME/config`.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "aigc-studio"
HOME_ENV = "AIGC_STUDIO_HOME"


def data_dir() -> Path:
    """The user data folder (history database, user models), created on first use."""
    home = os.environ.get(HOME_ENV)
    if home:
        d = Path(home) / "data"
    else:
        import platformdirs

        d = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return d


def config_dir() -> Path:
    """The user settings folder, created on first use."""
    home = os.environ.get(HOME_ENV)
    if home:
        d = Path(home) / "config"
    else:
        import platformdirs

        d = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return d


def user_models_dir() -> Path:
    """The user's own model folder (listed in the picker; downloads go here)."""
    return data_dir() / "models"


def history_path() -> Path:
    return data_dir() / "history.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"
