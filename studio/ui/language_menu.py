"""View > Language: follow the system, English or 简体中文. The choice is kept in the preferences
and takes effect when the window restarts, which it offers to do at once (everything the window
keeps, from the prompt to the model, is saved on closing and back after the restart).

Why a restart rather than switching live: every widget would need to set all its texts again,
including those built from data as a run goes (status fields, progress, tooltips), and a text
missed would stay in the old language; a restart shows every text in one language, always.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox

from studio.io.preferences import LANGUAGES, language, save_settings
from studio.ui.i18n import NAMES, resolve, translate_in

# the offer to restart, said in the language chosen (translated with translate_in, so marked here)
TITLE = QT_TRANSLATE_NOOP("MainWindow", "Language")
QUESTION = QT_TRANSLATE_NOOP(
    "MainWindow",
    "The window shows the new language when AIGC Studio restarts. Restart now? The prompt, "
    "settings and model are kept.",
)
RESTART = QT_TRANSLATE_NOOP("MainWindow", "Restart Now")
LATER = QT_TRANSLATE_NOOP("MainWindow", "Later")


def add_language_menu(w, view: QMenu) -> QMenu:
    """Add the Language submenu to MainWindow `w`'s View menu: one checkable action per choice
    (`w.language_actions`, by preference value), the current preference checked."""
    translate = QCoreApplication.translate
    menu = view.addMenu(translate("MainWindow", "&Language"))
    group = QActionGroup(menu)
    w.language_actions = {}
    current = language(w._settings)
    for choice in LANGUAGES:
        text = (
            translate("MainWindow", "Follow the &System") if choice == "system" else NAMES[choice]
        )
        a = QAction(text, menu)
        a.setCheckable(True)
        a.setChecked(choice == current)
        a.triggered.connect(lambda _on=False, c=choice: choose_language(w, c))
        group.addAction(a)
        menu.addAction(a)
        w.language_actions[choice] = a
    return menu


def choose_language(w, choice: str, ask: bool = True) -> bool:
    """Keep `choice` as the window's language preference; when that changes the language shown,
    offer to restart now (with `ask`). True when the window is closing to restart."""
    before = resolve(language(w._settings))
    w._settings["language"] = choice
    try:
        save_settings(w.settings_values())
    except OSError as e:
        print(f"aigc-studio: could not save settings: {e}")
    after = resolve(choice)
    if after == before or not ask:
        return False
    # said in the language chosen, which the person reads (perhaps not the one now on screen)
    box = QMessageBox(w)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(translate_in(after, "MainWindow", TITLE))
    box.setText(translate_in(after, "MainWindow", QUESTION))
    now = box.addButton(
        translate_in(after, "MainWindow", RESTART), QMessageBox.ButtonRole.AcceptRole
    )
    box.addButton(translate_in(after, "MainWindow", LATER), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not now:
        return False
    w.restart_requested = True  # app.run_app starts the studio again once the window has closed
    w.close()
    return True
