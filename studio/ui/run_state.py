"""The run in progress, shared by the text and image workspaces (the engine runs one at a time):
its kind, its clock and counters for the status bar, and the signals that say what is on screen."""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QCoreApplication, QMetaMethod, QObject, Signal

from studio.io.run import RunRecord
from studio.ui.status_bar import STATUS_INTERVAL_S, StudioStatusBar


class RunState(QObject):
    """Whether a run is in progress, and the numbers the status bar shows for it."""

    sig_started = Signal()
    """A run started: the window disables what cannot be done meanwhile."""
    sig_ended = Signal(object)
    """A run ended and its workspace has shown it (its RunRecord, or None)."""
    sig_batch_shown = Signal(int)
    """A batch of events is on screen (tokens or pixel steps shown so far in this run)."""
    sig_run_shown = Signal(object)
    """A run ended and is fully on screen (its RunRecord, or None if it failed)."""

    def __init__(self, engine, status: StudioStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.status = status
        self.running = False
        self.stopping = False
        self.closed = False  # the window closed: late answers from the engine are ignored
        self.kind = "text"  # of the run in progress, or the last one
        self.t0 = 0.0  # perf_counter when it started
        self.first_t: float | None = None  # when its first token or pixel was shown
        self.status_t = 0.0  # when the live numbers were last refreshed
        self.shown = 0  # tokens (or pixel steps) on screen
        self.last_batch_shown_at: float | None = None  # perf_counter, for the UI benchmark
        self._batch_shown_method = QMetaMethod.fromSignal(self.sig_batch_shown)

    def is_running(self, kind: str) -> bool:
        """A run of this kind is in progress, and the window still listens."""
        return self.running and self.kind == kind and not self.closed

    def begin(self, kind: str, unit: str, rate: str, first: str) -> None:
        """The state and status line every run starts from: counters reset."""
        self.kind = kind
        self.running = True
        self.stopping = False
        # No cyclic garbage collection while a run streams: a full collection walks every object
        # the window holds (each shown token's alternatives among them) with the GIL held, and
        # stalled the GUI thread ~100 ms mid-run; the run makes little cyclic garbage, and the
        # collector runs again when it ends.
        gc.disable()
        self.shown = 0
        self.t0 = time.perf_counter()
        self.first_t = None
        self.status.set_fields(
            tokens=f"0 {unit}", speed=f"– {rate}", ttft=first, stop=self.tr("running…")
        )
        self.sig_started.emit()

    def first_ms(self, now: float) -> float | None:
        """Milliseconds from the start to `now` if this is the first token or pixel shown."""
        if self.first_t is not None:
            return None
        self.first_t = now
        return (now - self.t0) * 1000

    def status_due(self, now: float) -> bool:
        """Whether the live numbers are due a refresh: they change every frame, and people read
        them a few times a second."""
        if now - self.status_t < STATUS_INTERVAL_S:
            return False
        self.status_t = now
        return True

    def batch_shown(self) -> None:
        self.last_batch_shown_at = time.perf_counter()
        # emitted for tests and benchmarks; when nothing listens, not even the emit is paid for
        # (measured ~1 ms of GUI-thread time per batch while the worker streams)
        if self.isSignalConnected(self._batch_shown_method):
            self.sig_batch_shown.emit(self.shown)

    def stop(self) -> None:
        """Ask the engine to stop the run in progress (its partial result is kept)."""
        if self.running and not self.stopping:
            self.stopping = True
            self.engine.stop()
            self.status.set_fields(stop=self.tr("stopping…"))

    def end(self, record: RunRecord | None, stop: str | None = None) -> None:
        """The run ended and its workspace has shown it; `stop` is the status bar's reason when
        there is no record (default: failed)."""
        self.running = self.stopping = False
        gc.enable()
        if record is None:
            self.status.set_fields(stop=stop or self.tr("failed"))
        self.sig_ended.emit(record)
        self.sig_run_shown.emit(record)


def settings_for_run(sampling, status) -> dict | None:
    """The sampling panel's values for a run starting now, checked against the settings schema on
    the GUI thread, or None (said in the status bar and the panel) while a value is refused."""
    settings = sampling.generation_settings()
    if settings is None:
        status.showMessage(
            QCoreApplication.translate(
                "StudioStatusBar", "Fix the setting the sampling panel names."
            ),
            5000,
        )
    return settings
