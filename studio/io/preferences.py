"""The user's settings: one JSON object in the config folder, read at start and written atomically.

Unknown or unreadable files give the defaults rather than an error: settings are a convenience.
"""

from __future__ import annotations

import json
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.core.paths import settings_path

SETTINGS_VERSION = 1
LANGUAGES = ("system", "en", "zh_CN")
"""The window's language choices: follow the system, English, Simplified Chinese."""


def load_settings(path: str | Path | None = None) -> dict:
    path = Path(path) if path else settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != SETTINGS_VERSION:
        return {}
    return data


def save_settings(values: dict, path: str | Path | None = None) -> None:
    """Write the settings; OSError if the folder cannot be written."""
    path = Path(path) if path else settings_path()
    data = {**values, "version": SETTINGS_VERSION}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def language(values: dict) -> str:
    """The language preference in settings `values`: one of LANGUAGES ("system" when unset or
    unknown)."""
    choice = values.get("language")
    return choice if choice in LANGUAGES else "system"
