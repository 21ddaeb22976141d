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

from PySide6.QtCore import QObject, Signal

from studio.core.events import DoneEvent
from studio.core.image_frames import ImageFrame, ImageRequest
from studio.io.engine_process import EngineProcess
from studio.io.image_run import ImageRun
from studio.io.run import RunRecord
from studio.io.run_tree import chosen_token
from studio.io.text_run import TextRun
from studio.ui.engine_runs import _Run, _Session

ENGINE_DIED = "engine-died"  # the stop reason of a run the engine process did not live to end


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
    sig_stepped = Signal(object)
    """Step mode's next token, drawn and not yet taken: a core.step.StepOutcome."""
    sig_step_failed = Signal(int, str)
    """(step, one-line reason) when step mode's next token could not be computed."""
    sig_pixel_stepped = Signal(object)
    """Step mode's next pixel, drawn and not yet taken: a core.step.PixelStepOutcome."""
    sig_pixel_step_failed = Signal(int, str)
    """(step, one-line reason) when step mode's next pixel could not be computed."""
    sig_compare_events = Signal(int, object)
    """A/B compare: (side, 0 for A and 1 for B, a batch of that run's events)."""
    sig_compared = Signal(object, int)
    """A/B compare ended: (core.step.Parting, the seed both ran with)."""
    sig_compare_failed = Signal(str)
    """A/B compare could not run: one line."""
    sig_pixel_inspected = Signal(object)
    """Inside one pixel of a picture: a core.pixel_inspection.PixelInspection."""
    sig_pixel_inspect_failed = Signal(str)
    """One line saying why a pixel could not be looked inside."""
    sig_chat_prompt = Signal(str)
    """The prompt a chat model continues for the conversation asked for (its template's text)."""
    sig_chat_failed = Signal(str)
    """(one-line reason) when the conversation could not be rendered."""
    sig_translation_attention = Signal(object)
    """A translation's cross-attention: a dict of source_tokens, target_tokens (lists of str),
    cross (layers, heads, target, source) and average (target, source) float32 arrays."""
    sig_translation_attention_failed = Signal(str)
    """(one-line reason) when a translation's attention could not be computed."""
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

    def branch(self, prompt: str, settings: dict, branch: dict, link: dict) -> None:
        """A branch of a text run (engine/text/branching.py): `branch` holds the generated ids
        before the fork ("prefix") and the chosen token ("token": its id, or "text": typed);
        `link` the parent's history id and the fork ("parent", "fork"), which its record keeps."""
        self._run("text", ("branch", prompt, settings, dict(branch)), prompt=prompt, link=link)

    def step(
        self,
        model_path: str,
        prompt: str,
        ids: list,
        settings: dict,
        seed: int,
        pick: int | None = None,
    ) -> None:
        """Step mode: the next token after `ids` (the tokens taken), stage by stage, with the
        seed stream at that step; `pick`: the person's own choice to take instead."""
        message = ("step", model_path, prompt, list(ids), settings, int(seed), pick)
        self._request(message, ("step", len(ids)))

    def run_on(self, prompt: str, settings: dict, taken: list) -> None:
        """Run on from the TokenEvents taken in step mode, as a text run (its record holds
        them too); `settings` hold the seed step mode used."""
        message = ("resume", prompt, settings, [t.id for t in taken])
        self._run("text", message, prompt=prompt, taken=list(taken))

    def step_pixel(
        self, model_path: str, request: ImageRequest, values: list, pick: int | None = None
    ) -> None:
        """Step mode for pixels: sample 0's next pixel after `values` (its drawn pixels taken),
        stage by stage, with the seed stream at that step; `request` holds the settings with
        the seed; `pick`: the person's own value to take instead."""
        message = ("pixel_step", model_path, request, list(values), pick)
        self._request(message, ("pixel_step", len(values)))

    def compare(self, prompt: str, a: dict, b: dict) -> None:
        """Settings A and B on `prompt` with one seed, side by side (stop() stops both)."""
        self._request(("compare", prompt, a, b), ("compare",))

    def render_chat(self, messages: list[dict]) -> None:
        """Ask for the prompt the loaded chat model continues for `messages` (role, content)."""
        self._request(("chat", list(messages)), ("chat",))

    def generate_image(self, request: ImageRequest, link: dict | None = None) -> None:
        """An image run; a branch (`request.branch`) with its `link` as for `branch`."""
        self._run("image", ("image", request), request=request, link=link)

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

    def inspect_pixel(
        self, model_path: str, picture, row: int, col: int, label: int | None
    ) -> None:
        """What pixel (row, col) of `picture` ((H, W) or (H, W, 3) uint8, a finished run's, by the
        model at `model_path` with `label`) looked at: its attention or gradient saliency."""
        message = ("inspect_pixel", model_path, picture, int(row), int(col), label)
        self._request(message, ("inspect_pixel", row, col))

    def translation_attention(self, model_path: str, source: str, target: str) -> None:
        """The cross-attention the translation model at `model_path` (loaded) used making
        `target` from `source` (sig_translation_attention answers)."""
        message = ("translation_attention", model_path, source, target)
        self._request(message, ("translation_attention",))

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

    def _run(
        self,
        kind: str,
        message: tuple,
        prompt: str = "",
        request=None,
        link: dict | None = None,
        taken: list | None = None,
    ) -> None:
        if self._closed:
            return
        s = self._ensure()
        self._next_run += 1
        run_id = self._next_run
        s.runs[run_id] = _Run(
            kind,
            time.perf_counter(),
            prompt=prompt,
            request=request,
            link=link,
            taken=taken or [],
        )
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
        elif name == "stepped":
            self._pop(s, "step")
            self.sig_stepped.emit(m[1])
        elif name == "step_failed":
            self._pop(s, "step")
            self.sig_step_failed.emit(m[1], m[2])
        elif name == "pixel_stepped":
            self._pop(s, "pixel_step")
            self.sig_pixel_stepped.emit(m[1])
        elif name == "pixel_step_failed":
            self._pop(s, "pixel_step")
            self.sig_pixel_step_failed.emit(m[1], m[2])
        elif name == "compare_events":
            self.sig_compare_events.emit(m[1], m[2])
        elif name == "compared":
            self._pop(s, "compare")
            self.sig_compared.emit(m[1], m[2])
        elif name == "compare_failed":
            self._pop(s, "compare")
            self.sig_compare_failed.emit(m[1])
        elif name == "pixel_inspected":
            self._pop(s, "inspect_pixel")
            self.sig_pixel_inspected.emit(m[2])
        elif name == "pixel_inspect_failed":
            self._pop(s, "inspect_pixel")
            self.sig_pixel_inspect_failed.emit(m[2])
        elif name == "chat_prompt":
            self._pop(s, "chat")
            self.sig_chat_prompt.emit(m[1])
        elif name == "chat_failed":
            self._pop(s, "chat")
            self.sig_chat_failed.emit(m[1])
        elif name == "translation_attention":
            self._pop(s, "translation_attention")
            self.sig_translation_attention.emit(m[1])
        elif name == "translation_attention_failed":
            self._pop(s, "translation_attention")
            self.sig_translation_attention_failed.emit(m[1])
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
                run.collector.tokens.extend(run.taken)
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
            if run.link is not None and record is not None:
                if record.trace:
                    record.branch = {**run.link, "chosen": chosen_token(record.trace[0])}
                elif record.media.get("chosen"):  # an image branch's pixel
                    record.branch = {**run.link, "chosen": record.media["chosen"]}
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
            elif p[0] == "step":
                self.sig_step_failed.emit(p[1], why)
            elif p[0] == "compare":
                self.sig_compare_failed.emit(why)
            elif p[0] == "pixel_step":
                self.sig_pixel_step_failed.emit(p[1], why)
            elif p[0] == "inspect_pixel":
                self.sig_pixel_inspect_failed.emit(why)
            elif p[0] == "chat":
                self.sig_chat_failed.emit(why)
            elif p[0] == "translation_attention":
                self.sig_translation_attention_failed.emit(why)
        # after the runs it left have ended with what arrived (their records stored and shown)
        self.sig_engine_died.emit(f"The engine stopped: {reason}. The next action starts it again.")
