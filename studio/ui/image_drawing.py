"""The pixels to keep for Complete: painted on the canvas or loaded from an image file. The Draw
switch, the grey level or palette colour to paint, Load Image… and Clear Drawing, and the sketch
they make (numpy arrays of the model's size)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.io.image_export import ImageFileError
from studio.io.init_image import read_init_image
from studio.ui.image_pixels import argb_words
from studio.ui.message_bar import MessageBar


class DrawingTools(QWidget):
    """The drawing tools of the Image tab and the sketch; the workspace shows it on the canvas."""

    sig_sketch_replaced = Signal()
    """The whole sketch changed (cleared, or loaded from a file): show it again."""

    def __init__(self, message_bar: MessageBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_bar = message_bar
        self.has_model = False
        self.H = self.W = 1
        self.palette: np.ndarray | None = None  # (K, 3) uint8 for palette models
        self.sketch: np.ndarray | None = None  # (H, W) grey or (H, W, 3) RGB: drawn or loaded
        self.sketch_mask: np.ndarray | None = None  # (H, W) bool: which sketch pixels to keep
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
        self.clear_button.clicked.connect(self.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (
            self.draw_check,
            self.grey_spin,
            self.colour_combo,
            self.load_button,
            self.clear_button,
        ):
            row.addWidget(w)

    def set_model(self, H: int, W: int, palette: np.ndarray | None, same: bool) -> None:
        """Paint for a model of H x W pixels, grey or in `palette`; a different model than before
        (`same` False) starts from an empty sketch."""
        self.has_model = True
        self.H, self.W, self.palette = H, W, palette
        self.grey_spin.setVisible(palette is None)
        self.colour_combo.setVisible(palette is not None)
        self.colour_combo.clear()
        if palette is not None:
            for i, (r, g, b) in enumerate(palette.tolist()):
                pm = QPixmap(14, 14)
                pm.fill(QColor(r, g, b))
                self.colour_combo.addItem(QIcon(pm), f"{i}", i)
        if not same:
            self.sketch = self.sketch_mask = None

    def set_no_model(self) -> None:
        self.has_model = False
        self.colour_combo.hide()

    def ensure(self) -> None:
        """A sketch of the model's size, empty if there was none."""
        if self.sketch is None or self.sketch.shape[:2] != (self.H, self.W):
            shape = (self.H, self.W) if self.palette is None else (self.H, self.W, 3)
            self.sketch = np.zeros(shape, np.uint8)
            self.sketch_mask = np.zeros((self.H, self.W), bool)

    def words(self) -> np.ndarray:
        """(H, W) uint32: the sketch as the canvas's ARGB words."""
        s = self.sketch
        rgb = np.repeat(s[..., None], 3, -1) if s.ndim == 2 else s
        return argb_words(rgb)

    def paint_value(self) -> np.ndarray:
        """The colour the pen paints, in the sketch's format."""
        if self.palette is None:
            return np.uint8(self.grey_spin.value())
        return self.palette[max(0, self.colour_combo.currentIndex())]

    def paint(self, row: int, col: int, paint: bool) -> None:
        """Paint a pixel to keep with the pen's colour, or erase it (`paint` False)."""
        self.ensure()
        if paint:
            self.sketch[row, col] = self.paint_value()
        self.sketch_mask[row, col] = paint

    def clear(self) -> None:
        self.sketch = self.sketch_mask = None
        if self.has_model:
            self.sig_sketch_replaced.emit()

    def load_dialog(self) -> None:
        if not self.has_model:
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
        if not self.has_model:
            return False
        try:
            init, mask = read_init_image(path, self.H, self.W, grey=self.palette is None)
        except ImageFileError as e:
            self.message_bar.show_message(str(e))
            return False
        self.sketch, self.sketch_mask = init, mask
        self.draw_check.setChecked(True)
        self.sig_sketch_replaced.emit()
        self.message_bar.show_message(
            self.tr(
                "Loaded {0}: {1} pixels are kept. Paint or erase pixels, then press Complete."
            ).format(Path(path).name, int(mask.sum())),
            error=False,
        )
        return True
