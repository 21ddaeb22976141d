"""The window's three columns: the model picker and sampling panel (scrolling when the window is
short), the workspaces' tabs, the history."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QGroupBox, QScrollArea, QSplitter, QVBoxLayout, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _boxed(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(_tr(title))
    QVBoxLayout(box).addWidget(widget)
    return box


class PanelScroll(QScrollArea):
    """The left column: scrolls vertically when the window is short, and is never narrower than
    its panel needs, asked again whenever the panel's layout changes (fonts, a language, a longer
    seed), so nothing in it is ever cut off at the right."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__()
        self.setWidget(panel)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        panel.installEventFilter(self)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        panel = self.widget()
        if panel is None:
            return hint
        width = panel.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() + 2
        return QSize(width, hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.setMinimumWidth(self.minimumSizeHint().width())  # the splitter follows
        return super().eventFilter(watched, event)


def columns(picker: QWidget, sampling: QWidget, tabs: QWidget, history: QWidget) -> QSplitter:
    """A splitter (object name "mainSplitter", saved with the preferences) of the three columns."""
    left = QWidget()
    ll = QVBoxLayout(left)
    ll.setContentsMargins(6, 6, 6, 6)
    ll.addWidget(_boxed(QT_TRANSLATE_NOOP("MainWindow", "Model"), picker))
    ll.addWidget(_boxed(QT_TRANSLATE_NOOP("MainWindow", "Sampling"), sampling), 1)
    scroll = PanelScroll(left)
    scroll.setMinimumWidth(scroll.minimumSizeHint().width())
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
