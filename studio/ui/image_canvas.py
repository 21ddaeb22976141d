"""The image canvas: a grid of 1, 4 or 16 small images, scaled up with nearest neighbour.

One widget paints every sample of a batch. Pixels arrive as arrays (`set_pixels`) and only the rows
they touch are repainted. The current position of the run is outlined; a pixel grid and an entropy
heat map, or what one pixel looked at, can be laid over the pictures. Hovering reports (sample, row,
col), and so does a click; with drawing switched on, the left button paints the chosen colour and
the right button erases (the pixel is drawn again by the model).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.io.pixel_overlay import OUTLINE

GAP = 6  # pixels on screen between the samples of a batch
UNDRAWN = 0xFF3A4350  # a pixel the model has not drawn yet: slate, unlike any grey level


def heat_colours(x: np.ndarray) -> np.ndarray:
    """ARGB (uint32) for values 0..1: transparent blue for certain pixels, opaque red for uncertain."""
    x = np.clip(x, 0.0, 1.0)
    a = (60 + 150 * x).astype(np.uint32)
    r = (255 * x).astype(np.uint32)
    g = (80 * (1 - np.abs(2 * x - 1))).astype(np.uint32)
    b = (255 * (1 - x)).astype(np.uint32)
    return (a << 24) | (r << 16) | (g << 8) | b


class ImageCanvas(QWidget):
    """Shows `batch` images of H x W pixels; colours are ARGB words set by the workspace."""

    sig_hovered = Signal(int, int, int)
    """The mouse is over (sample, row, col); (-1, -1, -1) when it left the pictures."""
    sig_painted = Signal(int, int, bool)
    """Drawing: the person painted (row, col) (True) or erased it (False)."""
    sig_clicked = Signal(int, int, int)
    """Not drawing: the left button went down on (sample, row, col)."""
    sig_reshaped = Signal()
    """`set_shape` started over: what was laid over the old pictures is gone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.argb = np.full((1, 1, 1), UNDRAWN, np.uint32)  # (B, H, W)
        self.heat: np.ndarray | None = None  # (B, H, W) ARGB, when the heat map is on
        # what one pixel looked at (ui/image_overlay.py): (sample, (H, W) ARGB, (row, col))
        self.overlay: tuple[int, np.ndarray, tuple[int, int]] | None = None
        self.cursor: tuple[int, int] | None = None  # (row, col) being drawn, in every sample
        self.show_grid = False
        self.drawing = False
        self._last_hover = (-1, -1, -1)
        self._stroke: bool | None = (
            None  # painting (True) or erasing (False) while a button is down
        )

    # ---- content ------------------------------------------------------------------------------

    def set_shape(self, batch: int, height: int, width: int) -> None:
        """Start over with `batch` empty images."""
        self.argb = np.full((batch, height, width), UNDRAWN, np.uint32)
        self.heat = None
        self.cursor = None
        self.overlay = None
        self.update()
        self.sig_reshaped.emit()

    def shape(self) -> tuple[int, int, int]:
        return self.argb.shape  # type: ignore[return-value]

    def set_images(self, argb: np.ndarray) -> None:
        """Show whole images: (B, H, W) ARGB words."""
        self.argb = np.ascontiguousarray(argb, dtype=np.uint32)
        self.update()

    def set_pixels(self, sample: np.ndarray, row: np.ndarray, col: np.ndarray, argb: np.ndarray):
        """Set pixels (arrays of equal length) and repaint only the rows they touch."""
        if not len(sample):
            return
        self.argb[sample, row, col] = argb
        lo, hi = int(row.min()), int(row.max())
        if self.cursor is not None:
            lo = min(lo, self.cursor[0])
        self.cursor = (int(row[-1]), int(col[-1]))
        self._update_rows(lo, max(hi, self.cursor[0]))

    def set_cursor(self, cursor: tuple[int, int] | None) -> None:
        old, self.cursor = self.cursor, cursor
        rows = [c[0] for c in (old, cursor) if c is not None]
        if rows:
            self._update_rows(min(rows), max(rows))

    def set_heat(self, heat: np.ndarray | None) -> None:
        """Lay ARGB words (B, H, W) over the images (None: no overlay)."""
        self.heat = heat
        self.update()

    def set_overlay(
        self, sample: int | None, words: np.ndarray | None = None, pixel: tuple[int, int] = (0, 0)
    ) -> None:
        """Lay ARGB words (H, W) over one sample's picture, `pixel` framed (None: no overlay)."""
        self.overlay = None if sample is None or words is None else (sample, words, pixel)
        self.update()

    def set_grid(self, on: bool) -> None:
        self.show_grid = on
        self.update()

    def set_drawing(self, on: bool) -> None:
        self.drawing = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    # ---- geometry -----------------------------------------------------------------------------

    def layout_grid(self) -> tuple[int, int]:
        """(rows, cols) of samples: square-ish, as the exported grid."""
        n = self.argb.shape[0]
        cols = math.ceil(math.sqrt(n))
        return math.ceil(n / cols), cols

    def _geometry(self) -> tuple[int, int, float]:
        """(left, top, screen pixels per image pixel): the largest scale that fits, kept aspect."""
        B, H, W = self.argb.shape
        rows, cols = self.layout_grid()
        scale = min(
            (self.width() - GAP * (cols - 1)) / (cols * W),
            (self.height() - GAP * (rows - 1)) / (rows * H),
        )
        # whole screen pixels per image pixel look crisp; below one, any fraction will do
        scale = max(math.floor(scale), 1) if scale >= 1 else max(scale, 0.1)
        total_w = cols * W * scale + GAP * (cols - 1)
        total_h = rows * H * scale + GAP * (rows - 1)
        return int((self.width() - total_w) / 2), int((self.height() - total_h) / 2), scale

    def cell_rect(self, sample: int) -> QRect:
        """Where sample `sample` is on screen."""
        _, H, W = self.argb.shape
        left, top, s = self._geometry()
        _, cols = self.layout_grid()
        r, c = divmod(sample, cols)
        x = left + c * (W * s + GAP)
        y = top + r * (H * s + GAP)
        return QRect(round(x), round(y), round(W * s), round(H * s))

    def pixel_rect(self, sample: int, row: int, col: int) -> QRect:
        cell = self.cell_rect(sample)
        _, H, W = self.argb.shape
        s = cell.width() / W
        return QRect(
            cell.x() + round(col * s),
            cell.y() + round(row * s),
            max(1, round((col + 1) * s) - round(col * s)),
            max(1, round((row + 1) * s) - round(row * s)),
        )

    def pixel_at(self, pos: QPoint) -> tuple[int, int, int]:
        """(sample, row, col) under a point, or (-1, -1, -1)."""
        B, H, W = self.argb.shape
        for i in range(B):
            cell = self.cell_rect(i)
            if cell.contains(pos):
                row = min(H - 1, int((pos.y() - cell.y()) * H / cell.height()))
                col = min(W - 1, int((pos.x() - cell.x()) * W / cell.width()))
                return i, row, col
        return -1, -1, -1

    def _update_rows(self, lo: int, hi: int) -> None:
        for i in range(self.argb.shape[0]):
            a, b = self.pixel_rect(i, lo, 0), self.pixel_rect(i, hi, self.argb.shape[2] - 1)
            self.update(a.united(b).adjusted(-2, -2, 2, 2))

    # ---- painting -----------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(event.rect(), self.palette().window())
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # nearest neighbour
        B, H, W = self.argb.shape
        for i in range(B):
            cell = self.cell_rect(i)
            if not event.region().intersects(cell):
                continue
            p.drawImage(cell, self._qimage(self.argb[i]))
            # a hairline frame: a white emoji background must not melt into the window
            p.setPen(QPen(QColor(0, 0, 0, 60), 1))
            p.drawRect(cell.adjusted(-1, -1, 0, 0))
            if self.heat is not None:
                p.drawImage(cell, self._qimage(self.heat[i], alpha=True))
            if self.overlay is not None and self.overlay[0] == i:
                p.drawImage(cell, self._qimage(self.overlay[1], alpha=True))
                p.setPen(QPen(QColor(*OUTLINE), 2))
                p.drawRect(self.pixel_rect(i, *self.overlay[2]).adjusted(0, 0, -1, -1))
            if self.show_grid and cell.width() / W >= 4:
                self._paint_grid(p, cell, H, W)
            if self.cursor is not None:
                p.setPen(QPen(QColor("#ff9800"), 2))
                p.drawRect(self.pixel_rect(i, *self.cursor).adjusted(0, 0, -1, -1))
        if self._last_hover[0] >= 0:
            p.setPen(QPen(QColor("#00bcd4"), 1))
            p.drawRect(self.pixel_rect(*self._last_hover).adjusted(0, 0, -1, -1))
        p.end()

    @staticmethod
    def _qimage(words: np.ndarray, alpha: bool = False) -> QImage:
        buf = np.ascontiguousarray(words)
        fmt = QImage.Format.Format_ARGB32 if alpha else QImage.Format.Format_RGB32
        # QImage borrows the buffer; copy() so it never outlives the array
        return QImage(buf.data, buf.shape[1], buf.shape[0], buf.strides[0], fmt).copy()

    @staticmethod
    def _paint_grid(p: QPainter, cell: QRect, H: int, W: int) -> None:
        p.setPen(QPen(QColor(128, 128, 128, 110), 1))
        s = cell.width() / W
        for c in range(1, W):
            x = cell.x() + round(c * s)
            p.drawLine(x, cell.top(), x, cell.bottom())
        for r in range(1, H):
            y = cell.y() + round(r * s)
            p.drawLine(cell.left(), y, cell.right(), y)

    # ---- mouse --------------------------------------------------------------------------------

    def _hover(self, pos: QPoint) -> tuple[int, int, int]:
        hit = self.pixel_at(pos)
        if hit != self._last_hover:
            old, self._last_hover = self._last_hover, hit
            for h in (old, hit):
                if h[0] >= 0:
                    self.update(self.pixel_rect(*h).adjusted(-1, -1, 1, 1))
            self.sig_hovered.emit(*hit)
        return hit

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self._hover(event.position().toPoint())
        if self._stroke is not None and hit[0] >= 0:
            self.sig_painted.emit(hit[1], hit[2], self._stroke)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.drawing:
            hit = self.pixel_at(event.position().toPoint())
            if event.button() == Qt.MouseButton.LeftButton and hit[0] >= 0:
                self.sig_clicked.emit(*hit)
            return
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self._stroke = event.button() == Qt.MouseButton.LeftButton
            hit = self._hover(event.position().toPoint())
            if hit[0] >= 0:
                self.sig_painted.emit(hit[1], hit[2], self._stroke)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._stroke = None

    def leaveEvent(self, event) -> None:
        if self._last_hover[0] >= 0:
            old, self._last_hover = self._last_hover, (-1, -1, -1)
            self.update(self.pixel_rect(*old).adjusted(-1, -1, 1, 1))
            self.sig_hovered.emit(-1, -1, -1)
