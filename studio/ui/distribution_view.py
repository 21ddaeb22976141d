"""The distribution a pixel was drawn from: one bar per grey level or palette colour.

Bars are coloured by the value they stand for; the drawn value is marked and its probability is
written out, with the entropy of the whole distribution and the most likely values. Palette models
show their colours sorted by probability (the likely ones first), grey models in level order.

Most of 256 grey levels have almost no mass, so the bars show only the values that hold nearly all
of it (`shown_values`): the narrowest run of grey levels with 99% of the mass, or the likeliest
colours up to 99%, never fewer than MIN_BARS and always with the drawn value.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

SHOWN_MASS = 0.99  # the bars cover at least this much of the distribution
MIN_BARS = 16  # a peak on one value still shows its neighbours
TOP_VALUES = 3  # the likeliest values, written out under the heading


def shown_values(probs: np.ndarray, chosen: int, sort: bool) -> np.ndarray:
    """The values to draw a bar for, left to right. probs: (V,) summing to 1.

    sort False (grey levels): a run lo..hi of consecutive levels leaving at most (1 - SHOWN_MASS)/2
    of the mass on either side, widened to MIN_BARS around it and to the chosen value.
    sort True (palette colours): the likeliest first, as many as hold SHOWN_MASS (at least
    MIN_BARS), and the chosen one wherever it ranks."""
    n = len(probs)
    if n <= MIN_BARS:
        return np.argsort(-probs, kind="stable") if sort else np.arange(n)
    tail = (1.0 - SHOWN_MASS) / 2
    if sort:
        order = np.argsort(-probs, kind="stable")
        k = int(np.searchsorted(np.cumsum(probs[order]), SHOWN_MASS)) + 1
        k = min(n, max(k, MIN_BARS))
        if 0 <= chosen < n:
            k = max(k, int(np.nonzero(order == chosen)[0][0]) + 1)
        return order[:k]
    cdf = np.cumsum(probs)
    lo = int(np.searchsorted(cdf, tail, side="right"))
    hi = int(np.searchsorted(cdf, 1.0 - tail, side="left"))
    lo, hi = min(lo, n - 1), min(max(hi, lo), n - 1)
    if 0 <= chosen < n:
        lo, hi = min(lo, chosen), max(hi, chosen)
    missing = MIN_BARS - (hi - lo + 1)
    if missing > 0:  # widen evenly, then against the end that is reached
        lo = max(0, lo - missing // 2)
        hi = min(n - 1, lo + MIN_BARS - 1)
        lo = max(0, hi - MIN_BARS + 1)
    return np.arange(lo, hi + 1)


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
        """Value of each bar, left to right (those that hold nearly all the mass)."""
        if self.probs is None or not len(self.probs):
            return np.arange(0)
        return shown_values(self.probs, self.chosen, self.sort)

    def axis_ends(self, order: np.ndarray) -> tuple[str, str]:
        """What the left and right ends of the bars stand for."""
        n = len(self.probs) if self.probs is not None else 0
        if self.sort:
            if len(order) == n:
                return self.tr("most likely"), self.tr("least likely")
            return self.tr("most likely"), self.tr("top {0} of {1}").format(len(order), n)
        lo, hi = int(order[0]), int(order[-1])
        if lo == 0 and hi == n - 1:
            return self.tr("0 black"), self.tr("255 white")
        return self.tr("grey {0}").format(lo), self.tr("grey {0}").format(hi)

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
        top = float(self.probs[order].max()) or 1.0  # bars scaled to the most likely value
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
        left, right = self.axis_ends(order)
        p.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)
        p.drawText(below, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right)
        at = np.nonzero(order == self.chosen)[0]
        if len(at):
            x = int(at[0])
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
        elif len(probs):
            likely = np.argsort(-probs, kind="stable")[:TOP_VALUES]
            likely = [v for i, v in enumerate(likely) if i == 0 or probs[v] >= 5e-4]
            name = self.tr("colour {0}") if palette else self.tr("grey {0}")
            text += "\n" + self.tr("Most likely: {0}").format(
                ", ".join(f"{name.format(int(v))} ({probs[v]:.1%})" for v in likely)
            )
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
