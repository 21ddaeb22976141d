"""The legend of probability colours: a gradient bar from 0 to 1."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QLinearGradient, QPainter
from PySide6.QtWidgets import QWidget

from studio.ui.output_view import prob_color


class ProbLegend(QWidget):
    """`0 [red … green] 1`: the background colour a token gets for the probability it was drawn with."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(190, 22)
        self.setToolTip(
            self.tr("Background of each generated token: the probability it had when it was drawn.")
        )

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        fm = p.fontMetrics()
        lw = fm.horizontalAdvance("0") + 4
        rw = fm.horizontalAdvance("1") + 4
        bar = QRectF(lw, 4, self.width() - lw - rw, self.height() - 8)
        g = QLinearGradient(bar.topLeft(), bar.topRight())
        for i in range(11):
            g.setColorAt(i / 10, prob_color(i / 10))
        p.fillRect(bar, g)
        p.setPen(self.palette().text().color())
        p.drawRect(bar)
        p.drawText(QRectF(0, 0, lw, self.height()), Qt.AlignmentFlag.AlignCenter, "0")
        p.drawText(
            QRectF(self.width() - rw, 0, rw, self.height()), Qt.AlignmentFlag.AlignCenter, "1"
        )
        p.drawText(bar, Qt.AlignmentFlag.AlignCenter, self.tr("probability"))
        p.end()
