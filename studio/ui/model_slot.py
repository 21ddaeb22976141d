"""The window's model: listing the models, choosing one in the picker, loading it on the engine,
and what is loaded now (or loading). The status bar's model and device fields follow it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.ui.data_words import device
from studio.ui.message_bar import MessageBar
from studio.ui.model_card_dialog import ModelCardDialog
from studio.ui.model_picker import ModelPicker
from studio.ui.run_state import RunState


def is_image(info: dict | None) -> bool:
    """Whether a model description is an image model's."""
    return bool(info) and str(info.get("kind", "")).startswith("image-")


class ModelSlot(QObject):
    """The model loaded on the engine, chosen with the picker."""

    sig_loaded = Signal(object)
    """A model finished loading (its description)."""
    sig_changed = Signal()
    """A model started loading, or could not be loaded: what can be run has changed."""
    sig_failed = Signal()
    """A model could not be loaded (said in the message line)."""

    def __init__(
        self,
        engine,
        picker: ModelPicker,
        runs: RunState,
        message_bar: MessageBar,
        device: str = "auto",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.picker = picker
        self.runs = runs
        self.status = runs.status
        self.message_bar = message_bar
        self.device = device
        self.precision = "auto"  # settings.precision: what models are opened in
        self.info: dict | None = None  # the model loaded
        self.loading_path: str | None = None  # the model loading, if one is
        self.reload_path: str | None = None  # the model the engine lost when it ended
        self.listed = False  # the engine has listed the models
        self.choose_when_listed: str | None = None  # a model to load once listed again (downloaded)
        self.initial: str | None = None  # the model named on the command line
        self.last: str | None = None  # the one loaded when the window last closed
        # the first text model, opened instead when the one asked for at start fails to open
        self._fallback: str | None = None
        picker.sig_model_chosen.connect(self.choose)
        picker.sig_card_requested.connect(self.show_card)
        picker.set_state(self.tr("Looking for models…"))
        engine.sig_models_listed.connect(self._on_listed)
        engine.sig_model_loading.connect(self._on_loading)
        engine.sig_model_loaded.connect(self._on_loaded)
        engine.sig_model_failed.connect(self._on_failed)

    def ready(self, image: bool = False) -> bool:
        """A model (an image model, with `image`) is loaded and nothing else is loading."""
        return (
            self.info is not None and not self.loading_path and (not image or is_image(self.info))
        )

    def is_loaded(self, path: str) -> bool:
        return bool(self.info) and self.picker.same_path(self.info["path"], path)

    def _on_listed(self, models: list, problems: list) -> None:
        if self.runs.closed:
            return
        again, self.listed = self.listed, True
        self.picker.set_models(models)
        self.picker.set_listed()
        self.picker.set_state(
            "" if models else self.tr("No models found: open one with File > Open Model…")
        )
        for p in problems:
            self.status.showMessage(self.tr("Could not read a model: {0}").format(p), 8000)
        if again:
            # listed anew: a downloaded model is loaded; after a model trained in the window, the
            # loaded model stays
            path, self.choose_when_listed = self.choose_when_listed, None
            if path:
                self.choose(path)
            return
        wanted = self.initial or self.last or ""
        if wanted and (self.picker.find(path=wanted) or Path(wanted).exists()):
            self._fallback = self._first_text_model()
            self.choose(wanted)
            return
        if wanted and (m := self.picker.find(name=wanted)):
            self._fallback = self._first_text_model()
            self.choose(m["path"])
            return
        if self.initial:
            self.message_bar.show_message(
                self.tr("No model named {0}: choose one from the list or open a file.").format(
                    self.initial
                )
            )
        if (first := self._first_text_model()) is not None:
            self.choose(first)

    def _first_text_model(self) -> str | None:
        texts = [m for m in self.picker.models() if m.get("kind") == "text-gpt"]
        return texts[0]["path"] if texts else None

    def choose(self, path: str) -> None:
        """Load the model at `path` (stopping a run first)."""
        if self.runs.closed or not path:
            return
        if self.is_loaded(path) and not self.loading_path:
            self.picker.select_path(path)
            return
        self.runs.stop()
        self.picker.select_path(path)
        self.loading_path = path
        self.picker.set_state(self.tr("Loading model…"))
        self.sig_changed.emit()
        self.engine.load_model(path, self.device, self.precision)

    def set_precision(self, precision: str) -> None:
        """Open models in `precision` from now on; the loaded (or loading) one again at once."""
        if precision == self.precision:
            return
        self.precision = precision
        path = self.loading_path or (self.info or {}).get("path")
        if path and not self.runs.closed:
            self.info = None  # so that choose() opens it again
            self.choose(path)

    def _on_loading(self, path: str) -> None:
        if self.runs.closed:
            return
        self.loading_path = path
        self.picker.set_state(self.tr("Loading model…"))
        self.status.set_fields(model=self.tr("Loading model…"))
        self.sig_changed.emit()

    def _on_loaded(self, info: dict) -> None:
        if self.runs.closed:
            return
        self.loading_path = self.reload_path = self._fallback = None
        self.info = info
        self.picker.add_model(info)
        self.picker.set_state("")
        self.picker.card_button.setEnabled(True)
        where = device(info.get("device", "?"))
        if info.get("precision"):  # "cpu, 2 threads · int8"
            where = f"{where} · {info['precision']}"
        self.status.set_fields(model=info.get("title") or info["name"], device=where)
        self.sig_loaded.emit(info)

    def _on_failed(self, path: str, message: str) -> None:
        if self.runs.closed:
            return
        self.loading_path = None
        self.picker.set_state("")
        if self.info:
            self.picker.select_path(self.info["path"])
            self.status.set_fields(model=self.info.get("title") or self.info["name"])
        else:
            # nothing is loaded: the list stays whole and asks for a model rather than naming
            # the one that failed
            self.picker.clear_choice()
            self.status.set_fields(model=self.tr("no model"))
        self.message_bar.show_message(self.tr("Could not open the model: {0}").format(message))
        self.sig_failed.emit()
        self.sig_changed.emit()
        # the model asked for at start failed: open the first text model instead, once, as for
        # a name that is not found (the message above stays up)
        fallback, self._fallback = self._fallback, None
        if fallback and not self.info and not self.picker.same_path(fallback, path):
            self.choose(fallback)

    def engine_died(self) -> None:
        """The engine ended and its model with it: the next Generate loads it again."""
        self.reload_path = (self.info or {}).get("path") or self.loading_path
        self.info = self.loading_path = None
        self.picker.set_state("")
        self.status.set_fields(model=self.tr("no model"))

    def show_card(self) -> None:
        info = self.picker.current_info() or self.info
        if info:
            ModelCardDialog(info, self.picker.window()).exec()
