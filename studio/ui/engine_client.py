"""The window's side of the engine process: requests out, replies in as Qt signals.

`EngineClient` lives in the GUI thread and never blocks it: requests go to the engine process
through a writer thread (studio.io.engine_process), replies come back in a reader thread and reach
the window as queued signals. Neither torch nor the engine is ever imported here; what crosses is
plain data (studio.core types, numpy arrays), refused otherwise by studio.core.wire.

Each ended run is recorded here, in the window's process (io.text_run, io.image_run), and stored in
the history before `sig_run_ended`. If the engine process dies (killed, out of memory, a crash), the
run in progress ends with what reached the window, marked with stop reason "engine-died" (a last
DoneEvent says so, as the engine would have), is stored like any other, `sig_engine_died` says what
happened in one line, and every request still waiting is answered with a failure. The next request
starts a fresh engine process, which loads the last model again first.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from studio.core.events import DoneEvent
from studio.core.image_frames import ImageFrame, ImageRequest
from studio.io.engine_process import EngineProcess
from studio.io.image_run import ImageRun
from studio.io.run import RunRecord
from studio.io.text_run import TextRun

ENGINE_DIED = "engine-died"  # the stop reason of a run the engine process did not live to end


@dataclass
class _Run:
    """A run asked for and not ended yet."""

    kind: str  # "text" | "image"
    t0: float  # perf_counter when it was asked for
    prompt: str = ""
    request: ImageRequest | None = None
    collector: TextRun | ImageRun | None = None  # made at the first batch (the model is known)


@dataclass
class _Session:
    """One engine process and what it has been asked and not yet answered, in order."""

    process: EngineProcess
    pending: deque = field(default_factory=deque)  # ("list",), ("load", path, device, dtype), ...
    runs: dict = field(default_factory=dict)  # run id -> _Run
    info: dict | None = None  # the model it has loaded
    dead: bool = False


class EngineClient(QObject):
    """Lists and loads models, runs generations, and stores every ended run in the history, with
    the engine in a child process."""

    sig_models_listed = Signal(object, object)
    """(model descriptions as dicts, one-line problems with files that could not be read)."""
    sig_model_loading = Signal(str)
    """A model started loading (its path)."""
    sig_model_loaded = Signal(object)
    """A model is ready: name, title, kind, path, size_bytes, source, card, device (and image:
    height, width, channels, palette, labels for image models)."""
    sig_model_failed = Signal(str, str)
    """(path, one-line reason) when a model could not be loaded."""
    sig_events = Signal(object)
    """A batch of engine events (StartEvent, WarningEvent, TokenEvent, DoneEvent), in order."""
    sig_run_ended = Signal(object)
    """A run ended: its RunRecord (already stored in the history, `id` set), or None if it failed."""
    sig_error = Signal(str)
    """An error to show to the person; the engine carries on."""
    sig_image_frame = Signal(object)
    """An image run's frame (core.image_frames.ImageFrame): its start, a batch of pixels, ended
    samples."""
    sig_png_read = Signal(str, str, object)
    """A PNG's stored settings: (path, model name, ImageSettings.to_dict())."""
    sig_png_failed = Signal(str, str)
    """(path, one-line reason) when a PNG holds no settings this studio can use."""
    sig_stages = Signal(int, int, object)
    """One token's sampling stages: (step, its id, list of core.stages.StageDistribution)."""
    sig_stages_failed = Signal(int, str)
    """(step, one-line reason) when a token's sampling stages could not be computed."""
    sig_inspected = Signal(int, object)
    """Inside one token: (step, core.inspection.Inspection) with what was asked of it."""
    sig_inspect_failed = Signal(int, str)
    """(step, one-line reason) when a token could not be looked inside."""
    sig_engine_died = Signal(str)
    """The engine process ended unasked: one line saying so; the next request starts another."""

    def __init__(self, history_path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._history_path = history_path
        self._session: _Session | None = None
        # (path, device, precision) a fresh engine loads again
        self._model: tuple[str, str, str] | None = None
        self._next_run = 0
        self._closed = False
        self.done_at: float | None = None  # perf_counter when the last run's DoneEvent arrived
        self.last_emit_at: float | None = None  # perf_counter when the last batch arrived
        self.last_sent_at: float | None = None  # the engine's perf_counter as that batch left

    # ---- requests (GUI thread, never blocking) ------------------------------------------------

    def list_models(self) -> None:
        self._request(("list",), ("list",))

    def load_model(self, path: str, device: str = "auto", dtype: str = "auto") -> None:
        """Open the model at `path` on `device`, computing in `dtype` (settings.precision)."""
        message = ("load", path, device, dtype)
        self._request(message, message, reload=False)

    def generate(self, prompt: str, settings: dict) -> None:
        self._run("text", ("generate", prompt, settings), prompt=prompt)

    def generate_image(self, request: ImageRequest) -> None:
        self._run("image", ("image", request), request=request)

    def set_pace(self, seconds: float) -> None:
        """The pace of the image run in progress (and of later ones' requests)."""
        s = self._session
        if s is not None and self._live():
            s.process.send("pace", float(seconds))

    def stop(self) -> None:
        """Stop the run in progress (the engine ends it within one step)."""
        s = self._session
        if s is not None and self._live():
            s.process.send("stop")

    def read_png(self, path: str) -> None:
        self._request(("png", path), ("png", path))

    def inspect_stages(self, model_path: str, prompt: str, ids: list, settings: dict) -> None:
        step = len(ids) - 1
        self._request(("stages", model_path, prompt, list(ids), settings), ("stages", step))

    def inspect(
        self,
        model_path: str,
        prompt: str,
        ids: list,
        settings: dict,
        what: tuple = ("attention", "lens"),
    ) -> None:
        """Look inside the last of `ids`: its attention and/or logit lens (core.inspection.WHAT)."""
        step = len(ids) - 1
        message = ("inspect", model_path, prompt, list(ids), settings, tuple(what))
        self._request(message, ("inspect", step))

    def shutdown(self) -> None:
        """End the engine process (used on window close); later requests are ignored."""
        self._closed = True
        s, self._session = self._session, None
        if s is not None:
            s.process.close()

    @property
    def pid(self) -> int | None:
        """The engine process's id (None before the first request)."""
        return self._session.process.pid if self._session is not None else None

    @property
    def process(self) -> EngineProcess | None:
        """The current engine process (its start-up times, for `bench ui`)."""
        return self._session.process if self._session is not None else None

    def _live(self) -> bool:
        s = self._session
        return s is not None and not s.dead and s.process.alive()

    def _ensure(self, reload: bool = True) -> _Session:
        """The live session, or a fresh one (loading the last model again when `reload`)."""
        s = self._session
        if s is not None and not s.dead and s.process.alive():
            return s
        new: list[_Session] = []  # the callbacks' session, once made
        s = _Session(
            EngineProcess(lambda m: self._on_message(new[0], m), lambda r: self._on_exit(new[0], r))
        )
        new.append(s)
        s.process.start()
        self._session = s
        if reload and self._model is not None:
            message = ("load", *self._model)
            s.pending.append(message)
            s.process.send(*message)
        return s

    def _request(self, message: tuple, pending: tuple, reload: bool = True) -> None:
        if self._closed:
            return
        s = self._ensure(reload)
        s.pending.append(pending)
        s.process.send(*message)

    def _run(self, kind: str, message: tuple, prompt: str = "", request=None) -> None:
        if self._closed:
            return
        s = self._ensure()
        self._next_run += 1
        run_id = self._next_run
        s.runs[run_id] = _Run(kind, time.perf_counter(), prompt=prompt, request=request)
        s.pending.append(("run", run_id))
        s.process.send(message[0], run_id, *message[1:])

    # ---- replies (reader thread) --------------------------------------------------------------

    def _on_message(self, s: _Session, m: tuple) -> None:
        name = m[0]
        if name == "events":
            self._on_events(s, m[1], m[2], m[3])
        elif name == "frame":
            self._on_frame(s, m[1], m[2], m[3])
        elif name == "ended":
            self._pop(s, "run")
            self._end_run(s, m[1], None)
        elif name == "models":
            self._pop(s, "list")
            self.sig_models_listed.emit(m[1], m[2])
        elif name == "loading":
            self.sig_model_loading.emit(m[1])
        elif name == "loaded":
            asked = self._pop(s, "load")
            s.info = m[1]
            self._model = (
                (asked[1], asked[2], asked[3]) if asked else (m[1]["path"], "auto", "auto")
            )
            self.sig_model_loaded.emit(m[1])
        elif name == "load_failed":
            self._pop(s, "load")
            self.sig_model_failed.emit(m[1], m[2])
        elif name == "png":
            self._pop(s, "png")
            self.sig_png_read.emit(m[1], m[2], m[3])
        elif name == "png_failed":
            self._pop(s, "png")
            self.sig_png_failed.emit(m[1], m[2])
        elif name == "stages":
            self._pop(s, "stages")
            self.sig_stages.emit(m[1], m[2], m[3])
        elif name == "stages_failed":
            self._pop(s, "stages")
            self.sig_stages_failed.emit(m[1], m[2])
        elif name == "inspected":
            self._pop(s, "inspect")
            self.sig_inspected.emit(m[1], m[2])
        elif name == "inspect_failed":
            self._pop(s, "inspect")
            self.sig_inspect_failed.emit(m[1], m[2])
        elif name == "error":
            self.sig_error.emit(m[1])

    @staticmethod
    def _pop(s: _Session, kind: str) -> tuple | None:
        """The oldest request waiting of this kind, answered now (the engine answers in order)."""
        for i, p in enumerate(s.pending):
            if p[0] == kind:
                del s.pending[i]
                return p
        return None

    def _model_of(self, s: _Session) -> dict:
        info = s.info or {}
        return {k: info.get(k, "") for k in ("name", "title", "path")}

    def _on_events(self, s: _Session, run_id: int, sent_at: float, batch: list) -> None:
        now = time.perf_counter()
        run = s.runs.get(run_id)
        if run is not None:
            if run.collector is None:
                run.collector = TextRun(self._model_of(s), run.prompt, run.t0)
            run.collector.add(batch, now)
            if run.collector.done is not None:
                self.done_at = now
        self.last_emit_at, self.last_sent_at = now, sent_at
        self.sig_events.emit(batch)

    def _on_frame(self, s: _Session, run_id: int, sent_at: float, frame: ImageFrame) -> None:
        now = time.perf_counter()
        run = s.runs.get(run_id)
        if run is not None and s.info is not None and "image" in s.info:
            if run.collector is None:
                run.collector = ImageRun(self._model_of(s), s.info["image"], run.request, run.t0)
            run.collector.add(frame, now)
        if frame.done:
            self.done_at = now
        self.last_emit_at, self.last_sent_at = now, sent_at
        self.sig_image_frame.emit(frame)

    def _end_run(self, s: _Session, run_id: int, died: str | None) -> None:
        """Record and store a run that ended (`died`: the engine did not live to end it)."""
        run = s.runs.pop(run_id, None)
        record = None
        if run is not None and run.collector is not None:
            record = run.collector.record(ENGINE_DIED if died else None)
            if died and record is not None:
                self._say_ended_early(run.collector, record)
        if record is not None:
            self._store(record)
        self.sig_run_ended.emit(record)

    def _say_ended_early(self, c: TextRun | ImageRun, record: RunRecord) -> None:
        """The last events of a run the engine did not end, as the engine would have sent them."""
        if isinstance(c, TextRun):
            if c.done is None:
                self.sig_events.emit([c.ended_early(ENGINE_DIED)])
            return
        ended = [
            DoneEvent(
                sample=i,
                text="",
                tokens=record.tokens,
                stop_reason=ENGINE_DIED,
                ttft_ms=record.ttft_ms,
                tokens_per_s=record.tokens_per_s,
            )
            for i in range(c.num_samples)
        ]
        self.sig_image_frame.emit(ImageFrame(done=ended))

    def _store(self, record: RunRecord) -> None:
        """Add an ended run to the history (a failure there is reported, the run still shown). A
        connection per run: this runs in the reader thread, which a fresh engine replaces."""
        from studio.core.paths import history_path
        from studio.io.history import HistoryStore

        try:
            store = HistoryStore(self._history_path or history_path())
            try:
                store.add(record)
            finally:
                store.close()
        except Exception as e:  # noqa: BLE001 - the run is still shown
            self.sig_error.emit(f"The run could not be saved to the history: {e}")

    def _on_exit(self, s: _Session, reason: str) -> None:
        """The engine process ended unasked: say so, and answer everything it left waiting."""
        s.dead = True
        if self._closed:
            return
        why = f"the engine stopped ({reason})"
        while s.pending:
            p = s.pending.popleft()
            if p[0] == "run":
                self._end_run(s, p[1], why)
            elif p[0] == "list":
                self.sig_models_listed.emit([], [])
            elif p[0] == "load":
                self.sig_model_failed.emit(p[1], why)
            elif p[0] == "png":
                self.sig_png_failed.emit(p[1], why)
            elif p[0] == "stages":
                self.sig_stages_failed.emit(p[1], why)
            elif p[0] == "inspect":
                self.sig_inspect_failed.emit(p[1], why)
        # after the runs it left have ended with what arrived (their records stored and shown)
        self.sig_engine_died.emit(f"The engine stopped: {reason}. The next action starts it again.")
