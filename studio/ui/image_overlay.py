"""Look inside a pixel: with "Look inside" on, a click on a drawn pixel of a finished picture asks
the engine which earlier pixels it looked at, and the canvas shows it over that picture: the
attention of the query that drew it (emoji; a layer and a head can be chosen, their average by
default) or the gradient saliency (digits), in magenta, the pixel framed and
the later pixels veiled (io/pixel_overlay.py). Esc, a new picture or switching it off clears it.

Computed by the engine process when asked, after a run has ended, so streaming pays nothing.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget

from studio.core.pixel_inspection import ATTENTION_KIND, PixelInspection
from studio.io.display_format import pct
from studio.io.image_export import decode_png
from studio.io.pixel_overlay import overlay_words


class PixelOverlay(QWidget):
    """The bar under the image tools (layer and head, what is shown) and the "Look inside"
    switch `check` that goes among the tools; owned by the image workspace `ws`."""

    def __init__(self, ws: QWidget) -> None:
        super().__init__(ws)
        self.ws = ws
        self.found: PixelInspection | None = None  # shown on the canvas
        self.sample = 0  # the picture of the batch it is over
        self._asked: tuple[int, int, int] | None = None  # (sample, row, col) awaited
        self.check = QCheckBox(self.tr("Look inside"))
        self.check.setToolTip(
            self.tr(
                "Click a drawn pixel to see which earlier pixels it looked at: the attention of "
                "the query that drew it (emoji) or the gradient saliency (digits). Esc clears."
            )
        )
        self.layer_box = QComboBox()
        self.layer_box.setToolTip(self.tr("The layer whose attention is shown, or their average"))
        self.head_box = QComboBox()
        self.head_box.setToolTip(self.tr("The attention head shown, or the average of them"))
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.layer_box)
        row.addWidget(self.head_box)
        row.addWidget(self.caption, 1)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), ws)
        self.escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self.escape.setEnabled(False)  # only while an overlay is shown: Esc is Stop during a run
        self.escape.activated.connect(self.clear)
        self.check.toggled.connect(self._switched)
        self.layer_box.currentIndexChanged.connect(self._draw)
        self.head_box.currentIndexChanged.connect(self._draw)
        self.hide()

    def attach(self, canvas, engine, runs) -> None:
        canvas.sig_clicked.connect(self.ask)
        canvas.sig_reshaped.connect(self.clear)
        # Esc is Stop while any run (a text one too) is in progress: two Esc shortcuts at once
        # would be ambiguous, and neither would fire
        runs.sig_started.connect(lambda: self.escape.setEnabled(False))
        runs.sig_ended.connect(lambda _record: self.escape.setEnabled(self.found is not None))
        engine.sig_pixel_inspected.connect(self._on_inspected)
        engine.sig_pixel_inspect_failed.connect(self._on_failed)

    # ---- asking -------------------------------------------------------------------------------

    def _switched(self, on: bool) -> None:
        self.setVisible(on)
        self.clear()

    def ask(self, sample: int, row: int, col: int) -> None:
        """A click on (sample, row, col): ask the engine, if Look inside is on and the pixel is one
        the model drew in a finished run."""
        ws = self.ws
        if not self.check.isChecked():
            return
        record, info = ws.record, ws.info
        if ws.runner.runs.running or record is None or info is None:
            self._say(
                self.tr(
                    "Look inside works on a finished picture: Generate one, or wait for the end."
                )
            )
            return
        images = record.media.get("images") or []
        if not 0 <= sample < len(images):
            return
        if ws.kept is not None and ws.kept[row, col]:
            self._say(
                self.tr("Pixel ({0}, {1}) was kept, not drawn by the model.").format(row, col)
            )
            return
        if not ws.pixels.known[sample, row, col]:
            self._say(self.tr("Pixel ({0}, {1}) is not drawn yet.").format(row, col))
            return
        self._asked = (sample, row, col)
        self._say(self.tr("Looking inside pixel ({0}, {1})…").format(row, col))
        picture = decode_png(images[sample])
        label = record.settings.get("label")
        ws.engine.inspect_pixel(info["path"], picture, row, col, label)

    def _on_inspected(self, found: PixelInspection) -> None:
        asked = self._asked
        if asked is None or (found.row, found.col) != asked[1:] or not self.check.isChecked():
            return  # an answer to an earlier click, or no longer wanted
        self._asked = None
        self.sample, self.found = asked[0], found
        attention = found.kind == ATTENTION_KIND
        for box, n, every, one in (
            (self.layer_box, found.layers, self.tr("Average of all layers"), self.tr("Layer {0}")),
            (self.head_box, found.heads, self.tr("Average of all heads"), self.tr("Head {0}")),
        ):
            keep = box.currentIndex() if box.count() == n + 1 else 0
            box.blockSignals(True)
            box.clear()
            box.addItem(every, None)
            for i in range(n):
                box.addItem(one.format(i + 1), i)
            box.setCurrentIndex(keep)
            box.blockSignals(False)
            box.setVisible(attention)
        self._draw()

    def _on_failed(self, message: str) -> None:
        if self._asked is None:
            return
        self._asked = None
        self._say("")
        self.ws.message_bar.show_message(message)

    # ---- showing ------------------------------------------------------------------------------

    def selection(self) -> tuple[int | None, int | None]:
        """(layer, head) chosen, from 0; None for the average."""
        return self.layer_box.currentData(), self.head_box.currentData()

    def _draw(self, *_: object) -> None:
        found = self.found
        if found is None:
            return
        layer, head = self.selection()
        words = overlay_words(found.scaled(layer, head), found.row, found.col)
        self.ws.canvas.set_overlay(self.sample, words, (found.row, found.col))
        self.escape.setEnabled(not self.ws.runner.runs.running)
        self._say(self._describe(found, layer, head))

    def _describe(self, found: PixelInspection, layer: int | None, head: int | None) -> str:
        p = pct(math.exp(found.log_prob))
        where = self.tr("Pixel ({0}, {1})").format(found.row, found.col)
        m = found.map(layer, head).reshape(-1)
        top = int(np.argmax(m))
        most = (
            self.tr("most at ({0}, {1})").format(top // found.width, top % found.width)
            if m[top] > 0
            else self.tr("no earlier pixel to look at")
        )
        if found.kind == ATTENTION_KIND:
            return self.tr(
                "{0}, colour {1}, P = {2}: attention of the query that drew it; start token {3}, "
                "{4}."
            ).format(where, found.value, p, pct(found.start_weight(layer, head)), most)
        return self.tr(
            "{0}, grey level {1}, P = {2}: gradient saliency, how much each earlier pixel moves "
            "log P; {3}."
        ).format(where, found.value, p, most)

    def _say(self, text: str) -> None:
        self.caption.setText(text)

    def clear(self) -> None:
        """No overlay (Esc, a new picture, Look inside switched off)."""
        self.found = None
        self._asked = None
        self.escape.setEnabled(False)
        if self.ws.canvas.overlay is not None:
            self.ws.canvas.set_overlay(None)
        self.layer_box.hide()
        self.head_box.hide()
        self._say(self.tr("Click a drawn pixel to see which earlier pixels it looked at."))
