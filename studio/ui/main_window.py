"""The main window: model picker and sampling panel on the left, the text and image workspaces
in the middle, the history on the right, the status bar below.

The GUI thread only shows things: models load and run in the engine process (`EngineClient`), and
their events arrive here in batches (at most one every 33 ms for text, one per frame for images).
"""

from __future__ import annotations

import base64
import contextlib
import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QMetaMethod, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import DoneEvent, StartEvent, TokenEvent, WarningEvent
from studio.core.paths import history_path
from studio.io.export import export_run, read_run
from studio.io.history import HistoryStore
from studio.io.preferences import load_settings, save_settings
from studio.io.run import RunFormatError, RunRecord, trace_events
from studio.ui.engine_client import EngineClient
from studio.ui.help import shortcut_rows, show_about, show_shortcuts
from studio.ui.history_panel import HistoryPanel
from studio.ui.image_runs import ImageRunsMixin
from studio.ui.image_workspace import ImageWorkspace
from studio.ui.model_card_dialog import ModelCardDialog
from studio.ui.model_picker import ModelPicker
from studio.ui.sampling_panel import SamplingPanel
from studio.ui.stages_view import StagesDialog
from studio.ui.status_bar import STATUS_INTERVAL_S, StudioStatusBar
from studio.ui.text_workspace import TextWorkspace


class MainWindow(ImageRunsMixin, QMainWindow):
    """AIGC Studio's window."""

    sig_stages_shown = Signal(int)
    """A token's sampling stages are on screen (its step)."""
    sig_model_ready = Signal(object)
    """A model finished loading and can generate (its description)."""
    sig_batch_shown = Signal(int)
    """A batch of events is on screen (tokens shown so far in this run)."""
    sig_run_shown = Signal(object)
    """A run ended and is fully on screen (its RunRecord, or None if it failed)."""

    def __init__(self, initial_model: str | None = None, device: str = "auto") -> None:
        super().__init__()
        self.setWindowTitle(self.tr("AIGC Studio"))
        self.setAcceptDrops(True)
        self._device = device
        self._initial_model = initial_model
        self._settings = load_settings()
        self.history = HistoryStore(history_path())
        self._loaded_info: dict | None = None
        self._loading_path: str | None = None
        self._stop_sent = False  # Stop was sent for the run in progress
        self._running = False
        self._closed = False
        self._backend_started = False
        self._generate_when_ready = False
        self._models_listed = False
        self._last_run: RunRecord | None = None
        self._run_kind = "text"  # the kind of the run in progress (or the last one)
        self._pending_image_record: RunRecord | None = None  # shown once its model has loaded
        self._pending_image_settings: dict | None = None  # from a PNG, applied once loaded
        self._run_t0 = 0.0
        self._first_t: float | None = None
        self._status_t = 0.0
        self._shown = 0
        self._slide_at: int | None = None  # new tokens before the running text run slides
        self._slide_hint_shown = False  # said once per window
        # what made the text on screen, for its sampling stages: model path, prompt, settings
        self._shown_text_run: dict | None = None
        self._stages_dialog: StagesDialog | None = None
        self._stages_step = 0  # the token the stages dialog shows
        self.last_batch_shown_at: float | None = None  # perf_counter, for the UI benchmark

        self._build_widgets()
        self._build_menus()
        self._restore_settings()
        self._update_actions()

        self.engine = EngineClient(parent=self)
        self.engine.sig_engine_died.connect(self._on_error)
        self.image.pace_slider.valueChanged.connect(lambda ms: self.engine.set_pace(ms / 1000.0))
        self.engine.sig_stages.connect(self._on_stages)
        self.engine.sig_stages_failed.connect(self._on_stages_failed)
        self.engine.sig_image_frame.connect(self._on_image_frame)
        self.engine.sig_png_read.connect(self._on_png_read)
        self.engine.sig_png_failed.connect(self._on_png_failed)
        self.engine.sig_models_listed.connect(self._on_models_listed)
        self.engine.sig_model_loading.connect(self._on_model_loading)
        self.engine.sig_model_loaded.connect(self._on_model_loaded)
        self.engine.sig_model_failed.connect(self._on_model_failed)
        self.engine.sig_events.connect(self._on_events)
        self._batch_shown_method = QMetaMethod.fromSignal(self.sig_batch_shown)
        self.engine.sig_run_ended.connect(self._on_run_ended)
        self.engine.sig_error.connect(self._on_error)

    # ---- building -----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.picker = ModelPicker()
        self.picker.sig_model_chosen.connect(self.choose_model)
        self.picker.sig_card_requested.connect(self.show_model_card)
        self.picker.sig_open_requested.connect(self.open_model_dialog)
        self.picker.set_state(self.tr("Looking for models…"))
        self.sampling = SamplingPanel()

        model_box = QGroupBox(self.tr("Model"))
        QVBoxLayout(model_box).addWidget(self.picker)
        sampling_box = QGroupBox(self.tr("Sampling"))
        QVBoxLayout(sampling_box).addWidget(self.sampling)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 6, 6)
        ll.addWidget(model_box)
        ll.addWidget(sampling_box, 1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # wide enough for the panel, so only a vertical scroll bar is ever needed
        scroll.setMinimumWidth(
            left.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 2
        )

        self.text = TextWorkspace()
        # the widgets other parts of the window (and the tests) work with
        self.message_bar = self.text.message_bar
        self.generate_button = self.text.generate_button
        self.stop_button = self.text.stop_button
        self.continue_button = self.text.continue_button
        self.colors_check = self.text.colors_check
        self.legend = self.text.legend
        self.prompt_edit = self.text.prompt_edit
        self.output = self.text.output
        self.output.sig_token_clicked.connect(self.inspect_token)
        self.text_splitter = self.text.splitter
        self.generate_button.clicked.connect(self.generate)
        self.continue_button.clicked.connect(self.continue_text)
        self.stop_button.clicked.connect(self.stop)
        self.colors_check.toggled.connect(self.set_colors)

        self.image = ImageWorkspace()
        self.image.sig_generate.connect(lambda: self.generate_image(complete=False))
        self.image.sig_complete.connect(lambda: self.generate_image(complete=True))
        self.image.sig_stop.connect(self.stop)
        self.image.sig_export.connect(self.export_image_dialog)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.text, self.tr("Text"))
        self.tabs.addTab(self.image, self.tr("Image"))
        self.tabs.currentChanged.connect(self._tab_changed)

        self.history_panel = HistoryPanel(self.history)
        self.history_panel.sig_run_selected.connect(self.restore_from_history)
        self.history_panel.sig_export_requested.connect(self.export_from_history)
        history_box = QGroupBox(self.tr("History"))
        hl = QVBoxLayout(history_box)
        hl.addWidget(self.history_panel)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(scroll)
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.addWidget(history_box)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setStretchFactor(2, 0)
        self.main_splitter.setSizes([360, 860, 280])
        self.prompt_edit.setFocus()
        self.setCentralWidget(self.main_splitter)

        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        self._set_status(
            model=self.tr("no model"),
            device="–",
            tokens="0 tokens",
            speed="– tok/s",
            ttft="first token –",
            stop="",
        )

    def _build_menus(self) -> None:
        def action(text: str, slot, shortcuts=(), tip: str = "") -> QAction:
            a = QAction(text, self)
            if shortcuts:
                a.setShortcuts([QKeySequence(s) for s in shortcuts])
            if tip:
                a.setStatusTip(tip)
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.open_action = action(
            self.tr("&Open…"),
            self.open_dialog,
            [QKeySequence.StandardKey.Open],
            self.tr("Open an exported run (.json), an exported image (.png) or a model file"),
        )
        self.open_model_action = action(
            self.tr("Open &Model…"), self.open_model_dialog, tip=self.tr("Open a model file")
        )
        self.open_folder_action = action(
            self.tr("Open Model &Folder…"),
            self.open_model_folder_dialog,
            tip=self.tr("Open a Hugging Face GPT-2 or nanoGPT folder"),
        )
        self.export_action = action(
            self.tr("&Export…"),
            self.export_dialog,
            ["Ctrl+E", "Ctrl+S"],
            self.tr("Export the run as .txt, .md or .json, or the image as .png or .gif"),
        )
        self.copy_action = action(
            self.tr("&Copy Text"),
            self.copy_text,
            ["Ctrl+Shift+C"],
            self.tr("Copy the prompt and the generated text"),
        )
        # Ctrl+Q written out: the standard Quit key is empty on some platforms (and Ctrl is Cmd on macOS)
        self.quit_action = action(self.tr("&Quit"), self.close, ["Ctrl+Q"])
        self.generate_action = action(
            self.tr("&Generate"), self.generate, ["Ctrl+Return", "Ctrl+Enter"]
        )
        self.continue_action = action(
            self.tr("&Continue"),
            self.continue_text,
            ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
            self.tr("Generate on from the end of the text"),
        )
        self.stop_action = action(self.tr("&Stop"), self.stop, ["Esc"])
        self.colors_action = action(
            self.tr("&Probability Colours"),
            lambda on: self.colors_check.setChecked(on),
            ["Ctrl+Shift+P"],
        )
        self.colors_action.setCheckable(True)
        self.card_action = action(self.tr("Model &Card…"), self.show_model_card)
        self.search_action = action(
            self.tr("&Search History"),
            self.focus_history_search,
            [QKeySequence.StandardKey.Find],
            self.tr("Find a past run by its text or model"),
        )
        self.shortcuts_action = action(
            self.tr("&Keyboard Shortcuts"),
            self.show_shortcuts,
            [QKeySequence.StandardKey.HelpContents],
        )
        self.about_action = action(self.tr("&About AIGC Studio"), self.show_about)

        m = self.menuBar().addMenu(self.tr("&File"))
        for a in (self.open_action, self.open_model_action, self.open_folder_action):
            m.addAction(a)
        m.addSeparator()
        m.addAction(self.export_action)
        m.addAction(self.copy_action)
        m.addSeparator()
        m.addAction(self.quit_action)
        r = self.menuBar().addMenu(self.tr("&Run"))
        r.addAction(self.generate_action)
        r.addAction(self.continue_action)
        r.addAction(self.stop_action)
        v = self.menuBar().addMenu(self.tr("&View"))
        v.addAction(self.colors_action)
        v.addAction(self.card_action)
        v.addAction(self.search_action)
        h = self.menuBar().addMenu(self.tr("&Help"))
        h.addAction(self.shortcuts_action)
        h.addAction(self.about_action)

    def focus_history_search(self) -> None:
        """Put the cursor in the history's search box, its text selected to type over."""
        self.history_panel.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.history_panel.search.selectAll()

    def shortcut_rows(self) -> list[tuple[str, str]]:
        return shortcut_rows(self.actions())

    def show_shortcuts(self) -> QMessageBox:
        """The keyboard shortcuts (not modal; returned for tests)."""
        return show_shortcuts(self, self.shortcut_rows())

    def show_about(self) -> QMessageBox:
        """About AIGC Studio (not modal; returned for tests)."""
        return show_about(self)

    # ---- start-up -----------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._backend_started:
            # let the window reach the screen before the engine process starts importing torch
            QTimer.singleShot(30, self.start_backend)

    def start_backend(self) -> None:
        """Ask the engine for the model list (this starts the engine process, which imports torch)."""
        if self._backend_started or self._closed:
            return
        self._backend_started = True
        self.engine.list_models()

    def _on_models_listed(self, models: list, problems: list) -> None:
        if self._closed:
            return
        self._models_listed = True
        self.picker.set_models(models)
        self.picker.set_state(
            "" if models else self.tr("No models found: open one with File > Open Model…")
        )
        for p in problems:
            self.statusBar().showMessage(self.tr("Could not read a model: {0}").format(p), 8000)
        wanted = self._initial_model or self._settings.get("last_model") or ""
        if wanted and (self.picker.find(path=wanted) or Path(wanted).exists()):
            self.choose_model(wanted)
            return
        if wanted and (m := self.picker.find(name=wanted)):
            self.choose_model(m["path"])
            return
        if self._initial_model:
            self.message_bar.show_message(
                self.tr("No model named {0}: choose one from the list or open a file.").format(
                    self._initial_model
                )
            )
        texts = [m for m in self.picker.models() if m.get("kind") == "text-gpt"]
        if texts:
            self.choose_model(texts[0]["path"])

    # ---- models -------------------------------------------------------------------------------

    def choose_model(self, path: str) -> None:
        """Load the model at `path` (stopping a run first)."""
        if self._closed or not path:
            return
        if (
            self._loaded_info
            and self.picker.same_path(self._loaded_info["path"], path)
            and not self._loading_path
        ):
            self.picker.select_path(path)
            return
        if self._running:
            self.stop()
        self.picker.select_path(path)
        self._loading_path = path
        self.picker.set_state(self.tr("Loading model…"))
        self._update_actions()
        self.engine.load_model(path, self._device)

    def _on_model_loading(self, path: str) -> None:
        if self._closed:
            return
        self._loading_path = path
        self.picker.set_state(self.tr("Loading model…"))
        self._set_status(model=self.tr("Loading model…"))
        self._update_actions()

    def _on_model_loaded(self, info: dict) -> None:
        if self._closed:
            return
        self._loading_path = None
        self._loaded_info = info
        self.picker.add_model(info)
        self.picker.set_state("")
        self.picker.card_button.setEnabled(True)
        self._set_status(model=info.get("title") or info["name"], device=info.get("device", "?"))
        if self._is_image(info):
            # image models drive the image workspace, with the same picker and sampling panel
            self.image.set_model(info)
            self.tabs.setCurrentIndex(1)
            self._apply_pending_image()
        else:
            self.image.set_model(None)
            self.tabs.setCurrentIndex(0)
        self._update_actions()
        self.sig_model_ready.emit(info)
        if self._generate_when_ready:
            self.statusBar().clearMessage()  # "Generating once the model is loaded…" is done
            self.generate()

    def _on_model_failed(self, path: str, message: str) -> None:
        if self._closed:
            return
        self._loading_path = None
        self.picker.set_state("")
        if self._loaded_info:
            self.picker.select_path(self._loaded_info["path"])
            self._set_status(model=self._loaded_info.get("title") or self._loaded_info["name"])
        else:
            self._set_status(model=self.tr("no model"))
        self.message_bar.show_message(self.tr("Could not open the model: {0}").format(message))
        self._generate_when_ready = False
        self._update_actions()

    def show_model_card(self) -> None:
        info = self.picker.current_info() or self._loaded_info
        if info:
            ModelCardDialog(info, self).exec()

    # ---- running ------------------------------------------------------------------------------

    def can_generate(self) -> bool:
        return self._loaded_info is not None and not self._loading_path and not self._running

    def generate(self) -> None:
        if self._running or self._closed:
            return
        if not self.can_generate():
            if self._loading_path or not self._models_listed:
                # pressed while the model loads: run as soon as it is ready
                self._generate_when_ready = True
                self.statusBar().showMessage(self.tr("Generating once the model is loaded…"), 5000)
            else:
                self.message_bar.show_message(
                    self.tr("Choose a model first, or open one with File > Open Model…"),
                    error=False,
                )
            return
        if self._is_image(self._loaded_info):
            self.generate_image(complete=False)
            return
        settings = self._settings_for_run()
        if settings is None:
            return
        prompt = self.prompt_edit.toPlainText()
        self.message_bar.hide()
        self._begin_run("text", self.tr("tokens"), self.tr("tok/s"), self.tr("first token –"))
        # where the run will outgrow the model's window and slide, a hint says why it slows
        # down and what is faster (the position past which it slides); once per window, since a
        # person who keeps Slide after reading it has chosen it
        block = (
            ((self._loaded_info or {}).get("card") or {}).get("architecture", {}).get("block_size")
        )
        self._slide_at = (
            block
            if settings.get("context") == "slide"
            and isinstance(block, int)
            and not self._slide_hint_shown
            else None
        )
        self.output.start(prompt)
        self._shown_text_run = {
            "model_path": self._loaded_info["path"],
            "model_title": self._loaded_info.get("title") or self._loaded_info["name"],
            "prompt": prompt,
            "settings": settings,
        }
        self.engine.generate(prompt, settings)

    def continue_text(self) -> None:
        """Generate on from the end of the text shown: the prompt and the generated text become
        the new prompt (the engine keeps its newest tokens if that outgrows the window)."""
        if self._running or self._closed or self._is_image(self._loaded_info):
            return
        text = self.output.prompt() + self.output.generated_text()
        if not self.output.token_count():
            self.message_bar.show_message(
                self.tr("Nothing to continue yet: generate first."), error=False
            )
            return
        self.prompt_edit.setPlainText(text)
        self.generate()

    def _settings_for_run(self) -> dict | None:
        """The sampling panel's values for a run starting now, or None (said in the status bar)
        while the seed field holds something that is not a seed."""
        self._generate_when_ready = False
        settings = self.sampling.generation_settings()
        if settings is None:
            self.statusBar().showMessage(self.tr("Fix the seed first (see the hint)."), 5000)
        return settings

    def stop(self) -> None:
        self._generate_when_ready = False
        if self._running and not self._stop_sent:
            self._stop_sent = True
            self.engine.stop()
            self._set_status(stop=self.tr("stopping…"))

    def is_running(self) -> bool:
        return self._running

    def _begin_run(self, kind: str, unit: str, rate: str, first: str) -> None:
        """The state and status line every run starts from: counters reset."""
        self._run_kind = kind
        self._stop_sent = False
        self._running = True
        self._shown = 0
        self._run_t0 = time.perf_counter()
        self._first_t = None
        self._set_status(
            tokens=f"0 {unit}", speed=f"– {rate}", ttft=first, stop=self.tr("running…")
        )
        self._update_actions()

    def _on_events(self, batch: list) -> None:
        if self._closed:
            return
        tokens = []
        done = None
        for ev in batch:
            kind = type(ev)
            if kind is TokenEvent:
                if ev.sample == 0:
                    tokens.append(ev)
            elif kind is StartEvent:
                self.sampling.set_used_seed(ev.seed)
                if self._slide_at is not None:
                    self._slide_at -= ev.prompt_tokens  # new tokens until the window is full
            elif kind is WarningEvent:
                self.message_bar.show_message(ev.message, error=False)
            elif kind is DoneEvent and ev.sample == 0:
                done = ev
        now = time.perf_counter()
        if tokens:
            if self._first_t is None:
                self._first_t = now
                ttft = (now - self._run_t0) * 1000
                self._set_status(ttft=self.tr("first token {0:.0f} ms").format(ttft))
            self.output.append_tokens(tokens)
            self._shown += len(tokens)
            if self._slide_at is not None and self._shown > self._slide_at:
                self._slide_at = None
                self._slide_hint_shown = True
                self.message_bar.show_message(
                    self.tr(
                        "The text is now longer than the model's context window: every new token "
                        "re-reads the whole window (Past the window: Slide, as nanoGPT). Choose "
                        "Shift there for full speed."
                    ),
                    error=False,
                )
            if now - self._status_t >= STATUS_INTERVAL_S and done is None:
                # the numbers change every frame; people read them a few times a second
                self._status_t = now
                elapsed = now - self._first_t
                speed = f"{(self._shown - 1) / elapsed:.1f} tok/s" if elapsed > 0 else "– tok/s"
                self._set_status(tokens=self.tr("{0} tokens").format(self._shown), speed=speed)
        if done is not None:
            self._set_status(
                tokens=self.tr("{0} tokens").format(done.tokens),
                speed=f"{done.tokens_per_s:.1f} tok/s",
                ttft=self.tr("first token {0:.0f} ms").format(done.ttft_ms),
                stop=self.tr("stop: {0}").format(done.stop_reason),
            )
        self.last_batch_shown_at = time.perf_counter()
        self._emit_batch_shown()

    def _emit_batch_shown(self) -> None:
        # emitted for tests and benchmarks; when nothing listens, not even the emit is paid for
        # (measured ~1 ms of GUI-thread time per batch while the engine streams)
        if self.isSignalConnected(self._batch_shown_method):
            self.sig_batch_shown.emit(self._shown)

    def _on_run_ended(self, record: RunRecord | None) -> None:
        if self._closed:
            return
        self._running = False
        if self._run_kind == "image":
            self.image.run_ended(record)
        if record is not None:
            if record.kind == "text":
                self._last_run = record
            self.history_panel.refresh()
        else:
            self._set_status(stop=self.tr("failed"))
        self._update_actions()
        self.sig_run_shown.emit(record)

    def _on_error(self, message: str) -> None:
        if not self._closed:
            self._message_bar().show_message(message)

    def _message_bar(self):
        """The message line of the workspace on screen."""
        return self.image.message_bar if self.tabs.currentIndex() == 1 else self.message_bar

    def set_colors(self, on: bool) -> None:
        self.output.set_colors(on)
        self.legend.setVisible(on)
        if self.colors_action.isChecked() != on:
            self.colors_action.setChecked(on)
        if self.colors_check.isChecked() != on:
            self.colors_check.setChecked(on)

    # ---- a token's sampling stages ------------------------------------------------------------

    def inspect_token(self, i: int) -> None:
        """Show the sampling stages of generated token i of the text on screen (computed by the
        engine with the model that made it; after the run in progress, if one is)."""
        run = self._shown_text_run
        tokens = self.output.tokens()
        if run is None or not 0 <= i < len(tokens):
            return
        info = self._loaded_info
        if info is None or not self.picker.same_path(info["path"], run["model_path"]):
            self.message_bar.show_message(
                self.tr(
                    "This text was made by {0}: open that model to see its sampling stages."
                ).format(run["model_title"]),
                error=False,
            )
            return
        if self._stages_dialog is None:
            self._stages_dialog = StagesDialog(self)
            self._stages_dialog.sig_step.connect(
                lambda d: self.inspect_token(self._stages_step + d)
            )
        self._stages_step = i
        self._stages_dialog.set_position(i, len(tokens))
        self._stages_dialog.show_loading(i, tokens[i].text, after_run=self._running)
        self._stages_dialog.show()
        self._stages_dialog.raise_()
        ids = [t.id for t in tokens[: i + 1]]
        self.engine.inspect_stages(run["model_path"], run["prompt"], ids, run["settings"])

    def _on_stages(self, step: int, chosen: int, stages: list) -> None:
        if self._closed or self._stages_dialog is None:
            return
        self._stages_dialog.show_stages(step, chosen, stages)
        self.sig_stages_shown.emit(step)

    def _on_stages_failed(self, step: int, message: str) -> None:
        if not self._closed and self._stages_dialog is not None:
            self._stages_dialog.show_failure(message)

    # ---- restoring runs -----------------------------------------------------------------------

    def restore_run(self, record: RunRecord) -> None:
        """Show a past run: its prompt, text, settings and model."""
        if self._running:
            self._message_bar().show_message(
                self.tr("Stop the run first, then open another."), error=False
            )
            return
        if record.kind == "image":
            self.restore_image_run(record)
            return
        self.prompt_edit.setPlainText(record.prompt)
        self.sampling.set_generation_settings(record.settings)
        self.sampling.set_used_seed(record.seed)
        try:
            tokens = trace_events(record.trace)
        except RunFormatError:
            tokens = []
        if "".join(t.text for t in tokens) == record.text:
            self.output.show_run(record.prompt, tokens)
        else:  # no usable trace: the text without colours
            self.output.start(record.prompt)
            self.output.insertPlainText(record.text)
        self._set_status(
            tokens=self.tr("{0} tokens").format(record.tokens),
            speed=f"{record.tokens_per_s:.1f} tok/s",
            ttft=self.tr("first token {0:.0f} ms").format(record.ttft_ms),
            stop=self.tr("stop: {0}").format(record.stop_reason),
        )
        self._last_run = record
        self._shown_text_run = {
            "model_path": record.model_path,
            "model_title": record.model_title or record.model_name,
            "prompt": record.prompt,
            "settings": record.settings,
        }
        self.tabs.setCurrentIndex(0)
        m = self.picker.find(name=record.model_name, path=record.model_path)
        if m is not None:
            self.choose_model(m["path"])
        elif record.model_path and Path(record.model_path).exists():
            self.choose_model(record.model_path)
        else:
            self.message_bar.show_message(
                self.tr(
                    "The model of this run ({0}) is not available; open it to generate again."
                ).format(record.model_name),
                error=False,
            )
        self._update_actions()

    def restore_from_history(self, run_id: int) -> None:
        record = self.history.get(run_id)
        if record is not None:
            self.restore_run(record)

    def open_path(self, path: str) -> None:
        """Open a dropped or chosen path: an exported run (.json) or a model file or folder."""
        p = Path(path)
        if p.suffix.lower() == ".png":
            self.tabs.setCurrentIndex(1)
            self.engine.read_png(str(p))
            return
        if p.is_file() and p.suffix.lower() == ".json":
            try:
                record = read_run(p)
            except RunFormatError as e:
                self.message_bar.show_message(str(e))
                return
            self.restore_run(record)
        else:
            self.choose_model(str(p))

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Open a run or a model"),
            "",
            self.tr(
                "Runs, images and models (*.json *.png *.safetensors *.pt);;"
                "Exported images (*.png);;All files (*)"
            ),
        )
        if path:
            self.open_path(path)

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open a model"), "", self.tr("Models (*.safetensors *.pt);;All files (*)")
        )
        if path:
            self.choose_model(path)

    def open_model_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Open a model folder"))
        if path:
            self.choose_model(path)

    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for u in event.mimeData().urls():
            if u.isLocalFile():
                self.open_path(u.toLocalFile())
                event.acceptProposedAction()
                return

    # ---- export -------------------------------------------------------------------------------

    def last_run(self) -> RunRecord | None:
        return self._last_run

    def export_dialog(self, record: RunRecord | None = None) -> None:
        if isinstance(record, RunRecord) and record.kind == "image":
            self.export_image_dialog(record)
            return
        if not isinstance(record, RunRecord) and self.tabs.currentIndex() == 1:
            self.export_image_dialog()
            return
        self._export_with_dialog(
            record if isinstance(record, RunRecord) else self._last_run,
            self.tr("Nothing to export yet: generate something first."),
            self.tr("Export"),
            [
                (self.tr("Text (*.txt)"), ".txt"),
                (self.tr("Markdown with settings (*.md)"), ".md"),
                (self.tr("JSON with settings and trace (*.json)"), ".json"),
            ],
            self.export_to,
        )

    def _export_with_dialog(self, record, nothing: str, title: str, filters: list, write) -> None:
        """Ask where to export a run (say so if there is none yet), then write it there."""
        if record is None:
            self.statusBar().showMessage(nothing, 5000)
            return
        path = self._ask_export_path(title, record, filters)
        if path:
            write(path, record)

    def export_from_history(self, run_id: int) -> None:
        record = self.history.get(run_id)
        if record is not None:
            self.export_dialog(record)

    def export_to(self, path: str, record: RunRecord | None = None) -> bool:
        """Write a run; asks before overwriting; reports a failure and leaves no partial file."""
        record = record or self._last_run
        if record is None:
            return False
        if Path(path).exists() and not self.confirm_overwrite(path):
            return False
        try:
            export_run(path, record)
        except OSError as e:
            self.show_problem(
                self.tr("Could not write {0}: {1}. Nothing was written.").format(
                    path, e.strerror or e
                )
            )
            return False
        except ValueError as e:
            self.show_problem(str(e))
            return False
        self.statusBar().showMessage(self.tr("Exported to {0}").format(path), 5000)
        return True

    def confirm_overwrite(self, path: str) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("Overwrite?"),
            self.tr("{0} already exists. Replace it?").format(Path(path).name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_problem(self, message: str) -> None:
        self.message_bar.show_message(message)
        QMessageBox.warning(self, self.tr("AIGC Studio"), message)

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.output.toPlainText())
        self.statusBar().showMessage(self.tr("Copied the text."), 3000)

    # ---- images -------------------------------------------------------------------------------

    @staticmethod
    def _is_image(info: dict | None) -> bool:
        return bool(info) and str(info.get("kind", "")).startswith("image-")

    def _ask_export_path(
        self, title: str, record: RunRecord, formats: list[tuple[str, str]]
    ) -> str | None:
        """A save dialog over (filter, suffix) formats; the chosen filter's suffix is added when
        the name has none of them. None when cancelled."""
        filters = [f for f, _ in formats]
        suffixes = [x for _, x in formats]
        path, chosen = QFileDialog.getSaveFileName(
            self,
            title,
            f"{record.model_name}-seed{record.seed}{suffixes[0]}",
            ";;".join(filters),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not path:
            return None
        if Path(path).suffix.lower() not in suffixes:
            path += suffixes[filters.index(chosen)] if chosen in filters else suffixes[0]
        return path

    # ---- state --------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        # while a model loads, Generate stays available and runs once it is ready
        can = not self._running
        self.generate_button.setEnabled(can)
        self.generate_action.setEnabled(can)
        # Continue needs generated text to go on from
        self.continue_button.setEnabled(can and self.output.token_count() > 0)
        self.continue_action.setEnabled(can and self.output.token_count() > 0)
        self.stop_button.setEnabled(self._running)
        self.stop_action.setEnabled(self._running)
        self.image.generate_button.setEnabled(can)
        self.image.complete_button.setEnabled(can)
        self.image.load_button.setEnabled(can)
        self.image.stop_button.setEnabled(self._running)
        self.image.export_button.setEnabled(not self._running and self.image.record is not None)
        self.card_action.setEnabled(self.picker.current_info() is not None)

    def _set_status(self, **values: str) -> None:
        self.status.set_fields(**values)

    def status_text(self, key: str) -> str:
        return self.status.field(key)

    def _restore_settings(self) -> None:
        s = self._settings
        gen = s.get("generation")
        if isinstance(gen, dict):
            self.sampling.set_generation_settings(gen)
        if isinstance(s.get("prompt"), str):
            self.prompt_edit.setPlainText(s["prompt"])
        self.set_colors(bool(s.get("prob_colors", False)))
        image = s.get("image")
        if isinstance(image, dict):
            if isinstance(image.get("batch"), int):
                self.image.set_batch(image["batch"])
            if isinstance(image.get("pace_ms"), int):
                self.image.pace_slider.setValue(image["pace_ms"])  # clamped to its range
            if isinstance(image.get("guidance"), int | float):
                self.image.guidance_spin.setValue(image["guidance"])  # clamped to its range
        for key, restore in (
            ("geometry", self.restoreGeometry),
            ("main_splitter", self.main_splitter.restoreState),
            ("text_splitter", self.text_splitter.restoreState),
        ):
            raw = s.get(key)
            if isinstance(raw, str):
                with contextlib.suppress(ValueError):
                    restore(QByteArray(base64.b64decode(raw)))
        if not isinstance(s.get("geometry"), str):
            self.resize(1500, 920)

    def settings_values(self) -> dict:
        def enc(b: QByteArray) -> str:
            return base64.b64encode(bytes(b.data())).decode("ascii")

        values = {
            "prompt": self.prompt_edit.toPlainText(),
            "prob_colors": self.output.colors(),
            "geometry": enc(self.saveGeometry()),
            "main_splitter": enc(self.main_splitter.saveState()),
            "text_splitter": enc(self.text_splitter.saveState()),
            "image": {
                "batch": self.image.batch(),
                "pace_ms": self.image.pace_slider.value(),
                "guidance": self.image.guidance_spin.value(),
            },
        }
        last = (self._loaded_info or {}).get("path") or self._settings.get("last_model")
        if last:
            values["last_model"] = last
        gen = self.sampling.generation_settings()
        values["generation"] = gen if gen is not None else self._settings.get("generation", {})
        return values

    def closeEvent(self, event) -> None:
        if self._closed:
            event.accept()
            return
        self._closed = True
        try:
            save_settings(self.settings_values())
        except OSError as e:
            print(f"aigc-studio: could not save settings: {e}")
        self.engine.shutdown()
        self.history_panel.detach()
        self.history.close()
        event.accept()
