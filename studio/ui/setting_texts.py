"""The settings schema's words as the window shows them, in its language.

studio/settings may not import Qt, so its labels and help sentences are marked for translation in
studio/ui/schema_texts.py (generated from the schema) and translated here in the context
"Settings". In English every text is the schema's own: `describe` gives exactly
`Setting.describe()`.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from studio.settings import PRESETS, Setting
from studio.settings.setting import format_number

CONTEXT = "Settings"


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def label(setting: Setting) -> str:
    return _tr(setting.label)


def help_text(setting: Setting) -> str:
    return _tr(setting.help)


def describe(setting: Setting) -> str:
    """The help sentence with the accepted values and the default: the tooltip of its control."""
    said = help_text(setting)
    if setting.kind in ("float", "int"):
        return QCoreApplication.translate("Settings", "{0} Accepts {1}; default {2}.").format(
            said, setting.range_text(), format_number(setting.default)
        )
    if setting.kind == "seed":
        return QCoreApplication.translate("Settings", "{0} Accepts {1}.").format(
            said, setting.range_text()
        )
    if setting.kind == "choice":
        return QCoreApplication.translate("Settings", "{0} One of {1}; default {2}.").format(
            said, ", ".join(setting.choices), setting.default
        )
    return said


def preset_help(name: str) -> str:
    """A preset's one sentence, the tooltip of its button."""
    return _tr(PRESETS[name].help)
