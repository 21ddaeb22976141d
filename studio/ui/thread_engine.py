"""The engine interface the window and its workspaces talk to, on top of `GenerationWorker` in a
QThread of this process.

Every method is called on the GUI thread and returns at once: it posts a request to the worker
thread through a queued signal. The worker's answers come back as this object's signals, on the
GUI thread. The window creates its engine in one place, so another engine with the same signals and
methods (one in a child process, say) replaces this one there.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QThread, Signal

from studio.ui.image_worker import ImageRequest, Pace
from studio.ui.worker import GenerationWorker


class ThreadEngine(QObject):
    """Lists and loads models and runs them, one run at a time, in a worker thread."""

    sig_models_listed = Signal(object, object)
    """(model descriptions as dicts, one-line problems with files that could not be read)."""
    sig_model_loading = Signal(str)
    """A model started loading (its path)."""
    sig_model_loaded = Signal(object)
    """A model is ready: name, title, kind, path, size_bytes, source, card, device."""
    sig_model_failed = Signal(str, str)
    """(path, one-line reason) when a model could not be loaded."""
    sig_events = Signal(object)
    """A batch of text events (StartEvent, WarningEvent, TokenEvent, DoneEvent), in order."""
    sig_run_ended = Signal(object)
    """A run ended: its RunRecord (already in the history), or None if it failed."""
    sig_error = Signal(str)
    """An error to show to the person; the engine carries on."""
    sig_image_frame = Signal(object)
    """An image run's frame (image_worker.ImageFrame)."""
    sig_png_read = Signal(str, str, object)
    """A PNG's stored settings: (path, model name, ImageSettings.to_dict())."""
    sig_png_failed = Signal(str, str)
    """(path, one-line reason) when a PNG holds no settings this studio can use."""
    sig_stages = Signal(int, int, object)
    """One token's sampling stages: (step, its id, the engine's StageDistribution list)."""
    sig_stages_failed = Signal(int, str)
    """(step, one-line reason) when a token's sampling stages could not be computed."""
    sig_engine_died = Signal(str)
    """The engine ended unexpectedly (its reason). Never emitted here: a thread cannot die alone."""

    # requests to the worker, queued to its thread
    _sig_list = Signal()
    _sig_load = Signal(str, str)
    _sig_generate = Signal(str, object, object)
    _sig_image = Signal(object, object)
    _sig_png = Signal(str)
    _sig_stages = Signal(str, str, object, object)

    def __init__(self, parent: QObject | None = None, history_path: str | None = None) -> None:
        super().__init__(parent)
        self._cancel: threading.Event | None = None  # the run in progress's
        self._pace: Pace | None = None  # the image run in progress's, read by the worker
        self.thread = QThread(self)
        self.thread.setObjectName("generation")
        self.worker = GenerationWorker(history_path)
        self.worker.moveToThread(self.thread)
        self.thread.finished.connect(self.worker.shutdown, Qt.ConnectionType.DirectConnection)
        self._sig_list.connect(self.worker.list_models)
        self._sig_load.connect(self.worker.load_model)
        self._sig_generate.connect(self.worker.generate)
        self._sig_image.connect(self.worker.generate_image)
        self._sig_png.connect(self.worker.read_png)
        self._sig_stages.connect(self.worker.inspect_stages)
        w = self.worker
        # the worker's signals arrive queued on this object's (the GUI) thread and are emitted
        # again from here; after shutdown, whatever was still queued is dropped (blockSignals)
        for theirs, ours in (
            (w.sig_models_listed, self.sig_models_listed),
            (w.sig_model_loading, self.sig_model_loading),
            (w.sig_model_loaded, self.sig_model_loaded),
            (w.sig_model_failed, self.sig_model_failed),
            (w.sig_events, self.sig_events),
            (w.sig_error, self.sig_error),
            (w.sig_image_frame, self.sig_image_frame),
            (w.sig_png_read, self.sig_png_read),
            (w.sig_png_failed, self.sig_png_failed),
            (w.sig_stages, self.sig_stages),
            (w.sig_stages_failed, self.sig_stages_failed),
        ):
            theirs.connect(ours)
        w.sig_run_ended.connect(self._run_ended)
        self.thread.start()

    def _run_ended(self, record) -> None:
        self._cancel = self._pace = None
        self.sig_run_ended.emit(record)

    # ---- requests (GUI thread, non-blocking) --------------------------------------------------

    def list_models(self) -> None:
        self._sig_list.emit()

    def load_model(self, path: str, device: str = "auto") -> None:
        self._sig_load.emit(path, device)

    def generate(self, prompt: str, settings: dict) -> None:
        self._cancel = threading.Event()
        self._sig_generate.emit(prompt, settings, self._cancel)

    def generate_image(self, request: ImageRequest) -> None:
        self._cancel = threading.Event()
        self._pace = request.pace
        self._sig_image.emit(request, self._cancel)

    def set_pace(self, seconds: float) -> None:
        """Seconds between pixel steps of the image run in progress (the worker reads it at its
        next pixel; a plain float needs no lock)."""
        if self._pace is not None:
            self._pace.seconds = seconds

    def stop(self) -> None:
        """Stop the run in progress within one step (its partial result is kept)."""
        if self._cancel is not None:
            self._cancel.set()

    def read_png(self, path: str) -> None:
        self._sig_png.emit(path)

    def inspect_stages(self, model_path: str, prompt: str, ids: list, settings: dict) -> None:
        self._sig_stages.emit(model_path, prompt, ids, settings)

    def shutdown(self) -> None:
        """Stop any run, end the worker thread (its history connection closed) and emit nothing
        more."""
        self.blockSignals(True)
        self.stop()
        self.thread.quit()
        self.thread.wait(5000)
