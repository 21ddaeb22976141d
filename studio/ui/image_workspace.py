"""The image workspace: Generate, Complete and Stop; batch, label and pace; the canvas with its
overlays; the distribution of the hovered pixel; drawing and loading the pixels to keep.

The workspace keeps what is on screen (pixels, their probabilities, entropies and distributions, in
`ImagePixels`) and builds requests; its `ImageRunner` sends them to the engine and hands back the
frames. Everything here is GUI-thread code: numpy arrays updated a frame's worth of pixels at a time.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.core.image_frames import ImageFrame, ImageRequest
from studio.io.run import RunRecord
from studio.settings import SCHEMA, ImageSettings, SettingsError
from studio.ui.distribution_view import DistributionView
from studio.ui.flow_layout import flow_row, group
from studio.ui.image_canvas import UNDRAWN, ImageCanvas, heat_colours
from studio.ui.image_drawing import DrawingTools
from studio.ui.image_overlay import PixelOverlay
from studio.ui.image_pixels import ImagePixels, argb_words
from studio.ui.image_runs import ImageRunner
from studio.ui.image_step_mode import ImageStepMode, step_button
from studio.ui.message_bar import MessageBar
from studio.ui.run_state import RunState
from studio.ui.status_bar import stop_text

BATCHES = (1, 4, 16)
MAX_PACE_MS = 200  # slow enough to follow each pixel and its distribution


class ImageWorkspace(QWidget):
    """The widgets and on-screen state of the Image tab; its runs go through `runner`."""

    sig_generate = Signal()
    """Generate pressed: draw new images."""
    sig_complete = Signal()
    """Complete pressed: draw the pixels around the drawn or loaded ones."""
    sig_stop = Signal()
    sig_export = Signal()

    def __init__(self, engine, runs: RunState, sampling, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.info: dict | None = None
        self.H = self.W = 1
        self.palette: np.ndarray | None = None  # (K, 3) uint8 for palette models
        self.colours = np.zeros((0, 3), np.uint8)  # (V, 3): the colour of each value
        self.words = np.zeros(0, np.uint32)  # (V,): the same as ARGB
        self.record: RunRecord | None = None  # the image run on screen, once it ended
        self.kept: np.ndarray | None = None  # (H, W) bool of the run on screen
        self.pixels = ImagePixels()
        self.total = 0  # pixel positions the run in progress draws
        self._t0 = 0.0
        self._build()
        self.set_model(None)
        self.runner = ImageRunner(self, engine, runs, sampling)
        self.look.attach(self.canvas, engine, runs)
        self.stepping = ImageStepMode(self, engine, runs, sampling)  # Step (F10): one pixel

    # ---- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.message_bar = MessageBar()
        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setToolTip(self.tr("Draw new images pixel by pixel (Ctrl+Return)."))
        self.generate_button.setDefault(True)
        self.complete_button = QPushButton(self.tr("Complete"))
        self.complete_button.setToolTip(
            self.tr("Draw the rest around the pixels you drew or loaded, keeping them exactly.")
        )
        self.step_button = step_button(self)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop and keep the pixels so far (Esc)."))
        self.export_button = QPushButton(self.tr("Export…"))
        self.export_button.setToolTip(
            self.tr("Save the picture as PNG with its settings, or the drawing as a GIF (Ctrl+S).")
        )
        self.batch_combo = QComboBox()
        for n in BATCHES:
            self.batch_combo.addItem(self.tr("{0} image(s)").format(n), n)
        self.batch_combo.setToolTip(self.tr("How many images to draw at once, each its own seed."))
        self.label_caption = QLabel(self.tr("Label"))
        self.label_combo = QComboBox()
        self.label_combo.setToolTip(self.tr("The class to draw, or any class."))
        self.guidance_caption = QLabel(self.tr("Guidance"))
        self.guidance_spin = QDoubleSpinBox()
        guidance = SCHEMA["guidance"]
        self.guidance_spin.setRange(guidance.minimum, guidance.maximum)
        self.guidance_spin.setSingleStep(guidance.step)
        self.guidance_spin.setDecimals(1)
        self.guidance_spin.setValue(guidance.default)
        self.guidance_spin.setToolTip(
            self.tr(
                "How hard the label steers each pixel: 1 draws from the model as trained; higher "
                "values push away from 'any' toward the label (classifier-free guidance), at "
                "twice the compute."
            )
        )
        self.label_combo.currentIndexChanged.connect(self._label_changed)
        self.pace_slider = QSlider(Qt.Orientation.Horizontal)
        self.pace_slider.setRange(0, MAX_PACE_MS)
        self.pace_slider.setSingleStep(5)
        self.pace_slider.setPageStep(20)
        self.pace_slider.setFixedWidth(140)
        self.pace_slider.setToolTip(
            self.tr("Time between pixels: from as fast as possible to slow enough to follow.")
        )
        self.pace_label = QLabel()
        self.pace_label.setMinimumWidth(110)
        self.pace_slider.valueChanged.connect(self._pace_changed)
        self._pace_changed(0)

        # the controls wrap onto more rows in a narrow window rather than widen it
        run_row = flow_row(
            group(self.generate_button, self.step_button, self.complete_button, self.stop_button),
            self.batch_combo,
            group(self.label_caption, self.label_combo),
            group(self.guidance_caption, self.guidance_spin),
            group(QLabel(self.tr("Pace")), self.pace_slider, self.pace_label),
            self.export_button,
            stretch_last=True,
        )

        self.grid_check = QCheckBox(self.tr("Pixel grid"))
        self.grid_check.setToolTip(self.tr("Lines between the pixels."))
        self.heat_check = QCheckBox(self.tr("Entropy map"))
        self.heat_check.setToolTip(
            self.tr("Colour each pixel by the entropy of its distribution: red = uncertain.")
        )
        self.drawing = DrawingTools(self.message_bar)
        self.drawing.draw_check.toggled.connect(self.set_drawing)
        self.drawing.sig_sketch_replaced.connect(self.show_sketch)
        self.look = PixelOverlay(self)  # what a clicked pixel looked at
        tools = flow_row(self.grid_check, self.heat_check, self.look.check, self.drawing)

        self.canvas = ImageCanvas()
        self.canvas.sig_hovered.connect(self.show_hovered)
        self.canvas.sig_painted.connect(self.paint_pixel)
        self.dist_view = DistributionView()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("imageSplitter")
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.dist_view)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress_label = QLabel(self.tr("Choose an image model in the picker."))
        self.progress_label.setWordWrap(True)  # a long model name must not widen the window

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message_bar)
        layout.addLayout(run_row)
        layout.addLayout(tools)
        layout.addWidget(self.look)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)

        self.generate_button.clicked.connect(self.sig_generate)
        self.complete_button.clicked.connect(self.sig_complete)
        self.stop_button.clicked.connect(self.sig_stop)
        self.export_button.clicked.connect(self.sig_export)
        self.grid_check.toggled.connect(self.canvas.set_grid)
        self.heat_check.toggled.connect(lambda _on: self._refresh_heat())

    # ---- the model ----------------------------------------------------------------------------

    def set_model(self, info: dict | None) -> None:
        """Use an image model (a description from the worker), or none (a text model is loaded)."""
        image = (info or {}).get("card", {}).get("image") if info else None
        if not info or not str(info.get("kind", "")).startswith("image-") or not image:
            self.info = None
            self.label_combo.clear()
            self.label_combo.hide()
            self.label_caption.hide()
            self.guidance_spin.hide()
            self.guidance_caption.hide()
            self.drawing.set_no_model()
            self.progress_label.setText(self.tr("Choose an image model in the picker."))
            return
        same = self.info is not None and self.info.get("path") == info.get("path")
        self.info = info
        self.H, self.W = int(image["height"]), int(image["width"])
        pal = image.get("palette")
        if pal:
            self.palette = np.asarray(pal, dtype=np.uint8)
            self.colours = self.palette
        else:
            self.palette = None
            self.colours = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
        self.words = argb_words(self.colours)
        labels = image.get("labels") or []
        self.label_combo.clear()
        self.label_combo.addItem(self.tr("any"), None)
        for i, name in enumerate(labels):
            self.label_combo.addItem(str(name), i)
        self.label_combo.setVisible(bool(labels))
        self.label_caption.setVisible(bool(labels))
        self.guidance_spin.setVisible(bool(labels))
        self.guidance_caption.setVisible(bool(labels))
        self._label_changed()
        self.drawing.set_model(self.H, self.W, self.palette, same)
        if not same:
            self.record = None
            self.kept = None
            self.canvas.set_shape(self.batch(), self.H, self.W)
            self._new_run_arrays(self.batch())
            self.dist_view.clear()
        self.progress_label.setText(
            self.tr("{0}: {1}x{2} pixels. Generate, or draw some pixels and Complete.").format(
                info.get("title") or info["name"], self.W, self.H
            )
        )

    def has_model(self) -> bool:
        return self.info is not None

    def batch(self) -> int:
        return int(self.batch_combo.currentData() or 1)

    def label(self) -> int | None:
        return self.label_combo.currentData() if self.label_combo.isVisible() else None

    def label_name(self) -> str:
        # as runs record it: "any" for none, whatever the window's language
        return "any" if self.label_combo.currentData() is None else self.label_combo.currentText()

    def set_label(self, label: int | None) -> None:
        i = self.label_combo.findData(label) if label is not None else 0
        if i >= 0:
            self.label_combo.setCurrentIndex(i)

    def guidance(self) -> float:
        """The guidance scale for the next run: 1 (none) where the model has no labels."""
        return 1.0 if self.guidance_spin.isHidden() else self.guidance_spin.value()

    def _label_changed(self, *_: object) -> None:
        # with "any" there is no label to steer toward
        self.guidance_spin.setEnabled(self.label_combo.currentData() is not None)

    def set_batch(self, n: int) -> None:
        i = self.batch_combo.findData(n)
        if i >= 0:
            self.batch_combo.setCurrentIndex(i)

    def _pace_changed(self, ms: int) -> None:
        self.engine.set_pace(ms / 1000.0)  # the run in progress, if any, slows at its next pixel
        self.pace_label.setText(
            self.tr("as fast as possible") if ms == 0 else self.tr("{0} ms per pixel").format(ms)
        )

    def update_buttons(self, running: bool) -> None:
        for b in (
            self.generate_button,
            self.step_button,
            self.complete_button,
            self.drawing.load_button,
        ):
            b.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.export_button.setEnabled(not running and self.record is not None)

    # ---- requests -----------------------------------------------------------------------------

    def request(self, sampling: dict, seed: int | None, complete: bool) -> ImageRequest | None:
        """The next run's request from the sampling panel's values; None (with a message) if it
        cannot run."""
        if self.info is None:
            self.message_bar.show_message(
                self.tr("Choose an image model (digits or emoji) in the model picker first."),
                error=False,
            )
            return None
        init = mask = None
        if complete:
            d = self.drawing
            if d.sketch is None or d.sketch_mask is None or not d.sketch_mask.any():
                self.message_bar.show_message(
                    self.tr(
                        "Nothing to complete: switch on Draw and paint some pixels, or load an image."
                    ),
                    error=False,
                )
                return None
            init, mask = d.sketch.copy(), d.sketch_mask.copy()
        settings = {
            # repetition penalty has no meaning for pixels; the other stages apply as for text
            "sampling": {k: sampling[k] for k in ("temperature", "top_k", "top_p", "min_p")},
            "seed": seed,
            "num_samples": self.batch(),
            "label": self.label(),
            "guidance": self.guidance() if self.label() is not None else 1.0,
            "distribution": True,
            "sampler": "fast",
        }
        try:  # built and checked here, so that a bad value is refused before the run starts
            ImageSettings.from_dict(settings)
        except SettingsError as e:
            self.message_bar.show_message(str(e))
            return None
        return ImageRequest(
            settings=settings,
            init=init,
            mask=mask,
            pace_s=self.pace_slider.value() / 1000.0,
            label_name=self.label_name(),
        )

    # ---- a run on screen ----------------------------------------------------------------------

    def _new_run_arrays(self, B: int, V: int = 0) -> None:
        self.pixels.reset(B, self.H, self.W, V)

    def start_run(self, request: ImageRequest) -> None:
        B = request.settings["num_samples"]
        self.set_drawing(False)
        self.record = None
        self.kept = request.mask
        self._new_run_arrays(B, len(self.colours))
        self.canvas.set_shape(B, self.H, self.W)
        if request.init is not None and request.mask is not None:
            self.canvas.argb[:, request.mask] = self.drawing.words()[request.mask]
            self.canvas.update()
        self._refresh_heat()
        self.total = self.H * self.W - (int(request.mask.sum()) if request.mask is not None else 0)
        self.progress.setRange(0, max(1, self.total))
        self.progress.setValue(0)
        self._t0 = time.perf_counter()
        self.progress_label.setText(self.tr("Drawing…"))
        self.dist_view.clear()
        self.message_bar.hide()

    def apply_frame(self, frame: ImageFrame) -> None:
        """Put a frame's pixels on screen."""
        px = frame.pixels
        if px is not None and len(px.sample):
            self.pixels.apply(px)
            self.canvas.set_pixels(px.sample, px.row, px.col, self.words[px.value])
            if self.heat_check.isChecked():
                self._refresh_heat()
            self.progress.setValue(self.pixels.steps)

    def progress_text(self) -> tuple[str, str]:
        """("done / total pixels", "pixels/s") of the run on screen."""
        elapsed = time.perf_counter() - self._t0
        steps, B = self.pixels.steps, self.pixels.batch
        speed = steps * B / elapsed if elapsed > 0 and steps else 0.0
        return (
            self.tr("{0} / {1} pixels").format(steps, self.total),
            self.tr("{0:.0f} pixels/s").format(speed),
        )

    def _each(self) -> str:
        B = self.pixels.batch
        return self.tr(" in each of {0} images").format(B) if B > 1 else ""

    def show_progress(self) -> None:
        done, speed = self.progress_text()
        self.progress_label.setText(f"{done}{self._each()} · {speed}")

    def run_ended(self, record: RunRecord | None) -> None:
        self.canvas.set_cursor(None)
        if record is None:
            self.progress_label.setText(self.tr("The run failed; nothing was drawn."))
            return
        self.record = record
        self.progress_label.setText(
            self.tr("{0} pixels{1} · {2:.0f} pixels/s · seed {3} · {4}").format(
                record.tokens,
                self._each(),
                record.pixels_per_s,
                record.seed,
                stop_text(record.stop_reason, "image"),
            )
        )

    def run_stopped(self) -> None:
        """The run ended without a record (the engine stopped): what was drawn stays."""
        self.canvas.set_cursor(None)
        done, _ = self.progress_text()
        self.progress_label.setText(
            self.tr("Stopped at {0}{1}: the engine ended.").format(done, self._each())
        )

    def show_record(self, record: RunRecord) -> None:
        """Show a past image run from the history: its pictures, and its per-pixel maps."""
        argb, kept = self.pixels.load(record, self.palette)
        B = self.pixels.batch
        self.H, self.W = self.pixels.H, self.pixels.W
        self.kept = kept
        self.record = record
        self.canvas.set_shape(B, self.H, self.W)
        self.canvas.set_images(argb)
        self.set_batch(B)
        self._refresh_heat()
        self.dist_view.clear()
        self.run_ended(record)

    # ---- hover --------------------------------------------------------------------------------

    def show_hovered(self, sample: int, row: int, col: int) -> None:
        px = self.pixels
        if sample < 0 or sample >= px.batch:
            return
        if self.kept is not None and self.kept[row, col]:
            self.dist_view.show_kept(sample, row, col)
            return
        if not px.known[sample, row, col]:
            self.dist_view.clear(self.tr("Pixel ({0}, {1}) is not drawn yet.").format(row, col))
            return
        self.dist_view.show_pixel(
            sample,
            row,
            col,
            int(px.values[sample, row, col]),
            float(px.probs[sample, row, col]),
            float(px.model_probs[sample, row, col]),
            float(px.entropy[sample, row, col]),
            px.distribution(sample, row, col),
            self.colours,
            self.palette is not None,
        )

    def _refresh_heat(self) -> None:
        if not self.heat_check.isChecked():
            self.canvas.set_heat(None)
            return
        V = max(2, len(self.colours))
        heat = heat_colours(self.pixels.entropy / math.log(V))
        heat[~self.pixels.known] = 0  # only pixels the model drew have an entropy
        self.canvas.set_heat(heat)

    # ---- drawing ------------------------------------------------------------------------------

    def set_drawing(self, on: bool) -> None:
        """Switch drawing on (the canvas shows the sketch in every cell) or off."""
        check = self.drawing.draw_check
        if on and self.info is None:
            on = False
        if check.isChecked() != on:
            check.setChecked(on)
            return
        self.canvas.set_drawing(on)
        if on:
            self.show_sketch()

    def show_sketch(self) -> None:
        """Show the drawn or loaded pixels (every cell the same) and nothing else."""
        d = self.drawing
        d.ensure()
        B = self.batch()
        self.record = None
        self.kept = d.sketch_mask.copy()
        self._new_run_arrays(B)
        argb = np.full((B, self.H, self.W), UNDRAWN, np.uint32)
        argb[:, d.sketch_mask] = d.words()[d.sketch_mask]
        self.canvas.set_shape(B, self.H, self.W)
        self.canvas.set_images(argb)
        self._refresh_heat()

    def paint_pixel(self, row: int, col: int, paint: bool) -> None:
        if not self.canvas.drawing:
            return
        d = self.drawing
        d.paint(row, col, paint)
        self.kept = d.sketch_mask.copy()
        word = d.words()[row, col] if paint else UNDRAWN
        self.canvas.argb[:, row, col] = word
        for i in range(self.canvas.argb.shape[0]):
            self.canvas.update(self.canvas.pixel_rect(i, row, col))
