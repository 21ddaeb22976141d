"""The window on the screen it opens on: its size at first start, and a remembered geometry made to
fit a screen that is smaller than the one it was saved on (or moved back onto one it left).

The arithmetic is on plain rectangles (`first_size`, `fit_rect`), so it is tested without screens;
`fit_to_screen` applies it to a window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

MIN_SIZE = QSize(1024, 640)
"""The smallest window the layout is made for: every panel shows, some of them scrolled."""
FIRST_SHARE = 0.85  # of the screen's free area, at first start
MAX_FIRST = QSize(1600, 1000)  # beyond this, more room only makes lines longer to read


def first_size(available: QRect, minimum: QSize = MIN_SIZE) -> QSize:
    """The window's size at first start on a screen whose free area is `available`: 85% of it,
    no more than MAX_FIRST, no less than `minimum` unless the screen itself is smaller."""
    w = min(round(available.width() * FIRST_SHARE), MAX_FIRST.width())
    h = min(round(available.height() * FIRST_SHARE), MAX_FIRST.height())
    w = min(max(w, minimum.width()), available.width())
    h = min(max(h, minimum.height()), available.height())
    return QSize(w, h)


def fit_rect(rect: QRect, available: QRect, minimum: QSize | None = None) -> QRect:
    """`rect` (a window's frame) made to lie inside `available`: shrunk to it where larger (never
    below `minimum`), then moved onto it where it sticks out or lies off it."""
    minimum = minimum or QSize(0, 0)
    w = max(min(rect.width(), available.width()), minimum.width())
    h = max(min(rect.height(), available.height()), minimum.height())
    x = min(max(rect.x(), available.left()), available.left() + max(0, available.width() - w))
    y = min(max(rect.y(), available.top()), available.top() + max(0, available.height() - h))
    return QRect(x, y, w, h)


def screen_area(w: QWidget) -> QRect:
    """The free area (without task bars) of the screen under the middle of `w`, or of the screen
    it is on, or of the primary screen when it lies off every screen."""
    screen = QGuiApplication.screenAt(w.frameGeometry().center()) or w.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def size_for_first_start(w: QWidget) -> None:
    """Size `w` from the screen it opens on and centre it there."""
    area = screen_area(w)
    size = first_size(area, MIN_SIZE.expandedTo(w.minimumSizeHint()))
    w.resize(size)
    w.move(area.center() - QPoint(size.width() // 2, size.height() // 2))


def fit_to_screen(w: QWidget) -> None:
    """Shrink `w` onto its screen where a remembered geometry is larger, and move it back onto the
    screen where it lies (partly) off it."""
    area = screen_area(w)
    frame = w.frameGeometry()
    # the frame (title bar, borders) is outside the geometry that resize() sets
    extra = QSize(frame.width() - w.width(), frame.height() - w.height())
    inner = QSize(w.minimumSize()).expandedTo(w.minimumSizeHint())
    fitted = fit_rect(frame, area, inner + extra)
    if fitted != frame:
        w.resize(fitted.size() - extra)
        w.move(fitted.topLeft())


class _FitWhenShown(QObject):
    """Fits its window to the screen once it is first shown, when the frame that the window
    system adds (title bar, borders) is known: a geometry that fitted without it may not. A size
    set by a program in between (a script that wants a given size) is left as it is."""

    def __init__(self, w: QWidget) -> None:
        super().__init__(w)
        self.size = QSize(w.size())

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(obj, QWidget):
            obj.removeEventFilter(self)
            if obj.size() == self.size:
                QTimer.singleShot(0, lambda: fit_to_screen(obj))
        return False


def fit_when_shown(w: QWidget) -> None:
    """Fit `w` to its screen again once it is on screen with its frame, unless it was resized
    before that."""
    w.installEventFilter(_FitWhenShown(w))
