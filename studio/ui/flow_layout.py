"""A layout that lays its widgets out in a row and wraps them onto further rows when the row is
too narrow, so a bar of controls never makes the window wider than the screen.

Its minimum width is that of its widest item; its height follows from the width it is given
(heightForWidth), which the box layouts around it honour.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLayout, QLayoutItem, QSizePolicy, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping; `stretch_last` puts the last item at the right end of its
    row (a button that belongs at the end, such as Export…)."""

    def __init__(
        self, parent: QWidget | None = None, spacing: int = 6, stretch_last: bool = False
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._stretch_last = stretch_last
        self.setContentsMargins(0, 0, 0, 0)

    # ---- QLayout ------------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, i: int) -> QLayoutItem | None:
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i: int) -> QLayoutItem | None:
        return self._items.pop(i) if 0 <= i < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._lay_out(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._lay_out(rect, move=True)

    def sizeHint(self) -> QSize:
        # everything on one row
        shown = self._shown()
        m = self.contentsMargins()
        w = sum(i.sizeHint().width() for i in shown) + self._spacing * max(0, len(shown) - 1)
        h = max((i.sizeHint().height() for i in shown), default=0)
        return QSize(w, h) + QSize(m.left() + m.right(), m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    # ---- laying out ---------------------------------------------------------------------------

    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty() and i.sizeHint().width() > 0]

    def _lay_out(self, rect: QRect, move: bool) -> int:
        """Place the items (if `move`) in `rect`; the height they take."""
        m: QMargins = self.contentsMargins()
        area = rect.marginsRemoved(m)
        rows: list[list[QLayoutItem]] = [[]]
        x = 0
        for item in self._shown():
            w = item.sizeHint().width()
            if rows[-1] and x + w > area.width():
                rows.append([])
                x = 0
            rows[-1].append(item)
            x += w + self._spacing
        y = area.y()
        for r, row in enumerate(rows):
            height = max((i.sizeHint().height() for i in row), default=0)
            x = area.x()
            for n, item in enumerate(row):
                hint = item.sizeHint()
                last = self._stretch_last and r == len(rows) - 1 and n == len(row) - 1
                if last and len(self._shown()) > 1:
                    x = max(x, area.right() + 1 - hint.width())
                if move:
                    # centred in the row's height, as a box layout would
                    top = y + (height - hint.height()) // 2
                    width = min(hint.width(), area.width())
                    item.setGeometry(QRect(QPoint(x, top), QSize(width, hint.height())))
                x += hint.width() + self._spacing
            y += height + (self._spacing if r < len(rows) - 1 else 0)
        return y - rect.y() + m.bottom()


def flow_row(*widgets: QWidget, stretch_last: bool = False) -> FlowLayout:
    """A FlowLayout holding `widgets` in order."""
    layout = FlowLayout(stretch_last=stretch_last)
    for w in widgets:
        layout.addWidget(w)
    return layout


def group(*widgets: QWidget) -> QWidget:
    """Widgets that wrap together, such as a caption and its control."""
    box = QWidget()
    box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    return box
