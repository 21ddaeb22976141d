"""The image workspace: Generate, Complete and Stop; batch, label and pace; the canvas with its
overlays; the distribution of the hovered pixel; drawing and loading the pixels to keep; export.

The workspace keeps what is on screen (pixels, their probabilities, entropies and distributions) and
builds requests; the main window sends them to the worker and hands back its frames. Everything
here is GUI-thread code: numpy arrays updated a frame's worth of pixels at a time.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.core.image_frames import ImageFrame, ImageRequest
from studio.io.image_export import (
    ImageFileError,
    decode_png,
    generation_frames,
    grid,
    load_init_image,
    png_meta_for,
    save_gif,
    save_png,
)
from studio.io.run import RunRecord
from studio.ui.distribution_view import DistributionView
from studio.ui.image_canvas import UNDRAWN, ImageCanvas, heat_colours
from studio.ui.message_bar import MessageBar

BATCHES = (1, 4, 16)
MAX_PACE_MS = 200  # slow enough to follow each pixel and its distribution


def argb_words(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 RGB as opaque ARGB words (..., ) uint32, the canvas's pixel format."""
    rgb = rgb.astype(np.uint32)
    return 0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


class ImageWorkspace(QWidget):
    """The widgets and on-screen state of the Image tab."""

    sig_generate = Signal()
    """Generate pressed: draw new images."""
    sig_complete = Signal()
    """Complete pressed: draw the pixels around the drawn or loaded ones."""
    sig_stop = Signal()
    sig_export = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: dict | None = None
        self.H = self.W = 1
        self.palette: np.ndarray | None = None  # (K, 3) uint8 for palette models
        self.colours = np.zeros((0, 3), np.uint8)  # (V, 3): the colour of each value
        self.words = np.zeros(0, np.uint32)  # (V,): the same as ARGB
        self.pace_s = 0.0  # seconds per pixel step; the window sends changes to the engine
        self.record: RunRecord | None = None  # the image run on screen, once it ended
        self.kept: np.ndarray | None = None  # (H, W) bool of the run on screen
        self.sketch: np.ndarray | None = None  # (H, W) grey or (H, W, 3) RGB: drawn or loaded
        self.sketch_mask: np.ndarray | None = None  # (H, W) bool: which sketch pixels to keep
        self._new_run_arrays(1)
        self._t0 = 0.0
        self._build()
        self.set_model(None)

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
        self.guidance_spin.setRange(0.0, 20.0)  # the engine's MAX_GUIDANCE
        self.guidance_spin.setSingleStep(0.5)
        self.guidance_spin.setDecimals(1)
        self.guidance_spin.setValue(1.0)
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

        run_row = QHBoxLayout()
        for w in (self.generate_button, self.complete_button, self.stop_button):
            run_row.addWidget(w)
        run_row.addSpacing(12)
        run_row.addWidget(self.batch_combo)
        run_row.addWidget(self.label_caption)
        run_row.addWidget(self.label_combo)
        run_row.addWidget(self.guidance_caption)
        run_row.addWidget(self.guidance_spin)
        run_row.addSpacing(12)
        run_row.addWidget(QLabel(self.tr("Pace")))
        run_row.addWidget(self.pace_slider)
        run_row.addWidget(self.pace_label)
        run_row.addStretch(1)
        run_row.addWidget(self.export_button)

        self.grid_check = QCheckBox(self.tr("Pixel grid"))
        self.grid_check.setToolTip(self.tr("Lines between the pixels."))
        self.heat_check = QCheckBox(self.tr("Entropy map"))
        self.heat_check.setToolTip(
            self.tr("Colour each pixel by the entropy of its distribution: red = uncertain.")
        )
        self.draw_check = QCheckBox(self.tr("Draw"))
        self.draw_check.setToolTip(
            self.tr(
                "Paint pixels to keep (left button) or erase them (right button), then Complete."
            )
        )
        self.grey_spin = QSpinBox()
        self.grey_spin.setRange(0, 255)
        self.grey_spin.setValue(255)
        self.grey_spin.setPrefix(self.tr("grey "))
        self.grey_spin.setToolTip(self.tr("The grey level to paint: 0 black, 255 white."))
        self.colour_combo = QComboBox()
        self.colour_combo.setToolTip(self.tr("The palette colour to paint."))
        self.load_button = QPushButton(self.tr("Load Image…"))
        self.load_button.setToolTip(
            self.tr(
                "An image of the model's size to complete: transparent pixels are drawn, "
                "an opaque image keeps its top half."
            )
        )
        self.clear_button = QPushButton(self.tr("Clear Drawing"))
        self.load_button.clicked.connect(self.load_dialog)
        self.clear_button.clicked.connect(self.clear_sketch)
        tools = QHBoxLayout()
        for w in (
            self.grid_check,
            self.heat_check,
            self.draw_check,
            self.grey_spin,
            self.colour_combo,
            self.load_button,
            self.clear_button,
        ):
            tools.addWidget(w)
        tools.addStretch(1)

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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message_bar)
        layout.addLayout(run_row)
        layout.addLayout(tools)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)

        self.generate_button.clicked.connect(self.sig_generate)
        self.complete_button.clicked.connect(self.sig_complete)
        self.stop_button.clicked.connect(self.sig_stop)
        self.export_button.clicked.connect(self.sig_export)
        self.grid_check.toggled.connect(self.canvas.set_grid)
        self.heat_check.toggled.connect(lambda _on: self._refresh_heat())
        self.draw_check.toggled.connect(self.set_drawing)

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
            self.colour_combo.hide()
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
        self.grey_spin.setVisible(self.palette is None)
        self.colour_combo.setVisible(self.palette is not None)
        self.colour_combo.clear()
        if self.palette is not None:
            for i, (r, g, b) in enumerate(self.palette.tolist()):
                pm = QPixmap(14, 14)
                pm.fill(QColor(r, g, b))
                self.colour_combo.addItem(QIcon(pm), f"{i}", i)
        if not same:
            self.sketch = self.sketch_mask = None
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
        return self.label_combo.currentText() if self.label_combo.count() else "any"

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
        self.pace_s = ms / 1000.0
        self.pace_label.setText(
            self.tr("as fast as possible") if ms == 0 else self.tr("{0} ms per pixel").format(ms)
        )

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
            if self.sketch is None or self.sketch_mask is None or not self.sketch_mask.any():
                self.message_bar.show_message(
                    self.tr(
                        "Nothing to complete: switch on Draw and paint some pixels, or load an image."
                    ),
                    error=False,
                )
                return None
            init, mask = self.sketch.copy(), self.sketch_mask.copy()
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
        return ImageRequest(
            settings=settings,
            init=init,
            mask=mask,
            pace_s=self.pace_s,
            label_name=self.label_name(),
        )

    # ---- a run on screen ----------------------------------------------------------------------

    def _new_run_arrays(self, B: int, V: int = 0) -> None:
        N = self.H * self.W
        self.values = np.zeros((B, self.H, self.W), np.int64)
        self.known = np.zeros((B, self.H, self.W), bool)  # drawn by the model in this run
        self.probs = np.zeros((B, self.H, self.W), np.float32)
        # the model's own probability of each drawn value, before the sampling stages; NaN where
        # a run from an older history has none
        self.model_probs = np.zeros((B, self.H, self.W), np.float32)
        self.entropy = np.zeros((B, self.H, self.W), np.float32)
        # (B, N, V) float16: 6 MB for 16 digits; filled as the pixels arrive
        self.dists = np.zeros((B, N, V), np.float16) if V else None
        self.steps = 0

    def start_run(self, request: ImageRequest) -> None:
        B = request.settings["num_samples"]
        self.set_drawing(False)
        self.record = None
        self.kept = request.mask
        self._new_run_arrays(B, len(self.colours))
        self.canvas.set_shape(B, self.H, self.W)
        if request.init is not None and request.mask is not None:
            self.canvas.argb[:, request.mask] = self._sketch_words()[request.mask]
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
            s, r, c = px.sample, px.row, px.col
            self.values[s, r, c] = px.value
            self.known[s, r, c] = True
            self.probs[s, r, c] = px.prob
            self.model_probs[s, r, c] = px.model_prob
            self.entropy[s, r, c] = px.entropy
            if self.dists is not None and px.dist is not None:
                self.dists[s, r * self.W + c] = px.dist
            self.steps = px.steps
            self.canvas.set_pixels(s, r, c, self.words[px.value])
            if self.heat_check.isChecked():
                self._refresh_heat()
            self.progress.setValue(self.steps)

    def progress_text(self) -> tuple[str, str]:
        """("done / total pixels", "pixels/s") of the run on screen."""
        elapsed = time.perf_counter() - self._t0
        B = self.values.shape[0]
        speed = self.steps * B / elapsed if elapsed > 0 and self.steps else 0.0
        return (
            self.tr("{0} / {1} pixels").format(self.steps, getattr(self, "total", 0)),
            self.tr("{0:.0f} pixels/s").format(speed),
        )

    def show_progress(self) -> None:
        done, speed = self.progress_text()
        B = self.values.shape[0]
        each = self.tr(" in each of {0} images").format(B) if B > 1 else ""
        self.progress_label.setText(f"{done}{each} · {speed}")

    def run_ended(self, record: RunRecord | None) -> None:
        self.canvas.set_cursor(None)
        if record is None:
            self.progress_label.setText(self.tr("The run failed; nothing was drawn."))
            return
        self.record = record
        B = self.values.shape[0]
        each = self.tr(" in each of {0} images").format(B) if B > 1 else ""
        self.progress_label.setText(
            self.tr("{0} pixels{1} · {2:.0f} pixels/s · seed {3} · stop: {4}").format(
                record.tokens, each, record.pixels_per_s, record.seed, record.stop_reason
            )
        )

    def show_record(self, record: RunRecord) -> None:
        """Show a past image run from the history: its pictures, and its per-pixel maps."""
        m = record.media
        images = [decode_png(t) for t in m.get("images") or []]
        if not images:
            raise ValueError(self.tr("This history entry has no pictures."))
        B = len(images)
        self.H, self.W = images[0].shape[:2]
        self._new_run_arrays(B)
        kept = decode_png(m["kept"]) > 0 if m.get("kept") else None
        rgb = np.stack([im if im.ndim == 3 else np.repeat(im[..., None], 3, -1) for im in images])
        argb = argb_words(rgb)
        self.known[:] = True
        if kept is not None:
            self.known[:, kept] = False
        self.steps = int(record.tokens)
        # pixels never drawn (a stopped run) are shown as undrawn
        N = self.H * self.W
        drawn_pos = np.zeros(N, bool)
        order = np.flatnonzero(~kept.reshape(-1)) if kept is not None else np.arange(N)
        drawn_pos[order[: self.steps]] = True
        undrawn = ~drawn_pos.reshape(self.H, self.W)
        if kept is not None:
            undrawn &= ~kept
        argb[:, undrawn] = UNDRAWN
        self.known[:, undrawn] = False
        self.model_probs[:] = np.nan
        maps = (("prob", self.probs), ("model_prob", self.model_probs), ("entropy", self.entropy))
        for name, arr in maps:
            with np.errstate(all="ignore"):
                got = np.asarray(m.get(name) or [], dtype=np.float32)
            if got.shape == (B, N):
                arr[:] = got.reshape(B, self.H, self.W)
        if self.palette is not None:
            # the palette index of each pixel, for the hover heading
            d = ((rgb[..., None, :].astype(int) - self.palette.astype(int)) ** 2).sum(-1)
            self.values[:] = d.argmin(-1)
        else:
            self.values[:] = rgb[..., 0]
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
        if sample < 0 or sample >= self.values.shape[0]:
            return
        if self.kept is not None and self.kept[row, col]:
            self.dist_view.show_kept(sample, row, col)
            return
        if not self.known[sample, row, col]:
            self.dist_view.clear(self.tr("Pixel ({0}, {1}) is not drawn yet.").format(row, col))
            return
        dist = None
        if self.dists is not None:
            dist = self.dists[sample, row * self.W + col].astype(np.float32)
        self.dist_view.show_pixel(
            sample,
            row,
            col,
            int(self.values[sample, row, col]),
            float(self.probs[sample, row, col]),
            float(self.model_probs[sample, row, col]),
            float(self.entropy[sample, row, col]),
            dist,
            self.colours,
            self.palette is not None,
        )

    def _refresh_heat(self) -> None:
        if not self.heat_check.isChecked():
            self.canvas.set_heat(None)
            return
        V = max(2, len(self.colours))
        heat = heat_colours(self.entropy / math.log(V))
        heat[~self.known] = 0  # only pixels the model drew have an entropy
        self.canvas.set_heat(heat)

    # ---- drawing ------------------------------------------------------------------------------

    def set_drawing(self, on: bool) -> None:
        """Switch drawing on (the canvas shows the sketch in every cell) or off."""
        if on and self.info is None:
            on = False
        if self.draw_check.isChecked() != on:
            self.draw_check.setChecked(on)
            return
        self.canvas.set_drawing(on)
        if on:
            self._ensure_sketch()
            self.show_sketch()

    def _ensure_sketch(self) -> None:
        if self.sketch is None or self.sketch.shape[:2] != (self.H, self.W):
            shape = (self.H, self.W) if self.palette is None else (self.H, self.W, 3)
            self.sketch = np.zeros(shape, np.uint8)
            self.sketch_mask = np.zeros((self.H, self.W), bool)

    def _sketch_words(self) -> np.ndarray:
        s = self.sketch
        rgb = np.repeat(s[..., None], 3, -1) if s.ndim == 2 else s
        return argb_words(rgb)

    def show_sketch(self) -> None:
        """Show the drawn or loaded pixels (every cell the same) and nothing else."""
        self._ensure_sketch()
        B = self.batch()
        self.record = None
        self.kept = self.sketch_mask.copy()
        self._new_run_arrays(B)
        argb = np.full((B, self.H, self.W), UNDRAWN, np.uint32)
        argb[:, self.sketch_mask] = self._sketch_words()[self.sketch_mask]
        self.canvas.set_shape(B, self.H, self.W)
        self.canvas.set_images(argb)
        self._refresh_heat()

    def paint_value(self) -> np.ndarray:
        """The colour the pen paints, in the sketch's format."""
        if self.palette is None:
            return np.uint8(self.grey_spin.value())
        return self.palette[max(0, self.colour_combo.currentIndex())]

    def paint_pixel(self, row: int, col: int, paint: bool) -> None:
        if not self.canvas.drawing:
            return
        self._ensure_sketch()
        if paint:
            self.sketch[row, col] = self.paint_value()
        self.sketch_mask[row, col] = paint
        self.kept = self.sketch_mask.copy()
        word = self._sketch_words()[row, col] if paint else UNDRAWN
        self.canvas.argb[:, row, col] = word
        for i in range(self.canvas.argb.shape[0]):
            self.canvas.update(self.canvas.pixel_rect(i, row, col))

    def clear_sketch(self) -> None:
        self.sketch = self.sketch_mask = None
        if self.info is not None:
            self.show_sketch()

    def load_dialog(self) -> None:
        if self.info is None:
            self.message_bar.show_message(self.tr("Choose an image model first."), error=False)
            return
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Load an image to complete"),
            "",
            self.tr("Images (*.png *.gif *.bmp *.jpg);;All files (*)"),
        )
        if path:
            self.load_image(path)

    def load_image(self, path: str) -> bool:
        """Make an image file the sketch to complete; refuses (with a message) a wrong size."""
        if self.info is None:
            return False
        try:
            init, mask = load_init_image(
                path, self.H, self.W, grey=self.palette is None, keep_rows=self.H // 2
            )
        except ImageFileError as e:
            self.message_bar.show_message(str(e))
            return False
        self.sketch, self.sketch_mask = init, mask
        self.set_drawing(True)
        self.show_sketch()
        self.message_bar.show_message(
            self.tr(
                "Loaded {0}: {1} pixels are kept. Paint or erase pixels, then press Complete."
            ).format(Path(path).name, int(mask.sum())),
            error=False,
        )
        return True

    # ---- export -------------------------------------------------------------------------------

    @staticmethod
    def picture(record: RunRecord) -> np.ndarray:
        """A run's images, one or a grid, as exported."""
        images = [decode_png(t) for t in record.media["images"]]
        return images[0] if len(images) == 1 else grid(images)

    def export_png(self, path: str, r: RunRecord) -> None:
        """The picture with its settings in PNG text chunks. ImageFileError on failure."""
        m = r.media
        extra = {"label": m.get("label", "any")}
        if m.get("kept"):
            extra["kept_pixels"] = int((decode_png(m["kept"]) > 0).sum())
        B = len(m["images"])
        if B > 1:
            extra["grid"] = f"{B} samples, sample i drawn with seed {r.seed}+i, row by row"
        settings = {k: v for k, v in r.settings.items() if k != "seed"}
        meta = png_meta_for(r.model_name, r.model_title, settings, r.seed, extra)
        save_png(path, self.picture(r), meta)

    def export_gif(self, path: str, record: RunRecord) -> None:
        """The drawing, row by row, as an animated GIF. ImageFileError on failure."""
        m = record.media
        images = [decode_png(t) for t in m["images"]]
        kept = decode_png(m["kept"]) > 0 if m.get("kept") else None
        # an undrawn pixel looks as the engine renders value 0: black, or the palette's first colour
        blank = self.colours[0] if images[0].ndim == 3 and self.palette is not None else 0
        save_gif(path, generation_frames(images, kept, blank))

    def apply_settings(self, settings: dict) -> None:
        """Label and batch from ImageSettings.to_dict() (the sampling panel takes the rest)."""
        self.set_label(settings.get("label"))
        g = settings.get("guidance", 1.0)
        if isinstance(g, int | float) and not isinstance(g, bool):
            self.guidance_spin.setValue(float(g))
        if isinstance(settings.get("num_samples"), int):
            self.set_batch(settings["num_samples"])
