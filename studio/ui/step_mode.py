"""Step mode in the Text tab: the run made one token at a time, each paused in the step dialog
(step_dialog.py) until the person takes it (Accept), takes another (Pick), steps on or runs on.

The engine computes each step from the prompt, the tokens taken so far, the settings and the
seed (the seed stream indexed by step), so accepting every step gives the tokens of an
uninterrupted run with that seed, and Run on is that run going on from the tokens taken.
"""

from __future__ import annotations

import random

from PySide6.QtCore import QObject, Signal

from studio.core.step import StepOutcome
from studio.ui.step_dialog import StepDialog


class StepMode(QObject):
    """The steps of one text run in step mode, between the Text tab, the engine and the dialog."""

    sig_taken = Signal(object)
    """A token went into the text (its TokenEvent, `by_hand` set if picked)."""
    sig_stepped = Signal(int)
    """A step is on screen, paused (its index)."""
    sig_run_on = Signal(str, object, object)
    """Run on: (prompt, settings with the seed, the TokenEvents taken)."""

    def __init__(self, engine, parent_widget) -> None:
        super().__init__(parent_widget)
        self.engine = engine
        self._parent = parent_widget
        self.dialog: StepDialog | None = None
        self.run: dict | None = None  # model_path, prompt, settings (its seed set)
        self.taken: list = []  # TokenEvents taken so far
        self.pending: StepOutcome | None = None  # shown, not taken
        self._picking: int | None = None  # a pick asked of the engine
        self._then = ""  # "step" | "run_on": what follows a pick's answer
        self.ended = False  # the last token taken ended the run
        engine.sig_stepped.connect(self._on_stepped)
        engine.sig_step_failed.connect(self._on_failed)

    @property
    def active(self) -> bool:
        return self.run is not None

    def start(self, model_path: str, prompt: str, settings: dict) -> None:
        """Step mode for a new run of `prompt` (the seed fixed now if the settings leave it
        open, so that stepping and running on use one)."""
        settings = dict(settings)
        if settings.get("seed") is None:
            settings["seed"] = random.SystemRandom().randrange(0, 2**31)
        self.run = {"model_path": model_path, "prompt": prompt, "settings": settings}
        self.taken, self.pending, self.ended = [], None, False
        self._ask()

    def finish(self) -> None:
        """Leave step mode (a new run, a run on, or the dialog closed)."""
        self.run, self.pending, self._picking = None, None, None
        if self.dialog is not None:
            self.dialog.hide()

    def _ensure_dialog(self) -> StepDialog:
        if self.dialog is None:
            d = StepDialog(self._parent.window())
            d.sig_accept.connect(self.accept)
            d.sig_pick.connect(self.pick)
            d.sig_step.connect(self.step)
            d.sig_run_on.connect(self.run_on)
            d.rejected.connect(self.finish)
            self.dialog = d
        return self.dialog

    def _ask(self, pick: int | None = None) -> None:
        run = self.run
        if run is None:
            return
        d = self._ensure_dialog()
        d.show_computing(len(self.taken))
        d.show()
        d.raise_()
        d.activateWindow()
        self._picking = pick
        ids = [t.id for t in self.taken]
        s = run["settings"]
        self.engine.step(run["model_path"], run["prompt"], ids, s, s["seed"], pick)

    # ---- the person's choices -----------------------------------------------------------------

    def accept(self) -> None:
        """Take the drawn token."""
        o = self.pending
        if o is not None:
            self._take(o)

    def pick(self, token: int, then: str = "") -> None:
        """Take `token` instead of the drawn one (the engine says what it releases)."""
        o = self.pending
        if o is None:
            return
        if token == o.drawn.id:
            self._take(o)
        else:
            self._then = then
            self._ask(pick=token)

    def step(self) -> None:
        """Take the token shown if not taken yet, and show the next one."""
        if self.pending is not None:
            self._take(self.pending)
        if self.run is not None and not self.ended and self._picking is None:
            self._ask()

    def run_on(self) -> None:
        """Take the token shown if not taken yet, and go on as an ordinary run."""
        if self.pending is not None:
            self._take(self.pending)
        if self.run is None or self.ended:
            return
        run, taken = self.run, list(self.taken)
        self.finish()
        self.sig_run_on.emit(run["prompt"], run["settings"], taken)

    def _take(self, o: StepOutcome) -> None:
        self.pending = None
        self.taken.append(o.event)
        self.ended = bool(o.ends)
        if self.dialog is not None:
            self.dialog.show_taken(o)
        self.sig_taken.emit(o.event)

    # ---- the engine's answers -----------------------------------------------------------------

    def _on_stepped(self, o: StepOutcome) -> None:
        if self.run is None or o.step != len(self.taken):
            return  # left step mode, or an answer for a step already passed
        picking, self._picking = self._picking, None
        if picking is not None:
            self._take(o)  # the pick, now with its text
            then, self._then = self._then, ""
            if then == "step":
                self.step()
            return
        self.pending = o
        self._ensure_dialog().show_outcome(o)
        self.sig_stepped.emit(o.step)

    def _on_failed(self, step: int, message: str) -> None:
        if self.run is not None and self.dialog is not None:
            self._picking = None
            self.dialog.show_failure(message)
