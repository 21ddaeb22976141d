"""Run > Precision: the precision the model is opened in (Auto, float32, bfloat16, int8).

The choice is kept in the preferences and opens the loaded model again in the new precision; the
status bar's device field says the precision in use ("cpu, 2 threads · int8") and the model card
its line ("float32 weights, computed in int8 (weight-only, per output channel)").
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from studio.io.preferences import save_settings
from studio.settings.precision import DEFAULT_PRECISION, PRECISIONS


def precision(values: dict) -> str:
    """The precision preference in settings `values` ("auto" when unset or unknown)."""
    choice = values.get("precision")
    return choice if choice in PRECISIONS else DEFAULT_PRECISION


def add_precision_menu(w, menu: QMenu) -> QMenu:
    """Add the Precision submenu to `menu` of MainWindow `w`: one checkable action per choice
    (`w.precision_actions`), the preference checked."""
    translate = QCoreApplication.translate
    sub = menu.addMenu(translate("MainWindow", "&Precision"))
    sub.setToolTipsVisible(True)
    group = QActionGroup(sub)
    w.precision_actions = {}
    current = precision(w._settings)
    names = {
        "auto": translate("Precision", "&Auto (as stored)"),
        "float32": translate("Precision", "float&32"),
        "bfloat16": translate("Precision", "&bfloat16"),
        "int8": translate("Precision", "&int8 (weights only)"),
    }
    tip = translate(
        "Precision",
        "The precision the model computes in. int8 keeps the large matrices in 8 bits, a quarter "
        "of float32's memory, and is faster on most processors; bfloat16 halves it. Image models "
        "compute in float32.",
    )
    for choice in PRECISIONS:
        a = QAction(names[choice], sub)
        a.setCheckable(True)
        a.setChecked(choice == current)
        a.setToolTip(tip)
        a.triggered.connect(lambda _on=False, c=choice: choose_precision(w, c))
        group.addAction(a)
        sub.addAction(a)
        w.precision_actions[choice] = a
    return sub


def choose_precision(w, choice: str) -> None:
    """Keep `choice` as the precision preference and open the model again in it."""
    w._settings["precision"] = choice
    w.precision_actions[choice].setChecked(True)
    try:
        save_settings(w.settings_values())
    except OSError as e:
        print(f"aigc-studio: could not save settings: {e}")
    w.models.set_precision(choice)
