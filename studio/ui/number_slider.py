"""A slider with an editable number beside it; values typed out of range are refused with a hint."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QSlider, QWidget


class NumberSlider(QWidget):
    """One setting: its name, a slider, the number (editable), and a hint shown when refused."""

    sig_value_changed = Signal(float)
    """The value changed (by the slider, the number field, or `set_value`)."""

    def __init__(
        self,
        label: str,
        minimum: float,
        maximum: float,
        step: float,
        value: float,
        tooltip: str,
        integer: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.minimum, self.maximum, self.step = minimum, maximum, step
        self.integer = integer
        self.name = label
        self._value = value
        self.label = QLabel(label)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((maximum - minimum) / step))
        self.edit = QLineEdit()
        self.edit.setFixedWidth(64)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #b00020; font-size: 11px;")
        self.hint.hide()
        for w in (self.label, self.slider, self.edit):
            w.setToolTip(tooltip)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(1)
        grid.addWidget(self.label, 0, 0, 1, 2)
        grid.addWidget(self.slider, 1, 0)
        grid.addWidget(self.edit, 1, 1)
        grid.addWidget(self.hint, 2, 0, 1, 2)
        self.slider.valueChanged.connect(self._slider_moved)
        self.edit.editingFinished.connect(self._edited)
        self._show(value)

    def value(self) -> float | int:
        return int(round(self._value)) if self.integer else self._value

    def set_value(self, value: float) -> None:
        value = min(max(float(value), self.minimum), self.maximum)
        changed = value != self._value
        self._value = value
        self._show(value)
        self.hint.hide()
        if changed:
            self.sig_value_changed.emit(value)

    def _format(self, v: float) -> str:
        if self.integer:
            return str(int(round(v)))
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:.1f}"

    def _show(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round((value - self.minimum) / self.step))
        self.slider.blockSignals(False)
        self.edit.setText(self._format(value))
        self.edit.setStyleSheet("")

    def _slider_moved(self, pos: int) -> None:
        v = self.minimum + pos * self.step
        v = round(v) if self.integer else round(v, 6)
        self._value = float(v)
        self.edit.setText(self._format(v))
        self.edit.setStyleSheet("")
        self.hint.hide()
        self.sig_value_changed.emit(float(v))

    def _edited(self) -> None:
        text = self.edit.text().strip()
        if text == self._format(self._value):
            return
        problem = self.check(text)
        if problem:
            self.refuse(problem)
            return
        self.set_value(float(text))

    def check(self, text: str) -> str | None:
        """Why `text` is not an acceptable value, or None if it is."""
        lo, hi = self._format(self.minimum), self._format(self.maximum)
        try:
            v = float(text)
        except ValueError:
            return self.tr("“{0}” is not a number; {1} goes from {2} to {3}.").format(
                text, self.name.lower(), lo, hi
            )
        if math.isnan(v) or math.isinf(v):
            return self.tr("{0} must be a finite number.").format(self.name)
        if self.integer and v != int(v):
            return self.tr("{0} is a whole number, from {1} to {2}.").format(self.name, lo, hi)
        if not self.minimum <= v <= self.maximum:
            return self.tr("{0} is out of range: {1} goes from {2} to {3}.").format(
                text, self.name.lower(), lo, hi
            )
        return None

    def refuse(self, problem: str) -> None:
        """Keep the current value, put it back in the field, and show why the entry was refused."""
        self.edit.setText(self._format(self._value))
        self.edit.setStyleSheet("border: 1px solid #b00020;")
        self.hint.setText(problem)
        self.hint.show()
