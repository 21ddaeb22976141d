"""The generation worker: one QObject in a QThread that owns the model and runs the engine.

The GUI talks to it only through queued signals and never waits on it. torch and the engine are
imported inside the slots, so they load in the worker thread after the window is on screen. Engine
events are batched here and sent as one list at most every FRAME_S seconds (plus at the start and end
of a run), so a fast model cannot flood the GUI thread. Each run gets its own `threading.Event`,
created by the GUI: setting it stops the run within one step.
"""

from __future__ import annotations

import gc
import threading
import time
import traceback

from PySide6.QtCore import QObject, Signal, Slot

from studio.io.run import RunRecord

# One batch of text events every 33 ms at most (30 a second, as smooth as text needs): each batch
# costs the GUI thread a layout and a paint, and that thread shares the interpreter lock and the
# two cores with the engine. With `bench ui`'s model and heartbeat, 16 ms batches streamed 250
# tok/s against 273 (medians of six runs each, alternating) and took ~40% more GUI-thread time.
# Images keep their own, faster pace (image_worker.FRAME_S).
FRAME_S = 0.033


def set_threads_for(model) -> None:
    """Decode on one core fewer than torch's default for small models, every core for large
    ones (see worker_threads.py for the measurements)."""
    import torch

    from studio.ui.worker_threads import worker_threads

    global _DEFAULT_THREADS
    if _DEFAULT_THREADS is None:
        _DEFAULT_THREADS = torch.get_num_threads()
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    n = worker_threads(weight_bytes, _DEFAULT_THREADS)
    if n is not None and n != torch.get_num_threads():
        torch.set_num_threads(n)


def _where(model) -> str:
    """Where the model runs, as the status bar shows it: "cuda:0", or "cpu, 1 thread" (so a
    slower stream than the command line's on a small machine has its reason in sight)."""
    import torch

    device = next(model.parameters()).device
    if device.type != "cpu":
        return str(device)
    threads = torch.get_num_threads()
    return f"cpu, {threads} thread" + ("s" if threads != 1 else "")


_DEFAULT_THREADS: int | None = None  # torch's own count, before the worker first changed it


class GenerationWorker(QObject):
    """Lists and loads models, runs generations, and stores every ended run in the history."""

    sig_models_listed = Signal(object, object)
    """(model descriptions as dicts, one-line problems with files that could not be read)."""
    sig_model_loading = Signal(str)
    """A model started loading (its path)."""
    sig_model_loaded = Signal(object)
    """A model is ready: name, title, kind, path, size_bytes, source, card, device."""
    sig_model_failed = Signal(str, str)
    """(path, one-line reason) when a model could not be loaded."""
    sig_events = Signal(object)
    """A batch of engine events (StartEvent, WarningEvent, TokenEvent, DoneEvent), in order."""
    sig_run_ended = Signal(object)
    """A run ended: its RunRecord (already stored in the history, `id` set), or None if it failed."""
    sig_error = Signal(str)
    """An error to show to the person; the worker carries on."""
    sig_image_frame = Signal(object)
    """An image run's frame (image_worker.ImageFrame): its start, a batch of pixels, ended samples."""
    sig_png_read = Signal(str, str, object)
    """A PNG's stored settings: (path, model name, ImageSettings.to_dict())."""
    sig_png_failed = Signal(str, str)
    """(path, one-line reason) when a PNG holds no settings this studio can use."""
    sig_stages = Signal(int, int, object)
    """One token's sampling stages: (step, its id, the engine's StageDistribution list)."""
    sig_stages_failed = Signal(int, str)
    """(step, one-line reason) when a token's sampling stages could not be computed."""

    def __init__(self, history_path: str | None = None) -> None:
        super().__init__()
        self._loaded = None
        self._info: dict | None = None
        self._history_path = history_path
        self._history = None
        self.done_at: float | None = None  # perf_counter when the last run's DoneEvent arrived
        self.last_emit_at: float | None = None  # perf_counter of the last batch sent

    # ---- models -------------------------------------------------------------------------------

    @Slot()
    def list_models(self) -> None:
        try:
            from studio.engine.formats.model_finder import list_models

            models, problems = list_models()
            self.sig_models_listed.emit([self._describe(m) for m in models], problems)
        except Exception as e:  # noqa: BLE001 - shown to the person, the worker carries on
            self.sig_error.emit(self._message(e))
            self.sig_models_listed.emit([], [])

    @staticmethod
    def _describe(m) -> dict:
        return {
            "name": m.name,
            "title": m.title,
            "kind": m.kind,
            "path": m.path,
            "size_bytes": m.size_bytes,
            "source": m.source,
            "card": m.card,
        }

    @Slot(str, str)
    def load_model(self, path: str, device: str = "auto") -> None:
        self.sig_model_loading.emit(path)
        try:
            from pathlib import Path

            from studio.engine.formats.model_finder import describe, load_model

            info = self._describe(describe(Path(path), "path"))
            loaded = load_model(path, device)
            set_threads_for(loaded.model)
            info["device"] = _where(loaded.model)
        except Exception as e:  # noqa: BLE001
            self.sig_model_failed.emit(path, self._message(e))
            return
        self._loaded, self._info = loaded, info
        # torch, the engine and the model are here to stay: move their objects out of the
        # collector's view, so that a full collection mid-run (it scans every tracked object,
        # ~1M after `import torch`, and holds the GIL for tens of ms) cannot stall the GUI thread
        gc.freeze()
        self.sig_model_loaded.emit(info)

    # ---- generation ---------------------------------------------------------------------------

    @Slot(str, object, object)
    def generate(self, prompt: str, settings: dict, cancel: threading.Event) -> None:
        record = None
        try:
            record = self._run(prompt, settings, cancel)
        except Exception as e:  # noqa: BLE001
            self.sig_error.emit(self._message(e))
        self._end_run(record)

    @Slot(object, object)
    def generate_image(self, request, cancel: threading.Event) -> None:
        """Run an image_worker.ImageRequest with the loaded image model; store the run."""
        from studio.ui.image_worker import run_image

        record = None
        try:
            if self._loaded is None or self._info is None:
                raise ValueError(self.tr("No model is loaded yet."))
            if not self._info["kind"].startswith("image-"):
                raise ValueError(
                    self.tr("{0} is a text model: choose an image model to draw.").format(
                        self._info["title"]
                    )
                )
            record = run_image(self._loaded, self._info, request, cancel, self._emit_frame)
        except Exception as e:  # noqa: BLE001
            self.sig_error.emit(self._message(e))
        self._end_run(record)

    def _end_run(self, record: RunRecord | None) -> None:
        """Store an ended run in the history (a failure there is reported, the run still shown)."""
        if record is not None:
            try:
                self._store().add(record)
            except Exception as e:  # noqa: BLE001
                self.sig_error.emit(self.tr("The run could not be saved to the history: ") + str(e))
        self.sig_run_ended.emit(record)

    def _emit_frame(self, frame) -> None:
        self.last_emit_at = time.perf_counter()
        if frame.done:
            self.done_at = self.last_emit_at
        self.sig_image_frame.emit(frame)

    @Slot(str)
    def read_png(self, path: str) -> None:
        """The settings stored in a PNG this studio exported (the engine's restore_from_png)."""
        try:
            from studio.io.image_export import restore_from_png

            name, settings = restore_from_png(path)
        except Exception as e:  # noqa: BLE001
            self.sig_png_failed.emit(path, self._message(e))
            return
        self.sig_png_read.emit(path, name, settings.to_dict())

    @Slot(str, str, object, object)
    def inspect_stages(self, model_path: str, prompt: str, ids: list, settings: dict) -> None:
        """The sampling stages of the last of `ids` (the tokens of a run of `prompt` with
        `settings`, up to and including it), with the loaded model, which must be the one at
        `model_path` (a model switch may have been asked for since)."""
        step = len(ids) - 1
        try:
            from pathlib import Path

            from studio.engine.text.sampling_stages import sampling_stages
            from studio.settings import GenerationSettings

            if self._loaded is None or self._info is None:
                raise ValueError(self.tr("No model is loaded yet."))
            if Path(self._info["path"]).resolve() != Path(model_path).resolve():
                raise ValueError(
                    self.tr("{0} is loaded now, not the model that made this text.").format(
                        self._info["title"]
                    )
                )
            gs = GenerationSettings.from_dict({**settings, "num_samples": 1})
            stages = sampling_stages(self._loaded, prompt, list(ids), gs)
        except Exception as e:  # noqa: BLE001
            self.sig_stages_failed.emit(step, self._message(e))
            return
        self.sig_stages.emit(step, ids[-1], stages)

    def _run(self, prompt: str, settings: dict, cancel: threading.Event) -> RunRecord | None:
        from studio.core.events import DoneEvent, StartEvent, TokenEvent
        from studio.engine.text.generation import generate_text
        from studio.settings import GenerationSettings

        if self._loaded is None or self._info is None:
            raise ValueError(self.tr("No model is loaded yet."))
        gs = GenerationSettings.from_dict({**settings, "num_samples": 1})
        loaded, info = self._loaded, self._info
        batch: list = []
        tokens: list = []
        start = done = None
        last = time.perf_counter()
        # One batch per FRAME_S: the start event and warnings ride with the first token, which goes
        # at once (time to first token is visible); later tokens wait until FRAME_S has passed since
        # the last batch; the done event flushes.
        for ev in generate_text(loaded, prompt, gs, cancel):
            batch.append(ev)
            kind = type(ev)
            if kind is TokenEvent:
                tokens.append(ev)
                if len(tokens) > 1 and time.perf_counter() - last < FRAME_S:
                    continue
            elif kind is StartEvent:
                start = ev
                continue
            elif kind is DoneEvent:
                done = ev
                self.done_at = time.perf_counter()
            else:
                continue
            last = time.perf_counter()
            self.last_emit_at = last
            self.sig_events.emit(batch)
            batch = []
        if batch:
            self.last_emit_at = time.perf_counter()
            self.sig_events.emit(batch)
        if start is None or done is None:
            return None
        return RunRecord.from_events(
            {"name": info["name"], "title": info["title"], "path": info["path"]},
            prompt,
            gs.to_dict(),
            start,
            done,
            tokens,
        )

    # ---- history and shutdown -----------------------------------------------------------------

    def _store(self):
        if self._history is None:
            from studio.core.paths import history_path
            from studio.io.history import HistoryStore

            self._history = HistoryStore(self._history_path or history_path())
        return self._history

    @Slot()
    def shutdown(self) -> None:
        """Close the history connection; call in the worker thread before it quits."""
        if self._history is not None:
            self._history.close()
            self._history = None

    @staticmethod
    def _message(e: BaseException) -> str:
        from studio.core.errors import StudioError

        if isinstance(e, (StudioError, ValueError, OSError)):
            return str(e) or type(e).__name__
        traceback.print_exc()
        return f"{type(e).__name__}: {e}"
