"""The main window: model picker and sampling panel on the left, the text and image workspaces
in the middle, the history on the right, the status bar below.

The GUI thread only shows things: models load and run in the engine (`self.engine`, created in
one place in `__init__`), whose answers arrive here as signals, in batches (at most one every 33 ms
for text, one per frame for images). The workspaces run their own kind of run on it; the window
wires them up and keeps the model, the menus, opening, exporting and the preferences.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget

from studio.core.paths import history_path
from studio.io.history import HistoryStore
from studio.io.preferences import load_settings, save_settings
from studio.io.run import RunFormatError, RunRecord
from studio.io.run_tree import RunTree, read_tree
from studio.ui.engine_client import EngineClient
from studio.ui.help import shortcut_rows, show_about, show_shortcuts
from studio.ui.history_panel import HistoryPanel
from studio.ui.image_workspace import ImageWorkspace
from studio.ui.model_picker import ModelPicker
from studio.ui.model_slot import ModelSlot, is_image
from studio.ui.precision_menu import precision
from studio.ui.run_state import RunState
from studio.ui.sampling_panel import SamplingPanel
from studio.ui.status_bar import StudioStatusBar
from studio.ui.text_workspace import TextWorkspace
from studio.ui.train_tab import add_train_tab
from studio.ui.window_files import WindowFiles
from studio.ui.window_layout import columns
from studio.ui.window_menus import build_menus
from studio.ui.window_state import restore_window, window_values


class MainWindow(QMainWindow):
    """AIGC Studio's window."""

    sig_model_ready = Signal(object)
    """A model finished loading and can generate (its description)."""

    def __init__(self, initial_model: str | None = None, device: str = "auto") -> None:
        super().__init__()
        self.setWindowTitle(self.tr("AIGC Studio"))
        self.setAcceptDrops(True)
        self._settings = load_settings()
        self.history = HistoryStore(history_path())
        self._closed = False
        self._backend_started = False
        self._generate_when_ready = False

        self.engine = EngineClient(parent=self)  # the one place the engine is made
        self.status = StudioStatusBar()
        self.runs = RunState(self.engine, self.status, self)
        self.files = WindowFiles(self)
        self._build_widgets()
        self.models = ModelSlot(self.engine, self.picker, self.runs, self.message_bar, device, self)
        self.models.initial, self.models.last = initial_model, self._settings.get("last_model")
        self.models.precision = precision(self._settings)  # Run > Precision
        build_menus(self)
        restore_window(self, self._settings)
        self._update_actions()

        self.models.sig_loaded.connect(self._on_model_loaded)
        self.models.sig_changed.connect(self._update_actions)
        self.models.sig_failed.connect(self._drop_promise)
        e = self.engine
        e.sig_png_read.connect(self._on_png_read)
        e.sig_png_failed.connect(self._on_png_failed)
        e.sig_error.connect(self._on_error)
        e.sig_engine_died.connect(self._on_engine_died)
        self.runs.sig_started.connect(self._update_actions)
        self.runs.sig_ended.connect(self._on_run_ended)

    # what tests and benchmarks wait on, from the run in progress and the text workspace
    sig_batch_shown = property(lambda self: self.runs.sig_batch_shown)
    sig_run_shown = property(lambda self: self.runs.sig_run_shown)
    sig_stages_shown = property(lambda self: self.text.sig_stages_shown)
    last_batch_shown_at = property(lambda self: self.runs.last_batch_shown_at)

    # ---- building -----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.picker = ModelPicker()
        self.picker.sig_open_requested.connect(self.files.open_model_dialog)
        self.sampling = SamplingPanel()
        self.text = TextWorkspace(self.engine, self.runs, self.sampling)
        # the text widgets the window itself works with (preferences, copying, messages)
        self.prompt_edit = self.text.prompt_edit
        self.output = self.text.output
        self.message_bar = self.text.message_bar
        self.text.sig_generate.connect(self.generate)
        self.text.sig_continue.connect(self.continue_text)
        self.text.sig_stop.connect(self.stop)
        self.text.colors_check.toggled.connect(lambda on: self.colors_action.setChecked(on))

        self.image = ImageWorkspace(self.engine, self.runs, self.sampling)
        self.image.sig_generate.connect(lambda: self.generate_image(complete=False))
        self.image.sig_complete.connect(lambda: self.generate_image(complete=True))
        self.image.sig_stop.connect(self.stop)
        self.image.sig_export.connect(self.files.export_image_dialog)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.text, self.tr("Text"))
        self.tabs.addTab(self.image, self.tr("Image"))
        self.train = add_train_tab(self.tabs, self.engine)
        # repetition penalty, length and stop strings mean nothing to pixels
        self.tabs.currentChanged.connect(lambda i: self.sampling.set_text_controls_enabled(i == 0))

        self.text.branches.history = self.image.runner.branches.history = self.history
        self.history_panel = HistoryPanel(self.history)
        self.history_panel.sig_run_selected.connect(self.restore_from_history)
        self.history_panel.sig_export_requested.connect(self.export_from_history)
        self.main_splitter = columns(self.picker, self.sampling, self.tabs, self.history_panel)
        self.prompt_edit.setFocus()
        self.setCentralWidget(self.main_splitter)
        self.setStatusBar(self.status)
        self.status.set_fields(
            model=self.tr("no model"),
            device="–",
            tokens=self.tr("0 tokens"),
            speed=self.tr("– tok/s"),
            ttft=self.tr("first token –"),
            stop="",
        )

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

    # ---- start-up and models ------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._backend_started:
            # let the window reach the screen before the engine starts importing torch
            QTimer.singleShot(30, self.start_backend)

    def start_backend(self) -> None:
        """Ask the engine for the model list (this is what first imports torch, in the engine)."""
        if self._backend_started or self._closed:
            return
        self._backend_started = True
        self.engine.list_models()

    def choose_model(self, path: str) -> None:
        """Load the model at `path` (stopping a run first)."""
        self.models.choose(path)

    def _on_model_loaded(self, info: dict) -> None:
        # image models drive the image workspace, with the same picker and sampling panel
        image = is_image(info)
        self.text.set_model(None if image else info)
        self.image.set_model(info if image else None)
        self.tabs.setCurrentIndex(1 if image else 0)
        if image:
            self.image.runner.apply_pending()
        self._update_actions()
        self.sig_model_ready.emit(info)
        if self._generate_when_ready:
            self.statusBar().clearMessage()  # "Generating once the model is loaded…" is done
            self.generate()

    # ---- running ------------------------------------------------------------------------------

    def can_generate(self) -> bool:
        return self.models.ready() and not self.runs.running

    def is_running(self) -> bool:
        return self.runs.running

    def generate(self) -> None:
        """Generate with the loaded model: text on the prompt, or images with an image model."""
        if self.runs.running or self._closed:
            return
        if self.models.ready(image=True):
            self.generate_image(complete=False)
        elif self._ready(image=False):
            self.text.generate()

    def generate_image(self, complete: bool = False) -> None:
        """Draw images with the loaded image model (complete: around the drawn or loaded pixels)."""
        if self.runs.running or self._closed:
            return
        self.tabs.setCurrentIndex(1)
        if self._ready(image=True, complete=complete):
            self.image.runner.generate(complete)

    def _ready(self, image: bool, complete: bool = False) -> bool:
        """Whether a model of the kind can run now; if it is loading (or the engine lost it), a
        promise to generate once it has loaded; otherwise a word on what to choose."""
        models = self.models
        if models.ready(image):
            self._generate_when_ready = False
            return True
        if models.info is None and models.reload_path and not models.loading_path:
            models.choose(models.reload_path)
        if models.loading_path or not models.listed:
            self._generate_when_ready = not complete
            self.statusBar().showMessage(self.tr("Generating once the model is loaded…"), 5000)
        elif image:
            self.image.message_bar.show_message(
                self.tr("Choose an image model (digits or emoji) in the model picker first."),
                error=False,
            )
        else:
            self.message_bar.show_message(
                self.tr("Choose a model first, or open one with File > Open Model…"), error=False
            )
        return False

    def continue_text(self) -> None:
        """Generate on from the end of the text shown: the prompt and the generated text become
        the new prompt."""
        if self.runs.running or self._closed or is_image(self.models.info):
            return
        if self.text.take_continuation():
            self.generate()

    def stop(self) -> None:
        self._drop_promise()
        self.runs.stop()

    def _drop_promise(self) -> None:
        """Forget a Generate pressed while the model loaded (stopped, or the model failed)."""
        self._generate_when_ready = False

    def _on_run_ended(self, record: RunRecord | None) -> None:
        if record is not None:
            self.history_panel.refresh()
        self._update_actions()

    def _on_engine_died(self, reason: str) -> None:
        """The engine ended unexpectedly: the run in progress ends as stopped, its partial text
        or pixels kept; the model is loaded again on the next Generate."""
        if self._closed:
            return
        self._drop_promise()
        self.models.engine_died()
        self.text.engine_died()
        self.image.runner.engine_died()
        self._message_bar().show_message(reason)  # one line, from the engine client
        self._update_actions()

    def _on_error(self, message: str) -> None:
        if not self._closed:
            self._message_bar().show_message(message)

    def _message_bar(self):
        """The message line of the workspace on screen."""
        return self.image.message_bar if self.tabs.currentIndex() == 1 else self.message_bar

    # ---- opening runs, images and models ------------------------------------------------------

    def restore_run(self, record: RunRecord, tree: RunTree | None = None) -> None:
        """Show a past run (with its `tree` of branches): its prompt, text or pictures,
        settings and model."""
        if self.runs.running:
            self._message_bar().show_message(
                self.tr("Stop the run first, then open another."), error=False
            )
            return
        image = record.kind == "image"
        if image:
            self.image.runner.expect(record, tree)
        else:
            self.text.show_tree(tree or RunTree(record))
        self.tabs.setCurrentIndex(1 if image else 0)
        m = self.picker.find(name=record.model_name, path=record.model_path)
        path = m["path"] if m else None
        if path is None and not image and record.model_path and Path(record.model_path).exists():
            path = record.model_path
        if path is None:
            unavailable = (
                self.tr("The model of this run ({0}) is not available; open it to draw again.")
                if image
                else self.tr(
                    "The model of this run ({0}) is not available; open it to generate again."
                )
            )
            self._message_bar().show_message(unavailable.format(record.model_name), error=False)
        elif not image or not self.models.is_loaded(path):
            self.choose_model(path)  # an image run is shown once its model has loaded
            if image:
                return
        if image:
            self.image.runner.apply_pending()
        self._update_actions()

    def restore_from_history(self, run_id: int) -> None:
        tree = self.history.get_tree(run_id)
        if tree is not None:
            self.restore_run(tree.root, tree)

    def _on_png_read(self, path: str, model_name: str, settings: dict) -> None:
        """Settings from an exported PNG: model, label, batch, sampling values and seed."""
        if self._closed:
            return
        self.tabs.setCurrentIndex(1)
        m = self.picker.find(name=model_name)
        self.image.runner.expect_png(path, model_name, settings, available=m is not None)
        if m is None:
            return
        if self.models.is_loaded(m["path"]):
            self.image.runner.apply_pending()
            self._update_actions()
        else:
            self.choose_model(m["path"])

    def _on_png_failed(self, path: str, message: str) -> None:
        if not self._closed:
            self.tabs.setCurrentIndex(1)
            self.image.message_bar.show_message(
                self.tr("Could not open {0}: {1}").format(Path(path).name, message)
            )

    def open_path(self, path: str) -> None:
        """Open a dropped or chosen path: an exported run (.json) or image (.png), or a model
        file or folder."""
        p = Path(path)
        if p.suffix.lower() == ".png":
            self.tabs.setCurrentIndex(1)
            self.engine.read_png(str(p))
        elif p.is_file() and p.suffix.lower() == ".json":
            try:
                tree = read_tree(p)  # a run, or a tree of runs
            except RunFormatError as e:
                self.message_bar.show_message(str(e))
                return
            self.restore_run(tree.root, tree)
        else:
            self.choose_model(str(p))

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
        return self.text.last_run

    def export_from_history(self, run_id: int) -> None:
        tree = self.history.get_tree(run_id)
        if tree is not None:
            self.files.export_dialog(tree.root, tree)

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.output.toPlainText())
        self.statusBar().showMessage(self.tr("Copied the text."), 3000)

    # ---- state --------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        # while a model loads, Generate stays available and runs once it is ready
        running = self.runs.running
        self.text.update_buttons(running)
        self.image.update_buttons(running)
        self.generate_action.setEnabled(not running)
        self.continue_action.setEnabled(self.text.can_continue(running))
        self.stop_action.setEnabled(running)
        self.card_action.setEnabled(self.picker.current_info() is not None)

    def status_text(self, key: str) -> str:
        return self.status.field(key)

    def settings_values(self) -> dict:
        return window_values(self, self._settings, self.models.info)

    def closeEvent(self, event) -> None:
        if not self._closed:
            self._closed = self.runs.closed = True
            try:
                save_settings(self.settings_values())
            except OSError as e:
                print(f"aigc-studio: could not save settings: {e}")
            self.engine.shutdown()
            self.train.shutdown()
            self.history_panel.detach()
            self.history.close()
        event.accept()
