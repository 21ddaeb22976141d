"""The distribution a pixel was drawn from: one bar per grey level or palette colour.

Bars are coloured by the value they stand for; the drawn value is marked and its probability is
written out, with the entropy of the whole distribution. Palette models show their colours sorted by
probability (the likely ones first), grey models in level order (0 black .. 255 white).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget


class DistributionBars(QWidget):
    """Bars of a distribution; `colours` gives each value's colour as (V, 3) uint8."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.probs: np.ndarray | None = None
        self.colours: np.ndarray | None = None
        self.chosen = -1
        self.sort = False

    def set_distribution(
        self, probs: np.ndarray | None, colours: np.ndarray, chosen: int, sort: bool
    ) -> None:
        self.probs, self.colours, self.chosen, self.sort = probs, colours, chosen, sort
        self.update()

    def order(self) -> np.ndarray:
        """Value of each bar, left to right."""
        n = len(self.probs) if self.probs is not None else 0
        return np.argsort(-self.probs, kind="stable") if self.sort else np.arange(n)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#fafafa"))
        p.setPen(QPen(QColor("#c8c8c8"), 1))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self.probs is None or self.colours is None or not len(self.probs):
            p.setPen(QColor("#777"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("no distribution"))
            p.end()
            return
        order = self.order()
        n = len(order)
        axis = self.fontMetrics().height() + 2  # room under the bars for what the axis means
        w, h = self.width() - 4, self.height() - 6 - axis
        top = float(self.probs.max()) or 1.0  # bars scaled to the most likely value
        bw = w / n
        for x, v in enumerate(order):
            ph = float(self.probs[v]) / top * h
            r, g, b = (int(c) for c in self.colours[v])
            rect = QRectF(2 + x * bw, 3 + h - ph, max(bw, 1.0), ph)
            p.fillRect(rect, QColor(r, g, b))
            if r + g + b > 600:  # pale bars get an outline so they show on the light ground
                p.setPen(QPen(QColor("#999"), 0))
                p.drawRect(rect)
        p.setPen(QColor("#555"))
        below = QRectF(3, 4 + h, w - 2, axis)
        left, right = (
            (self.tr("most likely"), self.tr("least likely"))
            if self.sort
            else (self.tr("0 black"), self.tr("255 white"))
        )
        p.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)
        p.drawText(below, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right)
        if 0 <= self.chosen < n:
            x = int(np.nonzero(order == self.chosen)[0][0])
            p.setPen(QPen(QColor("#ff9800"), 2))
            p.drawRect(QRectF(2 + x * bw - 1, 2, max(bw, 1.0) + 2, h + 2))
        p.end()


class DistributionView(QWidget):
    """A heading (which pixel, which value, its probability) above the bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self.tr("Hover a pixel to see the distribution it was drawn from."))
        self.heading.setWordWrap(True)
        self.heading.setMinimumWidth(200)
        self.bars = DistributionBars()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.bars, 1)

    def show_pixel(
        self,
        sample: int,
        row: int,
        col: int,
        value: int,
        prob: float,
        model_prob: float,
        entropy: float,
        probs: np.ndarray | None,
        colours: np.ndarray,
        palette: bool,
    ) -> None:
        what = self.tr("colour {0}").format(value) if palette else self.tr("grey {0}").format(value)
        text = self.tr(
            "Sample {0}, pixel ({1}, {2}): {3}, drawn with p = {4:.3f}; entropy {5:.2f} nats"
        ).format(sample + 1, row, col, what, prob, entropy)
        if np.isfinite(model_prob) and abs(model_prob - prob) >= 5e-4:
            # the sampling stages changed it: say what the model itself gave
            text += "\n" + self.tr(
                "The model gave it p = {0:.3f} before the sampling stages."
            ).format(model_prob)
        if probs is None:
            text += "\n" + self.tr("(the full distribution is kept only for the run on screen)")
        self.heading.setText(text)
        self.bars.set_distribution(probs, colours, value, sort=palette)

    def show_kept(self, sample: int, row: int, col: int) -> None:
        self.heading.setText(
            self.tr(
                "Sample {0}, pixel ({1}, {2}): kept from the drawing, not drawn by the model."
            ).format(sample + 1, row, col)
        )
        self.bars.set_distribution(None, np.zeros((0, 3), np.uint8), -1, False)

    def clear(self, text: str = "") -> None:
        self.heading.setText(
            text or self.tr("Hover a pixel to see the distribution it was drawn from.")
        )
        self.bars.set_distribution(None, np.zeros((0, 3), np.uint8), -1, False)

    def text(self) -> str:
        return self.heading.text()
