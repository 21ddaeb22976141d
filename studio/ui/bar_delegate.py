"""Table cells that draw their probability as a bar under the text (the stages and lens tables)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
)

PROB_ROLE = Qt.ItemDataRole.UserRole + 1  # a cell's probability (float), drawn as a bar
BAR = QColor("#8fb4e3")


class BarDelegate(QStyledItemDelegate):
    """Paints a cell's probability as a bar under its text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        p = index.data(PROB_ROLE)
        if isinstance(p, float) and p > 0:
            r = option.rect.adjusted(2, 3, -2, -3)
            painter.fillRect(
                QRect(r.left(), r.top(), max(1, round(r.width() * p)), r.height()), BAR
            )
        super().paint(painter, option, index)


def bar_table() -> QTableWidget:
    """A read-only table whose cells draw their probabilities as bars, columns sharing the width
    (the sampling stages and the logit lens)."""
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setItemDelegate(BarDelegate(table))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table
