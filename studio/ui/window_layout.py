"""The window's three columns: the model picker and sampling panel (scrolling when the window is
short), the workspaces' tabs, the history."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QGroupBox, QScrollArea, QSplitter, QVBoxLayout, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _boxed(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(_tr(title))
    QVBoxLayout(box).addWidget(widget)
    return box


def columns(picker: QWidget, sampling: QWidget, tabs: QWidget, history: QWidget) -> QSplitter:
    """A splitter (object name "mainSplitter", saved with the preferences) of the three columns."""
    left = QWidget()
    ll = QVBoxLayout(left)
    ll.setContentsMargins(6, 6, 6, 6)
    ll.addWidget(_boxed(QT_TRANSLATE_NOOP("MainWindow", "Model"), picker))
    ll.addWidget(_boxed(QT_TRANSLATE_NOOP("MainWindow", "Sampling"), sampling), 1)
    scroll = QScrollArea()
    scroll.setWidget(left)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    # wide enough for the panel, so only a vertical scroll bar is ever needed
    scroll.setMinimumWidth(
        left.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 2
    )
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName("mainSplitter")
    splitter.setChildrenCollapsible(True)  # drag a side column away to give the text its room
    history_box = _boxed(QT_TRANSLATE_NOOP("MainWindow", "History"), history)
    for i, (w, stretch) in enumerate(((scroll, 0), (tabs, 1), (history_box, 0))):
        splitter.addWidget(w)
        splitter.setStretchFactor(i, stretch)
    # the panel as narrow as it goes, the history narrow too: the text gets the rest
    splitter.setSizes([scroll.minimumWidth(), 1000, 220])
    return splitter
