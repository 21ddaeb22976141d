"""The logit lens of one token as a table: a row per depth (the embedding, then after each block),
the five tokens the final norm and the unembedding make likeliest there with their probabilities,
and the drawn token's probability and place; the first depth where it leads is marked."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.io.display_format import pct, show_text
from studio.ui.bar_delegate import PROB_ROLE, bar_table

DRAWN = QColor("#1f3b73")  # the drawn token's text wherever it appears


class LensView(QWidget):
    """Shows an Inspection's logit lens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.explain = QLabel(
            self.tr(
                "What the model would predict if it stopped early: the residual stream at this "
                "position after each layer, through the final norm and the unembedding. The last "
                "row is the model's own distribution."
            )
        )
        self.explain.setWordWrap(True)
        self.table = bar_table()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addWidget(self.table, 1)

    def depth_name(self, layer: int) -> str:
        return self.tr("Embedding") if layer == 0 else self.tr("Layer {0}").format(layer)

    def show_message(self, message: str) -> None:
        self.title.setText(html.escape(message))
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)

    def show_inspection(self, inspection) -> None:
        """inspection: a core.inspection.Inspection holding the lens."""
        lens, chosen = inspection.lens, inspection.chosen
        drawn = html.escape(show_text(chosen.text))
        first = lens.first_on_top
        self.title.setText(
            self.tr("<b>{0}</b> first leads at: {1}").format(drawn, self.depth_name(first))
            if first is not None
            else self.tr(
                "<b>{0}</b> leads at no depth: the model did not make it its first choice"
            ).format(drawn)
        )
        t = self.table
        t.clear()
        k = len(lens.layers[0].top)
        places = [self.tr("1st"), self.tr("2nd"), self.tr("3rd"), self.tr("4th"), self.tr("5th")]
        t.setColumnCount(k + 1)
        t.setRowCount(len(lens.layers))
        t.setHorizontalHeaderLabels(
            [*places[:k], self.tr("Drawn: {0}").format(show_text(chosen.text))]
        )
        bold = QFont(t.font())
        bold.setBold(True)
        labels = []
        for row, depth in enumerate(lens.layers):
            marked = depth.layer == first
            labels.append(("▶ " if marked else "") + self.depth_name(depth.layer))
            for col, c in enumerate(depth.top):
                item = QTableWidgetItem(f"{show_text(c.text)}  {pct(c.prob)}")
                item.setData(PROB_ROLE, float(c.prob))
                item.setToolTip(self.tr("token id {0}").format(c.id))
                if c.id == chosen.id:
                    item.setFont(bold)
                    item.setForeground(DRAWN)
                t.setItem(row, col, item)
            item = QTableWidgetItem(
                self.tr("{0} (#{1})").format(pct(depth.chosen_prob), depth.chosen_rank)
            )
            item.setData(PROB_ROLE, float(depth.chosen_prob))
            if marked:
                item.setFont(bold)
            t.setItem(row, k, item)
        t.setVerticalHeaderLabels(labels)
        # the drawn token's column as wide as its numbers, the five others share the rest
        t.horizontalHeader().setSectionResizeMode(k, QHeaderView.ResizeMode.ResizeToContents)

    def cell_text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item else ""
