"""The user's settings: one JSON object in the config folder, read at start and written atomically.

Unknown or unreadable files give the defaults rather than an error: settings are a convenience.
The file carries its format's version; an older file is migrated on reading (MIGRATIONS), and a
file a newer studio wrote is read as it is: this studio takes the keys it knows (every reader of a
value checks it) and ignores the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.core.paths import settings_path

# MIGRATIONS[n] turns the settings of version n + 1 into those of version n + 2 (the first version
# is 1); a step keeps every key it does not change, so nothing the user chose is lost on the way.
MIGRATIONS: list[Callable[[dict], dict]] = []
SETTINGS_VERSION = 1 + len(MIGRATIONS)
LANGUAGES = ("system", "en", "zh_CN")
"""The window's language choices: follow the system, English, Simplified Chinese."""


def current_version() -> int:
    return 1 + len(MIGRATIONS)


def load_settings(path: str | Path | None = None) -> dict:
    path = Path(path) if path else settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return {}  # not a settings file of ours
    for step in range(version - 1, len(MIGRATIONS)):
        data = {**MIGRATIONS[step](data), "version": step + 2}
    return data


def save_settings(values: dict, path: str | Path | None = None) -> None:
    """Write the settings; OSError if the folder cannot be written."""
    path = Path(path) if path else settings_path()
    data = {**values, "version": current_version()}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def language(values: dict) -> str:
    """The language preference in settings `values`: one of LANGUAGES ("system" when unset or
    unknown)."""
    choice = values.get("language")
    return choice if choice in LANGUAGES else "system"
