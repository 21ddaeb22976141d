"""The Train tab: train a model in the window, watch it learn, then see what it learned when.

The form (train_form.py) says what to start from, the data, the budget, the learning rate and the
name. Start, Stop and Resume drive a training process of its own (train_client.py), so the window
keeps drawing while it trains. Live: the training and held-out loss against steps or minutes
(loss_plot.py), the rate and time left, and samples from the current weights as they come. A
finished model is saved in the user's model folder and appears in the picker with its card; the
snapshots kept on the way feed the Explain tab (train_explain.py).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.loss_log import read_loss_log
from studio.core.train_events import SnapshotTopK, TrainEvent
from studio.core.train_files import list_snapshots, loss_log_path
from studio.ui.engine_client import EngineClient
from studio.ui.message_bar import MessageBar
from studio.ui.train_client import TrainClient
from studio.ui.train_explain import ExplainPanel
from studio.ui.train_form import TrainForm

if TYPE_CHECKING:
    from studio.ui.loss_plot import LossPlot

MAX_TEXT_SAMPLES = 20  # the newest samples kept on screen


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = int(seconds)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def _event_record(e: TrainEvent) -> dict:
    """A loss-log record of an event (the plot draws both the same way)."""
    if e.kind == "step":
        return {"kind": "step", "step": e.step, "time": e.elapsed_s, "loss": e.loss}
    if e.kind == "eval":
        return {"kind": "eval", "step": e.step, "time": e.elapsed_s, "val_loss": e.val_loss}
    return {"kind": e.kind, "step": e.step, "unit": e.unit}


class TrainTab(QWidget):
    sig_model_saved = Signal(str)
    """A run finished and wrote its model file (the path): the picker lists it anew."""

    @property
    def plot(self) -> LossPlot:
        """The loss curve, made in place of its placeholder the first time it is needed."""
        if self._plot is None:
            from studio.ui.loss_plot import LossPlot

            self._plot = LossPlot()
            self._plot.set_time_axis(bool(self.x_axis.currentData()))
            self._split.replaceWidget(self._split.indexOf(self._plot_slot), self._plot)
            self._plot_slot.deleteLater()
        return self._plot

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.plot  # noqa: B018 (made as the tab is first shown)
        super().showEvent(event)

    sig_state_changed = Signal()
    """A run started or ended."""
    sig_sample_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = TrainClient(self)
        self.running = False
        self.stopping = False
        self.last_stop_s: float | None = None  # Stop pressed -> "stopped" on screen, seconds
        self.last_event: TrainEvent | None = None
        self._unit = ""
        self._out = ""
        self._text_samples: list[str] = []  # newest first

        self.form = TrainForm()
        self.start_button = QPushButton(self.tr("Start"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.resume_button = QPushButton(self.tr("Resume"))
        self.x_axis = QComboBox()
        self.x_axis.addItem(self.tr("by step"), False)
        self.x_axis.addItem(self.tr("by time"), True)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.stop_button, self.resume_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.x_axis)
        self.stats = QLabel(self.tr("Not training."))
        self.stats.setWordWrap(True)
        self.stats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_bar = MessageBar()

        # the curve is made when first needed: pyqtgraph takes half a second to import, which the
        # window's start should not pay for a tab it does not show
        self._plot: LossPlot | None = None
        self._plot_slot = QWidget()
        self.samples = QPlainTextEdit()
        self.samples.setReadOnly(True)
        self.samples.setPlaceholderText(self.tr("Samples from the current weights appear here."))
        self.sample_image = QLabel()
        self.sample_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        samples = QWidget()
        sl = QVBoxLayout(samples)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.samples, 1)
        sl.addWidget(self.sample_image)
        self.sample_image.hide()
        self.explain = ExplainPanel()
        self.side = QTabWidget()
        self.side.addTab(samples, self.tr("Samples"))
        self.side.addTab(self.explain, self.tr("Explain"))
        split = self._split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._plot_slot)
        split.addWidget(self.side)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.stats)
        layout.addWidget(self.message_bar)
        layout.addWidget(split, 1)

        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.stop_button.clicked.connect(self.stop)
        self.x_axis.currentIndexChanged.connect(
            lambda: self.plot.set_time_axis(bool(self.x_axis.currentData()))
        )
        self.form.sig_changed.connect(self._update_buttons)
        self.explain.sig_explain.connect(self._explain)
        c = self.client
        c.sig_events.connect(self._on_events)
        c.sig_failed.connect(self._on_failed)
        c.sig_process_died.connect(self._on_failed)
        c.sig_explained.connect(self._on_explained)
        c.sig_explain_failed.connect(lambda m: self.message_bar.show_message(m))
        self._update_buttons()

    # ---- actions ------------------------------------------------------------------------------

    def set_models(self, models: list[dict], problems: object = None) -> None:
        self.form.set_models(models)

    def start(self, resume: bool = False) -> None:
        if self.running:
            return
        try:
            spec = self.form.spec(resume=resume)
        except ValueError as e:
            self.message_bar.show_message(str(e))
            return
        self.message_bar.hide()
        self._out = spec.out
        if not resume:
            self.plot.clear_points()
            self.samples.clear()
            self._text_samples = []
        self.running, self.stopping = True, False
        self.stats.setText(self.tr("Starting the training process…"))
        self.client.start(spec)
        self._update_buttons()
        self.sig_state_changed.emit()

    def stop(self) -> None:
        if self.running and not self.stopping:
            self.stopping = True
            self.client.stop()
            self.stats.setText(self.tr("Stopping: saving a checkpoint…"))
            self._update_buttons()

    def shutdown(self) -> None:
        """The window closes: a run in progress stops, saving its checkpoint."""
        self.client.shutdown()

    def _explain(self, prompt: str, position: int, k: int) -> None:
        paths = [str(p) for _, p in list_snapshots(self.form.out_path())]
        if self.form.out_path().is_file():
            paths.append(str(self.form.out_path()))
        if not paths:
            self.message_bar.show_message(self.tr("This run has no snapshots yet."))
            return
        self.explain.note.setText(self.tr("Opening %1 snapshots…").replace("%1", str(len(paths))))
        self.client.explain(paths, prompt, position, k)

    # ---- replies ------------------------------------------------------------------------------

    def _on_events(self, events: list[TrainEvent]) -> None:
        records = []
        for e in events:
            if e.kind == "start":
                self._on_start(e)
            elif e.kind in ("step", "eval"):
                records.append(_event_record(e))
                if e.kind == "step":
                    self.last_event = e
            elif e.kind == "sample":
                self._show_sample(e)
            elif e.kind == "snapshot":
                self._snapshots_changed()
            elif e.kind in ("stopped", "done"):
                self._on_end(e)
        if records:
            self.plot.add_records(records)
        if self.running and not self.stopping and self.last_event is not None:
            self._show_stats(self.last_event)

    def _on_start(self, e: TrainEvent) -> None:
        self._unit = e.unit
        if e.step > 0:
            # a resumed run: the log now holds exactly the steps up to its checkpoint
            self.plot.clear_points()
            self.plot.add_records(read_loss_log(loss_log_path(self._out)))
        else:
            self.plot.add_records([_event_record(e)])
        self.stats.setText(
            self.tr("Training %1 from step %2").replace("%1", e.message).replace("%2", str(e.step))
        )

    def _show_stats(self, e: TrainEvent) -> None:
        last = self.plot.last_held_out()
        held = f"{last:.4f}" if last is not None else "–"
        rate = self.tr("%1 tokens/s") if self._unit == "nats/token" else self.tr("%1 pixels/s")
        parts = [
            self.tr("step %1 of %2").replace("%1", f"{e.step:,}").replace("%2", f"{e.max_steps:,}"),
            self.tr("loss %1").replace("%1", f"{e.loss:.4f}" if e.loss is not None else "–"),
            self.tr("held-out %1").replace("%1", held),
            rate.replace("%1", f"{e.tokens_per_s:,.0f}"),
            self.tr("elapsed %1").replace("%1", _clock(e.elapsed_s)),
            self.tr("left %1").replace("%1", _clock(e.eta_s)),
        ]
        self.stats.setText(" · ".join(parts))

    def _show_sample(self, e: TrainEvent) -> None:
        if isinstance(e.sample, str):
            self.sample_image.hide()
            head = self.tr("— step %1 —").replace("%1", f"{e.step:,}")
            self._text_samples = [f"{head}\n{e.sample}", *self._text_samples][:MAX_TEXT_SAMPLES]
            self.samples.setPlainText("\n\n".join(self._text_samples))
        elif isinstance(e.sample, np.ndarray):
            grid = np.ascontiguousarray(e.sample, dtype=np.uint8)  # (H, W, 3)
            h, w = grid.shape[:2]
            image = QImage(grid.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
            scale = max(1, min(8, 480 // max(w, 1)))
            self.sample_image.setPixmap(QPixmap.fromImage(image).scaled(w * scale, h * scale))
            self.sample_image.setToolTip(self.tr("step %1").replace("%1", f"{e.step:,}"))
            self.sample_image.show()
            self.samples.setPlainText(self.tr("— step %1 —").replace("%1", f"{e.step:,}"))
        self.sig_sample_shown.emit()

    def _on_end(self, e: TrainEvent) -> None:
        if e.kind == "stopped":
            if self.client.stop_sent_at is not None:
                self.last_stop_s = time.perf_counter() - self.client.stop_sent_at
            self.stats.setText(
                self.tr("Stopped at step %1; the checkpoint is saved, Resume goes on.").replace(
                    "%1", f"{e.step:,}"
                )
            )
        else:
            self.stats.setText(
                self.tr("Saved %1 after %2 steps: held-out %3 %4.")
                .replace("%1", e.message)
                .replace("%2", f"{e.step:,}")
                .replace("%3", f"{e.val_loss:.4f}" if e.val_loss is not None else "–")
                .replace("%4", self._unit)
            )
            self.sig_model_saved.emit(e.message)
        self.running = self.stopping = False
        self._snapshots_changed()
        self._update_buttons()
        self.sig_state_changed.emit()

    def _on_failed(self, message: str) -> None:
        self.message_bar.show_message(message)
        if self.running:
            self.running = self.stopping = False
            self.stats.setText(self.tr("Not training."))
            self._update_buttons()
            self.sig_state_changed.emit()

    def _on_explained(self, results: list[SnapshotTopK]) -> None:
        self.explain.show_result(results)
        said = self.tr(
            "%1: one column per snapshot, oldest first; the prompt's own character is marked."
        )
        self.explain.note.setText(said.replace("%1", self.explain.which()))

    # ---- state --------------------------------------------------------------------------------

    def _snapshots_changed(self) -> None:
        text = self.form.kind.currentData() == "text"
        n = len(list_snapshots(self.form.out_path()))
        if not text:
            self.explain.set_available(False, self.tr("Explain shows text models' characters."))
        elif n:
            note = self.tr("%1 snapshots of this run to compare.").replace("%1", str(n))
            self.explain.set_available(True, note)

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(not self.running)
        self.stop_button.setEnabled(self.running and not self.stopping)
        self.resume_button.setEnabled(not self.running and self.form.can_resume())
        self.form.setEnabled(not self.running)
        if not self.running:
            self._snapshots_changed()


def add_train_tab(tabs: QTabWidget, engine: EngineClient) -> TrainTab:
    """The Train tab, added to the window's tabs: it offers the engine's models to fine-tune, and
    a model it saves is listed anew in the picker."""
    tab = TrainTab()
    tabs.addTab(tab, QCoreApplication.translate("TrainTab", "Train"))
    engine.sig_models_listed.connect(tab.set_models)
    tab.sig_model_saved.connect(lambda _path: engine.list_models())
    return tab
