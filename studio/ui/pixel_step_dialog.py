"""Step mode's view for pixels: the pixel the run would draw next, paused. The text step dialog
(step_dialog.py) with values in place of tokens: each stage's distribution over the values as a
small histogram (grey levels for digits, palette colours for emoji), the values each stage removed
listed in rank order with their swatches, the cumulative bar of the final distribution in the
draw's order (value 0 first, each slice in its value's colour) with the draw's u, and the values
to pick from. Accept (Enter), Pick, Step again (F10), Run on (F5) as for text."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QListWidgetItem, QTreeWidgetItem, QWidget

from studio.core.events import Candidate
from studio.core.step import PixelStepOutcome
from studio.io.display_format import pct
from studio.ui.cumulative_bar import CumulativeBar
from studio.ui.data_words import stage_name
from studio.ui.step_dialog import ID_ROLE, REMOVED_LISTED, StepDialog

HIST_SIZE = QSize(168, 26)  # a stage's distribution over the values
_HIST_BACK = QColor(105, 120, 145)  # a mid tone: white, pale colours and black all show


def swatch(rgb, size: int = 14) -> QIcon:
    """A square of one value's colour, outlined so that white shows on white."""
    pm = QPixmap(size, size)
    pm.fill(QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
    p = QPainter(pm)
    p.setPen(QColor(90, 90, 90))
    p.drawRect(0, 0, size - 1, size - 1)
    p.end()
    return QIcon(pm)


def histogram(dist: np.ndarray, colours: np.ndarray, size: QSize = HIST_SIZE) -> QPixmap:
    """dist (V,) as columns left to right, value 0 first, each in its value's colour, its height
    the square root of its probability relative to the most likely value's (so that a value of
    1% beside one of 90% still shows)."""
    pm = QPixmap(size)
    pm.fill(_HIST_BACK)
    p = QPainter(pm)
    V = len(dist)
    top = float(dist.max()) if V else 0.0
    w = size.width() / max(1, V)
    for v in np.nonzero(dist > 0)[0]:
        h = max(1.0, (size.height() - 2) * (float(dist[v]) / top) ** 0.5)
        r = QRectF(v * w, size.height() - 1 - h, max(1.0, w), h)
        rgb = colours[v]
        p.fillRect(r, QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
        if w >= 4:
            p.setPen(QColor(90, 90, 90))
            p.drawRect(r)
    p.setPen(QColor(120, 120, 120))
    p.drawRect(0, 0, size.width() - 1, size.height() - 1)
    p.end()
    return pm


class PixelBar(CumulativeBar):
    """The cumulative bar of a pixel's final distribution: slices in their values' colours, value
    0 first (the order the draw reads it in), the drawn slice outlined."""

    labelled = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours = np.zeros((0, 3), np.uint8)

    def slice_colour(self, n: int, c) -> QColor:
        if c is None or c.id >= len(self.colours):
            return super().slice_colour(n, c)
        r, g, b = (int(x) for x in self.colours[c.id])
        return QColor(r, g, b)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        w = self.width() - 2
        bar_h = self.height() - 22
        p = QPainter(self)
        for a, b, c in self.slices():
            if c is not None and c.id == self._drawn:
                p.setPen(QPen(QColor(235, 150, 60), 3))
                p.drawRect(QRectF(1 + a * w, 2, max(2.0, (b - a) * w), bar_h - 2))
        p.end()


class PixelStepDialog(StepDialog):
    """Not modal: beside the window while the person steps through a picture's pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Step mode: pixels"))
        self.colours = np.zeros((0, 3), np.uint8)  # (V, 3) uint8
        self.palette_model = False
        old = self.bar
        self.bar = PixelBar()
        self.layout().replaceWidget(old, self.bar)
        old.deleteLater()
        self.bar_label.setText(
            self.tr(
                "The final distribution as a bar in the draw's order, value 0 first; the draw's "
                "number u falls in the drawn value's slice (outlined)."
            )
        )
        self.stages_label.setText(self.tr("Stages, and the values each removed (greyed)"))
        self.choices_label.setText(self.tr("Values"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.layout().insertWidget(1, self.note)
        self.stages.setHeaderLabels(
            [self.tr("Stage"), self.tr("Distribution"), self.tr("Kept"), self.tr("Entropy")]
        )
        self.stages.setIconSize(HIST_SIZE)
        for column, width in enumerate((220, HIST_SIZE.width() + 12, 50)):
            self.stages.setColumnWidth(column, width)
        self.resize(920, 600)
        self.choices.setToolTip(
            self.tr("The values you may take, most likely first; double-click one to pick it.")
        )
        self.pick_button.setToolTip(self.tr("Take the value selected instead (double-click)."))
        self.accept_button.setToolTip(self.tr("Take the drawn value (Enter)."))
        self.step_button.setToolTip(self.tr("Take the drawn value and show the next pixel (F10)."))
        self.run_on_button.setToolTip(
            self.tr(
                "Take the drawn value and go on as an ordinary image run with the same seed (F5)."
            )
        )

    def set_model(self, colours: np.ndarray, palette: bool, samples: int, seed: int) -> None:
        """The values' colours ((V, 3) uint8), whether they are palette colours, and the run."""
        self.colours = colours
        self.palette_model = palette
        self.bar.colours = colours
        note = self.tr("Step mode draws sample 0 (seed {0}).").format(seed)
        if samples > 1:
            note += " " + self.tr(
                "The other {0} images of the batch are drawn when you run on."
            ).format(samples - 1)
        self.note.setText(note)

    def value_text(self, v: int) -> str:
        if self.palette_model:
            r, g, b = (int(x) for x in self.colours[v])
            return self.tr("colour {0} (#{1:02x}{2:02x}{3:02x})").format(v, r, g, b)
        return self.tr("grey {0}").format(v)

    def _named(self, c: Candidate) -> Candidate:
        return Candidate(c.id, self.value_text(c.id), c.prob, c.model_prob)

    def show_computing(self, step: int) -> None:
        self.title.setText(self.tr("Pixel {0}: computing…").format(step + 1))
        self.set_busy(True)

    def show_outcome(self, o: PixelStepOutcome) -> None:  # type: ignore[override]
        """The next pixel, drawn and not yet taken."""
        self.outcome = o  # type: ignore[assignment]
        if o.u is None:
            how = self.tr("greedy: the most likely value, no draw")
        else:
            how = self.tr("u = {0:.4f} (seed {1}, step {2})").format(o.u, o.seed, o.step)
        self.title.setText(
            self.tr(
                "Pixel {0} at (row {1}, col {2}): drawn <b>{3}</b> with probability {4} — {5}"
            ).format(o.step + 1, o.row, o.col, self.value_text(o.drawn.id), pct(o.drawn.prob), how)
        )
        self.bar.show_bar(tuple(self._named(c) for c in o.bar), 0.0, o.u, o.drawn.id)
        self._fill_stages(o)  # type: ignore[arg-type]
        self._fill_choices(o)  # type: ignore[arg-type]
        self.set_busy(False)

    def show_taken(self, o: PixelStepOutcome) -> None:  # type: ignore[override]
        """The value of `o` is on the canvas now (drawn or picked)."""
        how = self.tr("picked by hand") if o.hand else self.tr("accepted")
        said = self.tr("Pixel {0} at (row {1}, col {2}) {3}: <b>{4}</b>.").format(
            o.step + 1, o.row, o.col, how, self.value_text(o.event.value)
        )
        if o.ends:
            said += " " + self.tr("The picture has all its pixels.")
        else:
            said += " " + self.tr("Step again (F10) or run on (F5).")
        self.title.setText(said)
        self.set_busy(False, taken=True)

    def _fill_stages(self, o: PixelStepOutcome) -> None:  # type: ignore[override]
        t = self.stages
        t.clear()
        grey = self.palette().placeholderText()
        for s, dist in zip(o.stages, o.dists, strict=True):
            name = stage_name(s.name) + (f" {s.setting}" if s.setting else "")
            if s.removed_count:
                name += "  " + self.tr("(removed {0})").format(s.removed_count)
            item = QTreeWidgetItem([name, "", str(s.kept), f"{s.entropy:.2f}"])
            item.setIcon(1, QIcon(histogram(dist, self.colours)))
            item.setToolTip(
                1,
                self.tr("Each value's probability, value 0 on the left (height: its square root)."),
            )
            for c in s.removed[:REMOVED_LISTED]:
                child = QTreeWidgetItem([f"{self.value_text(c.id)}   {pct(c.prob)}", "", "", ""])
                child.setIcon(0, swatch(self.colours[c.id]))
                child.setForeground(0, grey)
                child.setData(0, ID_ROLE, c.id)
                item.addChild(child)
            listed = min(len(s.removed), REMOVED_LISTED)
            if s.removed_count > listed:
                more = QTreeWidgetItem(
                    [self.tr("… and {0} more").format(s.removed_count - listed), "", "", ""]
                )
                more.setForeground(0, grey)
                item.addChild(more)
            t.addTopLevelItem(item)
            for i in range(item.childCount()):  # a removed value's line is wider than its column
                item.child(i).setFirstColumnSpanned(True)
            item.setExpanded(bool(s.removed))

    def _fill_choices(self, o: PixelStepOutcome) -> None:  # type: ignore[override]
        c = self.choices
        c.clear()
        bold = QFont(c.font())
        bold.setBold(True)
        ranked = sorted(o.bar, key=lambda x: (-x.prob, x.id))
        for cand in ranked:
            item = QListWidgetItem(
                swatch(self.colours[cand.id]), f"{self.value_text(cand.id)}   {pct(cand.prob)}"
            )
            item.setData(ID_ROLE, cand.id)
            if cand.id == o.drawn.id:
                item.setFont(bold)
            c.addItem(item)
        c.setCurrentRow(next((i for i, x in enumerate(ranked) if x.id == o.drawn.id), 0))
