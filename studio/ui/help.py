"""The Help menu's boxes: the keyboard shortcuts, read from the window's actions, and About."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget


def plain_text(action_text: str) -> str:
    """An action's text without its mnemonic or trailing ellipsis: "&Open…" is "Open", and
    "打开(&O)…" (mnemonics as Chinese menus write them) is "打开"."""
    return re.sub(r"\(&\w\)", "", action_text).replace("&", "").rstrip("…").strip()


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(what, keys) for every action that has a shortcut, read from the actions themselves so the
    list cannot drift from what the keys do."""
    rows = []
    for a in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts()]
        keys = [k for k in keys if k]  # a standard key with no binding on this platform
        if keys:
            rows.append((plain_text(a.text()), ", ".join(keys)))
    return rows


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> QMessageBox:
    """Open (not modal) a box listing `rows` of (what, keys)."""
    table = "".join(
        f"<tr><td>{html.escape(what)}</td><td><b>{html.escape(keys)}</b></td></tr>"
        for what, keys in rows
    )
    box = QMessageBox(parent)
    box.setWindowTitle(QCoreApplication.translate("Help", "Keyboard Shortcuts"))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<table cellspacing=6>{table}</table>")
    box.open()
    return box


def show_about(parent: QWidget) -> QMessageBox:
    """Open (not modal) what this is, its version and where each model's data and license are."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from studio import __version__

    box = QMessageBox(parent)
    box.setWindowTitle(QCoreApplication.translate("Help", "About AIGC Studio"))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(
        QCoreApplication.translate(
            "Help",
            "<h3>AIGC Studio {0}</h3>"
            "<p>Watch generative models write and draw, one token or pixel at a time, and see "
            "the probabilities behind each choice.</p>"
            "<p>The data and license of each model are in its card (View &gt; Model Card).</p>"
            "<p>Qt {1}, PySide6 {2}.</p>",
        ).format(__version__, qVersion(), pyside_version)
    )
    box.open()
    return box
