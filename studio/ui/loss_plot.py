"""The loss curve: training loss and held-out loss against steps or minutes (pyqtgraph).

The Train tab shows it live, fed from the training process's events; `train --plot` and
`plot-loss` draw the same widget from the loss log (core/loss_log.py) and save it as a PNG, so the
command line writes what the window plots. Records are the loss log's:
{"kind": "step", "step", "time", "loss"} and {"kind": "eval", "step", "time", "val_loss"}.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

TRAIN_PEN = pg.mkPen("#3b7dd8", width=1)
HELD_OUT_PEN = pg.mkPen("#d8572a", width=2)


class LossPlot(pg.PlotWidget):
    """Training loss (a thin line, every step) and held-out loss (a thick line with dots, every
    evaluation), against steps or minutes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setMinimumSize(240, 160)
        self.showGrid(x=True, y=True, alpha=0.25)
        # pyqtgraph's own right-click menus speak only English: the curve offers none
        self.setMenuEnabled(False)
        scene = self.scene()
        for action in scene.contextMenu:
            action.setParent(None)
        scene.contextMenu = []
        self.addLegend(offset=(-10, 10))
        self._train = self.plot(
            [], [], pen=TRAIN_PEN, name=QCoreApplication.translate("LossPlot", "training")
        )
        self._held_out = self.plot(
            [],
            [],
            pen=HELD_OUT_PEN,
            symbol="o",
            symbolSize=6,
            symbolBrush="#d8572a",
            name=QCoreApplication.translate("LossPlot", "held-out"),
        )
        self._steps: list[tuple[int, float, float]] = []  # (step, seconds, loss)
        self._evals: list[tuple[int, float, float]] = []
        self._by_time = False
        self.unit = ""
        self._label_axes()

    # ---- data ---------------------------------------------------------------------------------

    def clear_points(self) -> None:
        self._steps, self._evals = [], []
        self._redraw()

    def add_records(self, records: list[dict]) -> None:
        """Loss-log records (or the same built from events), in order; others are ignored."""
        for r in records:
            kind, step, t = r.get("kind"), r.get("step"), float(r.get("time") or 0.0)
            if kind == "start" and r.get("unit"):
                self.unit = str(r["unit"])
                self._label_axes()
            elif kind == "step" and r.get("loss") is not None:
                self._steps.append((step, t, float(r["loss"])))
            elif kind == "eval" and r.get("val_loss") is not None:
                self._evals.append((step, t, float(r["val_loss"])))
        self._redraw()

    def point_counts(self) -> tuple[int, int]:
        """(training points, held-out points) on the curve."""
        return len(self._steps), len(self._evals)

    def steps(self) -> list[int]:
        """The steps of the training points, in order."""
        return [s for s, _, _ in self._steps]

    def last_held_out(self) -> float | None:
        return self._evals[-1][2] if self._evals else None

    def set_time_axis(self, by_time: bool) -> None:
        """x in minutes (True) or steps (False)."""
        self._by_time = by_time
        self._label_axes()
        self._redraw()

    # ---- drawing ------------------------------------------------------------------------------

    def _label_axes(self) -> None:
        minutes = QCoreApplication.translate("LossPlot", "minutes")
        steps = QCoreApplication.translate("LossPlot", "step")
        self.setLabel("bottom", minutes if self._by_time else steps)
        loss = QCoreApplication.translate("LossPlot", "loss")
        self.setLabel("left", f"{loss} ({self.unit})" if self.unit else loss)

    def _xy(self, points: list[tuple[int, float, float]]) -> tuple[list[float], list[float]]:
        xs = [t / 60 if self._by_time else float(s) for s, t, _ in points]
        return xs, [v for *_, v in points]

    def _redraw(self) -> None:
        self._train.setData(*self._xy(self._steps))
        self._held_out.setData(*self._xy(self._evals))


def save_loss_plot(records: list[dict], out: str | Path, title: str = "") -> None:
    """Draw `records` as the Train tab does and save the picture (PNG, 800 x 450) to `out`. Needs
    no screen: without a running application it makes an offscreen one."""
    app = QApplication.instance()
    if app is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a picture needs no screen
        app = QApplication([])
    from pyqtgraph.exporters import ImageExporter

    plot = LossPlot()
    if title:
        plot.setTitle(title)
    plot.add_records(records)
    plot.resize(800, 450)
    plot.grab()  # lays it out at that size before the export
    exporter = ImageExporter(plot.getPlotItem())
    exporter.parameters()["width"] = 800
    if not exporter.export(str(out)):
        raise OSError(f"{out}: the picture could not be written")
