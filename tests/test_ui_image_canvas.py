"""The image canvas alone: scaling with kept aspect ratio and nearest neighbour, the batch grid,
mapping the mouse to pixels, and repainting only the rows that changed."""

import numpy as np
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor

from studio.ui.image_canvas import UNDRAWN, ImageCanvas


class RecordingCanvas(ImageCanvas):
    def __init__(self) -> None:
        super().__init__()
        self.painted: list[QRect] = []

    def paintEvent(self, event) -> None:
        self.painted.extend(event.region())  # the rects asked for, not their bounding box
        super().paintEvent(event)


def make(qtbot, w: int, h: int, batch: int = 1, H: int = 10, W: int = 8) -> RecordingCanvas:
    c = RecordingCanvas()
    qtbot.addWidget(c)
    c.resize(w, h)
    c.set_shape(batch, H, W)
    c.show()
    qtbot.waitExposed(c)
    return c


def test_scaled_with_nearest_neighbour_keeping_the_aspect_ratio(qtbot):
    c = make(qtbot, 300, 200)
    cell = c.cell_rect(0)
    assert (cell.width(), cell.height()) == (160, 200)  # 20 screen pixels per image pixel
    assert cell.center().x() in (149, 150)  # centred
    checker = np.where((np.indices((10, 8)).sum(0) % 2) == 0, 0xFF000000, 0xFFFFFFFF)
    c.set_images(checker.astype(np.uint32)[None])
    img = c.grab().toImage()
    for r, col in ((0, 0), (0, 1), (9, 7), (4, 3)):
        rect = c.pixel_rect(0, r, col)
        want = QColor(0, 0, 0) if (r + col) % 2 == 0 else QColor(255, 255, 255)
        # every screen pixel of an image pixel has its colour: no smoothing at the edges
        for p in (rect.topLeft(), rect.bottomRight(), rect.center()):
            assert img.pixelColor(p) == want, (r, col, p)


def test_a_batch_of_16_is_a_4x4_grid_and_the_mouse_maps_to_pixels(qtbot):
    c = make(qtbot, 500, 600, batch=16)
    assert c.layout_grid() == (4, 4)
    for sample, r, col in ((0, 0, 0), (5, 3, 4), (15, 9, 7), (12, 0, 7)):
        assert c.pixel_at(c.pixel_rect(sample, r, col).center()) == (sample, r, col)
    assert c.pixel_at(QPoint(0, 0)) == (-1, -1, -1)
    assert c.cell_rect(1).left() > c.cell_rect(0).right()  # a gap between samples


def test_new_pixels_repaint_only_their_rows(qtbot):
    c = make(qtbot, 400, 400, batch=4)
    qtbot.waitUntil(lambda: bool(c.painted))
    c.painted.clear()
    n = 8
    c.set_pixels(np.zeros(n, int), np.full(n, 3), np.arange(n), np.full(n, 0xFFFFFFFF, np.uint32))
    qtbot.waitUntil(lambda: bool(c.painted))
    rows = c.pixel_rect(0, 3, 0)
    for rect in c.painted:
        assert rect.height() < 3 * rows.height() + 10  # a row (and the outline), not the canvas
    assert (c.argb[0, 3] == 0xFFFFFFFF).all() and (c.argb[1] == UNDRAWN).all()
    assert c.cursor == (3, 7)


def test_pixel_grid_lines_show_between_pixels(qtbot):
    c = make(qtbot, 300, 200)
    c.set_images(np.full((1, 10, 8), 0xFF000000, np.uint32))
    edge = c.pixel_rect(0, 2, 2).topLeft()
    assert c.grab().toImage().pixelColor(edge) == QColor(0, 0, 0)
    c.set_grid(True)
    assert c.grab().toImage().pixelColor(edge) != QColor(0, 0, 0)
