"""The cross-attention of a finished translation as a heatmap: one row per target character (and
the end of the text), one column per source token, a cell's colour its weight; a layer and a head
chosen, or the average over them. The weights are the engine's (text/translation.py's
`cross_attention`), exactly those the model made the translation with."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

AVERAGE = -1  # the combo boxes' data for "average over all"


def weight_color(w: float) -> QColor:
    """White (0) to deep blue (1), so that the strong cells stand out on a light background."""
    w = min(max(float(w), 0.0), 1.0)
    return QColor(int(255 - 225 * w), int(255 - 165 * w), int(255 - 55 * w))


def chosen_weights(cross: np.ndarray, layer: int, head: int) -> np.ndarray:
    """(T, S) of cross (L, H, T, S): one layer and head, or the mean over layers and/or heads
    where AVERAGE is chosen."""
    picked = cross if layer == AVERAGE else cross[layer : layer + 1]
    picked = picked if head == AVERAGE else picked[:, head : head + 1]
    return picked.mean(axis=(0, 1))


class CrossAttentionDialog(QDialog):
    """A translation's cross-attention: `show_attention(answer)` with the engine's answer (a dict
    of source_tokens, target_tokens, cross (L, H, T, S), average (T, S)); `weights` holds what the
    table shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Cross-attention"))
        self.resize(760, 520)
        self.answer: dict | None = None
        self.weights: np.ndarray | None = None  # (T, S), as shown
        self.layer_box = QComboBox()
        self.layer_box.setToolTip(self.tr("The decoder layer whose attention is shown."))
        self.head_box = QComboBox()
        self.head_box.setToolTip(self.tr("The attention head shown."))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Layer")))
        row.addWidget(self.layer_box)
        row.addWidget(QLabel(self.tr("Head")))
        row.addWidget(self.head_box)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.layer_box.currentIndexChanged.connect(self._redraw)
        self.head_box.currentIndexChanged.connect(self._redraw)

    def show_loading(self, source: str) -> None:
        self.answer, self.weights = None, None
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.note.setText(self.tr("Computing the cross-attention of “{0}”…").format(source))

    def show_failure(self, message: str) -> None:
        self.note.setText(message)

    def show_attention(self, answer: dict) -> None:
        self.answer = answer
        layers, heads = answer["cross"].shape[:2]
        for box, n, word in (
            (self.layer_box, layers, self.tr("Layer {0}")),
            (self.head_box, heads, self.tr("Head {0}")),
        ):
            box.blockSignals(True)
            box.clear()
            box.addItem(self.tr("Average"), AVERAGE)
            for i in range(n):
                box.addItem(word.format(i + 1), i)
            box.blockSignals(False)
        self.note.setText(
            self.tr(
                "Rows: the characters written; columns: the source's tokens. Row by row, where "
                "the decoder looked in the source when it chose that character (each row sums "
                "to 1). Hover a cell for its weight."
            )
        )
        self._redraw()

    def select(self, layer: int, head: int) -> None:
        """Show one layer and head (AVERAGE for the mean over them)."""
        self.layer_box.setCurrentIndex(self.layer_box.findData(layer))
        self.head_box.setCurrentIndex(self.head_box.findData(head))

    def _redraw(self) -> None:
        answer = self.answer
        if answer is None:
            return
        layer, head = self.layer_box.currentData(), self.head_box.currentData()
        if layer is None or head is None:
            return
        if layer == AVERAGE and head == AVERAGE:
            weights = np.asarray(answer["average"])
        else:
            weights = chosen_weights(np.asarray(answer["cross"]), layer, head)
        self.weights = weights
        sources, targets = answer["source_tokens"], answer["target_tokens"]
        table = self.table
        table.clear()
        table.setRowCount(len(targets))
        table.setColumnCount(len(sources))
        table.setHorizontalHeaderLabels([s.replace(" ", "·") for s in sources])
        table.setVerticalHeaderLabels(list(targets))
        top = float(weights.max()) if weights.size else 1.0
        for t, target in enumerate(targets):
            for s, source in enumerate(sources):
                w = float(weights[t, s])
                item = QTableWidgetItem()
                # scaled to the strongest cell, so that a spread-out head is still readable
                item.setBackground(QBrush(weight_color(w / top if top > 0 else 0.0)))
                item.setToolTip(self.tr("{0} → {1}: {2:.4f}").format(source, target, w))
                table.setItem(t, s, item)
