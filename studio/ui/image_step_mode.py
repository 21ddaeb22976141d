"""Step mode in the Image tab ("you are the sampler", for pixels): Step (F10 while the Image tab
has the focus) draws one pixel of sample 0 and pauses in the pixel step dialog
(pixel_step_dialog.py) until the person takes it (Accept), takes another value (Pick), steps on
or runs on.

The engine computes each pixel from the values taken so far, the settings and the seed (one
uniform number per drawn pixel from sample 0's generator), so accepting every step gives the
pixels of an uninterrupted run with that seed, and Run on is that run going on from the pixels
taken: an ordinary streaming image run whose request carries them (and marks those picked by
hand in its record).
"""

from __future__ import annotations

import random
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget

from studio.core.image_frames import ImageFrame, ImageRequest, pixel_batch
from studio.core.step import PixelStepOutcome
from studio.ui.pixel_step_dialog import PixelStepDialog
from studio.ui.run_state import settings_for_run


def step_button(ws: QWidget) -> QPushButton:
    """The Image tab's Step button; F10 presses it while the focus is inside the tab (the Text
    tab's F10 is scoped to its own tab the same way, so the two never compete)."""
    b = QPushButton(QCoreApplication.translate("ImageStepMode", "Step"))
    b.setToolTip(
        QCoreApplication.translate(
            "ImageStepMode",
            "Draw one pixel and pause with its sampling stages: you are the sampler (F10).",
        )
    )
    QShortcut(
        QKeySequence(Qt.Key.Key_F10),
        ws,
        lambda: b.isEnabled() and b.click(),
        context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
    )
    return b


class ImageStepMode(QObject):
    """The steps of one image run in step mode, between the Image tab (`ws`), the engine and the
    dialog."""

    sig_taken = Signal(object)
    """A pixel went onto the canvas (its PixelEvent)."""
    sig_stepped = Signal(int)
    """A pixel is on screen, paused (its step)."""

    def __init__(self, ws, engine, runs, sampling) -> None:
        super().__init__(ws)
        self.ws, self.engine, self.runs, self.sampling = ws, engine, runs, sampling
        self.dialog: PixelStepDialog | None = None
        self.model_path = ""
        self.request: ImageRequest | None = None  # the run being stepped, its seed set
        self.taken: list = []  # PixelEvents of sample 0 taken so far
        self.hand: list[tuple[int, int]] = []  # (row, col) of those picked by hand
        self.pending: PixelStepOutcome | None = None  # shown, not taken
        self._picking: int | None = None
        self.ended = False
        ws.step_button.clicked.connect(self.step)
        # a new run of the tab leaves step mode
        ws.sig_generate.connect(self.finish)
        ws.sig_complete.connect(self.finish)
        engine.sig_pixel_stepped.connect(self._on_stepped)
        engine.sig_pixel_step_failed.connect(self._on_failed)

    @property
    def active(self) -> bool:
        return self.request is not None

    def step(self) -> None:
        """Show the next pixel of the run in step mode, or start one."""
        if self.active and not self.ended:
            if self.pending is not None:
                self._take(self.pending)
            if self.active and not self.ended and self._picking is None:
                self._ask()
            return
        ws = self.ws
        if self.runs.running:
            return
        settings = settings_for_run(self.sampling, self.runs.status)
        if settings is None:
            return
        seed = settings["seed"]
        if seed is None:  # fixed now, so that stepping and running on use one
            seed = random.SystemRandom().randrange(0, 2**31)
        request = ws.request(settings["sampling"], seed, complete=False)
        if request is None or ws.info is None:
            return
        self.model_path = ws.info["path"]
        self.request = request
        self.taken, self.hand, self.pending, self.ended = [], [], None, False
        ws.start_run(request)
        ws.progress_label.setText(self.tr("Step mode: sample 0, seed {0}.").format(seed))
        self.sampling.set_used_seed(seed)
        d = self._ensure_dialog()
        d.set_model(ws.colours, ws.palette is not None, request.settings["num_samples"], seed)
        self._ask()

    def finish(self) -> None:
        """Leave step mode (a new run, a run on, or the dialog closed)."""
        self.request, self.pending, self._picking = None, None, None
        if self.dialog is not None:
            self.dialog.hide()

    def _ensure_dialog(self) -> PixelStepDialog:
        if self.dialog is None:
            d = PixelStepDialog(self.ws.window())
            d.sig_accept.connect(self.accept)
            d.sig_pick.connect(self.pick)
            d.sig_step.connect(self.step)
            d.sig_run_on.connect(self.run_on)
            d.rejected.connect(self.finish)
            self.dialog = d
        return self.dialog

    def _ask(self, pick: int | None = None) -> None:
        if self.request is None:
            return
        d = self._ensure_dialog()
        d.show_computing(len(self.taken))
        d.show()
        d.raise_()
        d.activateWindow()
        self._picking = pick
        values = [e.value for e in self.taken]
        self.engine.step_pixel(self.model_path, self.request, values, pick)

    # ---- the person's choices -----------------------------------------------------------------

    def accept(self) -> None:
        """Take the drawn value."""
        if self.pending is not None:
            self._take(self.pending)

    def pick(self, value: int) -> None:
        """Take `value` instead of the drawn one (the engine gives its probabilities)."""
        o = self.pending
        if o is None:
            return
        if value == o.drawn.id:
            self._take(o)
        else:
            self._ask(pick=value)

    def run_on(self) -> None:
        """Take the value shown if not taken yet, and go on as an ordinary image run."""
        if self.pending is not None:
            self._take(self.pending)
        if self.request is None or self.ended or self.runs.running or self._picking is not None:
            return
        resume = tuple(e.value for e in self.taken)
        request = replace(self.request, resume=resume, hand=tuple(self.hand))
        self.finish()
        self.runs.begin("image", self.tr("pixels"), self.tr("pixels/s"), self.tr("first pixel –"))
        self.ws.start_run(request)
        self.engine.generate_image(request)

    def _take(self, o: PixelStepOutcome) -> None:
        self.pending = None
        self.taken.append(o.event)
        if o.hand:
            self.hand.append((o.row, o.col))
        self.ended = bool(o.ends)
        self.ws.apply_frame(ImageFrame(pixels=pixel_batch([o.event], len(self.taken))))
        self.ws.canvas.set_cursor((o.row, o.col))
        if self.dialog is not None:
            self.dialog.show_taken(o)
        self.sig_taken.emit(o.event)

    # ---- the engine's answers -----------------------------------------------------------------

    def _on_stepped(self, o: PixelStepOutcome) -> None:
        if self.request is None or o.step != len(self.taken):
            return  # left step mode, or an answer for a step already passed
        picking, self._picking = self._picking, None
        if picking is not None:
            self._take(o)  # the pick, with its probabilities
            return
        self.pending = o
        self._ensure_dialog().show_outcome(o)
        self.sig_stepped.emit(o.step)

    def _on_failed(self, step: int, message: str) -> None:
        if self.request is not None and self.dialog is not None:
            self._picking = None
            self.dialog.show_failure(message)
