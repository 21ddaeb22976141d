"""The cumulative bar of a final next-token distribution (step mode): one slice per token, most
likely first, each as wide as its probability, the rest of the vocabulary one grey end; a line
marks the uniform number u of the draw, and the slice it fell in (the token drawn) is outlined."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.io.display_format import pct, show_text

# two alternating hues so that neighbouring slices read apart; the drawn slice is the accent
_SLICES = (QColor(120, 160, 210), QColor(160, 195, 230))
_DRAWN = QColor(235, 150, 60)
_REST = QColor(200, 200, 200)


class CumulativeBar(QWidget):
    """Shows (candidates, rest mass, u, drawn id); a tooltip names the slice under the mouse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._bar: tuple = ()
        self._rest = 0.0
        self._u: float | None = None
        self._drawn: int | None = None

    labelled = True  # slices wide enough show their token's text

    def slice_colour(self, n: int, c) -> QColor:
        """The colour of slice n (candidate c; None for the rest)."""
        return _REST if c is None else _DRAWN if c.id == self._drawn else _SLICES[n % 2]

    def sizeHint(self) -> QSize:
        return QSize(480, 58)

    def show_bar(self, bar: tuple, rest: float, u: float | None, drawn: int | None) -> None:
        """bar: Candidates most likely first (their probabilities sum to 1 - rest)."""
        self._bar, self._rest, self._u, self._drawn = tuple(bar), rest, u, drawn
        self.update()

    def slices(self) -> list[tuple[float, float, object]]:
        """(start, end, candidate) of each slice on [0, 1]; the rest as (start, 1, None)."""
        out: list[tuple[float, float, object]] = []
        at = 0.0
        for c in self._bar:
            out.append((at, at + c.prob, c))
            at += c.prob
        if self._rest > 0:
            out.append((at, 1.0, None))
        return out

    def slice_at(self, x: float) -> object:
        """The candidate whose slice lies under widget x (None for the rest or outside)."""
        w = max(1, self.width() - 2)
        f = (x - 1) / w
        for a, b, c in self.slices():
            if a <= f < b:
                return c
        return None

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:
            c = self.slice_at(e.pos().x())
            self.setToolTip(f"{show_text(c.text)}  {pct(c.prob)}" if c is not None else "")
        return super().event(e)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        h = self.height()
        bar_h = h - 22  # room for u's label below
        w = self.width() - 2
        fm = p.fontMetrics()
        for n, (a, b, c) in enumerate(self.slices()):
            r = QRectF(1 + a * w, 1, max(1.0, (b - a) * w), bar_h)
            p.fillRect(r, self.slice_colour(n, c))
            if c is not None and self.labelled:
                label = show_text(c.text)
                if fm.horizontalAdvance(label) + 4 < r.width():
                    p.setPen(Qt.GlobalColor.black)
                    p.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
        p.setPen(QPen(self.palette().mid().color()))
        p.drawRect(QRectF(1, 1, w, bar_h))
        if self._u is not None:
            x = 1 + self._u * w
            p.setPen(QPen(QColor(200, 30, 30), 2))
            p.drawLine(int(x), 0, int(x), bar_h + 4)
            label = f"u = {self._u:.4f}"
            tw = fm.horizontalAdvance(label)
            left = min(max(0.0, x - tw / 2), self.width() - tw)
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(left, bar_h + 4, tw + 2, 18), Qt.AlignmentFlag.AlignLeft, label)
        p.end()
