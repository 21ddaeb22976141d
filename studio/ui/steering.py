"""Steering a text run from the Text tab: Step (F10) starts or goes on with step mode
(step_mode.py), Run on turns it into an ordinary streaming run, and Compare A/B opens the side by
side runs (compare_dialog.py)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject

from studio.ui.compare_dialog import CompareDialog
from studio.ui.run_state import settings_for_run
from studio.ui.step_mode import StepMode


class Steering(QObject):
    """Wires the Text tab's Step and Compare buttons (the tab is `ws`, a TextWorkspace)."""

    def __init__(self, ws) -> None:
        super().__init__(ws)
        self.ws = ws
        self.stepper = StepMode(ws.engine, ws)
        self.compare_dialog: CompareDialog | None = None
        ws.step_button.clicked.connect(self.step)
        ws.compare_button.clicked.connect(self.compare)
        self.stepper.sig_taken.connect(lambda ev: ws.output.append_tokens([ev]))
        self.stepper.sig_run_on.connect(self.run_on)

    def _model_ready(self) -> bool:
        ws = self.ws
        if ws.info is None:
            ws.message_bar.show_message(
                QCoreApplication.translate("TextWorkspace", "Open a text model first."), error=False
            )
            return False
        return not ws.runs.running

    def step(self) -> None:
        """Show the next token of the run in step mode, or start one on the prompt."""
        ws, stepper = self.ws, self.stepper
        if stepper.active and not stepper.ended:
            stepper.step()
            return
        settings = settings_for_run(ws.sampling, ws.runs.status)
        if settings is None or not self._model_ready():
            return
        prompt = ws.prompt_edit.toPlainText()
        ws.message_bar.hide()
        ws.output.start(prompt)
        ws.shown_run = {
            "model_path": ws.info["path"],
            "model_title": ws.info.get("title") or ws.info["name"],
            "prompt": prompt,
            "settings": settings,
        }
        stepper.start(ws.info["path"], prompt, settings)
        seed = stepper.run["settings"]["seed"]
        ws.shown_run["settings"] = stepper.run["settings"]
        ws.sampling.set_used_seed(seed)

    def run_on(self, prompt: str, settings: dict, taken: list) -> None:
        """Go on from the tokens taken as an ordinary run (its record holds them all)."""
        ws = self.ws
        if ws.runs.running:
            return
        ws.runs.begin(
            "text",
            QCoreApplication.translate("TextWorkspace", "tokens"),
            QCoreApplication.translate("TextWorkspace", "tok/s"),
            QCoreApplication.translate("TextWorkspace", "first token –"),
        )
        ws._slide_at = None
        ws.engine.run_on(prompt, settings, taken)

    def compare(self) -> None:
        """The A/B compare dialog, A the sampling panel's settings, on the prompt."""
        ws = self.ws
        settings = settings_for_run(ws.sampling, ws.runs.status)
        if settings is None or not self._model_ready():
            return
        if self.compare_dialog is None:
            self.compare_dialog = CompareDialog(ws.engine, ws.window())
        d = self.compare_dialog
        d.set_inputs(ws.prompt_edit.toPlainText(), settings)
        d.show()
        d.raise_()
        d.activateWindow()
