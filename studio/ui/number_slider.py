"""A slider with an editable number beside it; values typed out of range are refused with a hint.

Built from a settings schema entry (`NumberSlider.for_setting`), it accepts exactly what the command
line accepts; its slider may end before the largest value that can be typed."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QSlider, QWidget

from studio.settings import Setting
from studio.settings.setting import format_number


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
        slider_maximum: float | None = None,
        min_exclusive: bool = False,
    ) -> None:
        super().__init__(parent)
        self.minimum, self.maximum, self.step = minimum, maximum, step
        self.min_exclusive = min_exclusive  # the minimum itself is refused (top-p: above 0)
        # the slider covers [start, end]; typed values may go on to `maximum` (top-k, length)
        self.slider_start = minimum + step if min_exclusive else minimum
        self.slider_end = min(slider_maximum, maximum) if slider_maximum is not None else maximum
        self.integer = integer
        self.name = label
        self._value = value
        self.label = QLabel(label)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((self.slider_end - self.slider_start) / step))
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

    @classmethod
    def for_setting(cls, setting: Setting, label: str, tooltip: str) -> NumberSlider:
        """A slider with a schema entry's bounds, step and default (label and tooltip as shown)."""
        assert setting.minimum is not None and setting.maximum is not None
        assert setting.step is not None
        return cls(
            label,
            setting.minimum,
            setting.maximum,
            setting.step,
            setting.default,
            tooltip,
            integer=setting.kind == "int",
            slider_maximum=setting.slider_max,
            min_exclusive=setting.min_exclusive,
        )

    def value(self) -> float | int:
        return int(round(self._value)) if self.integer else self._value

    def set_value(self, value: float) -> None:
        value = min(float(value), self.maximum)
        if value < self.minimum or (self.min_exclusive and value <= self.minimum):
            value = self.slider_start
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
        shown = min(max(value, self.slider_start), self.slider_end)
        self.slider.setValue(round((shown - self.slider_start) / self.step))
        self.slider.blockSignals(False)
        self.edit.setText(self._format(value))
        self.edit.setStyleSheet("")

    def _slider_moved(self, pos: int) -> None:
        v = self.slider_start + pos * self.step
        v = round(v) if self.integer else round(v, 6)
        self._value = float(v)
        self.edit.setText(self._format(v))
        self.edit.setStyleSheet("")
        self.hint.hide()
        self.sig_value_changed.emit(float(v))

    def _edited(self) -> None:
        self.commit_typed()

    def commit_typed(self) -> str | None:
        """Take a value typed but not yet confirmed (a run started with the cursor still in the
        field): None if it was taken or nothing was pending, else why it was refused (the hint
        shows it, and the value stays what it was)."""
        text = self.edit.text().strip()
        if text == self._format(self._value):
            return None
        problem = self.check(text)
        if problem:
            self.refuse(problem)
            return problem
        self.set_value(float(text))
        return None

    def check(self, text: str) -> str | None:
        """Why `text` is not an acceptable value, or None if it is."""
        hi = format_number(self.maximum)
        lo = (
            self.tr("above {0}").format(format_number(self.minimum))
            if self.min_exclusive
            else format_number(self.minimum)
        )
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
        low = v <= self.minimum if self.min_exclusive else v < self.minimum
        if low or v > self.maximum:
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
