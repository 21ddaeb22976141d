"""The window's language: English (the source texts) or 简体中文, from the preferences or, by default,
from the system (QLocale.system(): LANG=zh_CN.UTF-8 gives Chinese).

The studio's own texts come from resources/translations/aigc-studio_<language>.qm (built from the
.ts there by scripts/update_translations.py), Qt's own (file dialogs, standard buttons) from the
qtbase_<language>.qm that PySide6 ships. Both are installed before any widget is built; a change
of language takes effect when the window restarts.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from studio.core.paths import resources_dir
from studio.io.preferences import LANGUAGES

TRANSLATED = ("zh_CN",)
"""The languages the studio has translations for (English is the source)."""
NAMES = {"en": "English", "zh_CN": "简体中文"}
"""Each language by its own name, as the Language menu shows it whatever the window's language."""


def translations_dir():
    """The folder of the studio's .ts and .qm files."""
    return resources_dir() / "translations"


def system_language() -> str:
    """The language the system asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG on Linux): "zh_CN"
    where Simplified Chinese comes before English among its preferences, else "en"."""
    system = QLocale.system()
    traditional = False  # zh_TW, zh_HK: no translation yet (View > Language offers 简体中文)
    for name in [*system.uiLanguages(), system.name()]:
        loc = QLocale(name)
        if loc.language() == QLocale.Language.English:
            return "en"
        if loc.language() == QLocale.Language.Chinese and not traditional:
            # the list goes on from "zh-Hant-TW" to plain "zh", which alone reads as Simplified
            if loc.script() == QLocale.Script.TraditionalHanScript:
                traditional = True
                continue
            return "zh_CN"
    return "en"


def resolve(choice: str | None) -> str:
    """The language to show for a preference ("system", "en", "zh_CN"; anything else counts as
    "system")."""
    if choice in LANGUAGES and choice != "system":
        return choice
    return system_language()


def load_translators(language: str) -> list[QTranslator]:
    """The translators of `language` (Qt's own, then the studio's), loaded but not installed; none
    for English or a language without a translation."""
    if language not in TRANSLATED:
        return []
    found = []
    qt = QTranslator()
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{language}", qt_dir):
        found.append(qt)
    own = QTranslator()
    if own.load(f"aigc-studio_{language}", str(translations_dir())):
        found.append(own)
    return found


def install_language(language: str) -> list[QTranslator]:
    """Install `language`'s translators in the running application (before the window is built);
    returns them, for `remove_language`."""
    translators = load_translators(language)
    app = QCoreApplication.instance()
    for t in translators:
        t.setParent(app)  # lives as long as the application, whoever keeps the list
        QCoreApplication.installTranslator(t)
    return translators


def remove_language(translators: list[QTranslator]) -> None:
    for t in translators:
        QCoreApplication.removeTranslator(t)
        t.deleteLater()


def translate_in(language: str, context: str, text: str) -> str:
    """`text` as `language` says it, without installing anything: the offer to restart is made in
    the language chosen, before the window speaks it."""
    for t in reversed(load_translators(language)):
        said = t.translate(context, text)
        if said:
            return said
    return text
