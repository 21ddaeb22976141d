"""Attention drawn over the text: the context the model read when it drew one token, each token
shaded by the attention the drawn token's query paid it, in a chosen layer and head (or their
average), the drawn token itself marked at the end."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from studio.io.display_format import pct, show_text

SHADE = (230, 120, 20)  # the shading's colour; its opacity is the weight against the row's largest
WEIGHT_PROP = QTextFormat.Property.UserProperty + 1  # a token's weight, kept on its format
MOST = 5  # tokens listed under the text


def shade(weight: float, largest: float) -> QColor:
    """The background of a token with `weight`, the row's largest being `largest`: opacity in
    proportion, so the most attended token is fully shaded whatever its share."""
    alpha = 0 if largest <= 0 else round(235 * min(1.0, weight / largest))
    return QColor(*SHADE, alpha)


def _visible(text: str) -> str:
    """A token as it reads in the text, a newline made visible so its shading shows."""
    return text.replace("\n", "⏎\n") or "∅"


class AttentionView(QWidget):
    """Shows an Inspection's attention; the layer and head selectors redraw the shading."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspection = None
        self._starts: list[int] = []  # document position of each context token
        self.explain = QLabel(
            self.tr(
                "The text the model read before drawing the token, each token shaded by the "
                "attention the drawn token's query paid it: the darker, the more it looked there."
            )
        )
        self.explain.setWordWrap(True)
        self.layer_box = QComboBox()
        self.head_box = QComboBox()
        self.layer_box.setToolTip(self.tr("The layer whose attention is shown, or their average"))
        self.head_box.setToolTip(self.tr("The attention head shown, or the average of them"))
        pick = QHBoxLayout()
        pick.addWidget(QLabel(self.tr("Layer")))
        pick.addWidget(self.layer_box, 1)
        pick.addWidget(QLabel(self.tr("Head")))
        pick.addWidget(self.head_box, 1)
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(11)
        self.text.document().setDefaultFont(font)
        self.most = QLabel()
        self.most.setTextFormat(Qt.TextFormat.RichText)
        self.most.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(pick)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.most)
        self.layer_box.currentIndexChanged.connect(self._draw)
        self.head_box.currentIndexChanged.connect(self._draw)

    def show_message(self, message: str) -> None:
        """No attention to show: say why (computing, or what failed)."""
        self.inspection = None
        self.text.setPlainText(message)
        self.most.clear()
        self.layer_box.setEnabled(False)
        self.head_box.setEnabled(False)

    def show_inspection(self, inspection) -> None:
        """inspection: a core.inspection.Inspection holding attention. Keeps the layer and head
        chosen when the next token has as many."""
        a = inspection.attention
        self.inspection = inspection
        for box, count, every, one in (
            (self.layer_box, a.layers, self.tr("Average of all layers"), self.tr("Layer {0}")),
            (self.head_box, a.heads, self.tr("Average of all heads"), self.tr("Head {0}")),
        ):
            keep = box.currentIndex() if box.count() == count + 1 else 0
            box.blockSignals(True)
            box.clear()
            box.addItem(every)
            box.addItems([one.format(i + 1) for i in range(count)])
            box.setCurrentIndex(keep)
            box.setEnabled(True)
            box.blockSignals(False)
        self._draw()

    def select(self, layer: int | None, head: int | None) -> None:
        """Show one layer's head (from 0), None for the average."""
        self.layer_box.setCurrentIndex(0 if layer is None else layer + 1)
        self.head_box.setCurrentIndex(0 if head is None else head + 1)

    def shown_row(self) -> np.ndarray:
        """(context,): the weights of the layer and head chosen."""
        layer, head = self.layer_box.currentIndex() - 1, self.head_box.currentIndex() - 1
        return self.inspection.attention.row(
            None if layer < 0 else layer, None if head < 0 else head
        )

    def _draw(self) -> None:
        found = self.inspection
        if found is None:
            return
        w = self.shown_row()
        largest = float(w.max()) if w.size else 0.0
        self.text.clear()
        cursor = QTextCursor(self.text.document())
        self._starts = []
        for token, weight in zip(found.context, w.tolist(), strict=True):
            self._starts.append(cursor.position())
            fmt = QTextCharFormat()
            fmt.setBackground(shade(weight, largest))
            fmt.setProperty(WEIGHT_PROP, float(weight))
            fmt.setToolTip(pct(weight))
            cursor.insertText(_visible(token.text), fmt)
        drawn = QTextCharFormat()
        drawn.setFontWeight(QFont.Weight.Bold)
        drawn.setFontUnderline(True)
        drawn.setForeground(QColor("#1f3b73"))
        cursor.insertText(_visible(found.chosen.text), drawn)
        order = np.argsort(-w, kind="stable")[:MOST]
        cells = ", ".join(
            f"<b>{html.escape(show_text(found.context[j].text))}</b> {pct(float(w[j]))}"
            for j in order
        )
        self.most.setText(self.tr("Most attended: {0}").format(cells))

    def shown(self) -> list[tuple[float, int]]:
        """(weight, shading opacity) of each context token as drawn, read back from the
        document at the token's first character."""
        out = []
        cursor = QTextCursor(self.text.document())
        for start in self._starts:
            cursor.setPosition(start + 1)  # the format of the character before the cursor
            fmt = cursor.charFormat()
            out.append((float(fmt.property(WEIGHT_PROP)), fmt.background().color().alpha()))
        return out
