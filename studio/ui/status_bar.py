"""The status bar: model, device, tokens generated, tokens/s, time to first token, stop reason."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from studio.ui.data_words import stop_reason

STATUS_INTERVAL_S = 0.1  # live numbers are refreshed this often at most: people read them a few
# times a second, and each refresh is GUI-thread work while a run streams
MODEL_FIELD_PX = 260  # a longer model name is elided (whole in its tooltip), not allowed to widen
# the window past a small screen


def stop_text(reason: str, kind: str = "text") -> str:
    """Why a run ended (a DoneEvent's stop reason), as the status bar says it."""
    phrases = {
        "stop": QCoreApplication.translate("StudioStatusBar", "stopped at a stop string"),
        "length": QCoreApplication.translate("StudioStatusBar", "reached the limit")
        if kind == "text"
        else QCoreApplication.translate("StudioStatusBar", "every pixel drawn"),
        "eos": QCoreApplication.translate("StudioStatusBar", "the model ended the text"),
        "cancelled": QCoreApplication.translate("StudioStatusBar", "stopped"),
        "engine-died": QCoreApplication.translate("StudioStatusBar", "the engine stopped"),
    }
    return phrases.get(reason) or stop_reason(reason)


class StudioStatusBar(QStatusBar):
    """Permanent fields on the right; transient messages on the left."""

    FIELDS = ("model", "device", "tokens", "speed", "ttft", "stop")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(
            "QStatusBar QLabel { padding: 0 10px; border-left: 1px solid palette(mid); }"
        )
        tips = {
            "model": self.tr("The loaded model"),
            "device": self.tr("Where the model runs"),
            "tokens": self.tr("Tokens generated in this run"),
            "speed": self.tr("Tokens per second"),
            "ttft": self.tr("Time to first token"),
            "stop": self.tr("Why the run ended"),
        }
        self._tips = tips
        self._full: dict[str, str] = {}  # each field's whole text (the model's may be elided)
        self.labels: dict[str, QLabel] = {}
        for key in self.FIELDS:
            lab = QLabel()
            lab.setToolTip(tips[key])
            self.addPermanentWidget(lab)
            self.labels[key] = lab
        # The live fields change ten times a second during a run: wide enough for any count, so
        # that the fields beside them do not shift each time a number gains a digit.
        for key, widest in (
            ("tokens", self.tr("000000 tokens")),
            ("speed", self.tr("0000.0 tok/s")),
        ):
            lab = self.labels[key]
            lab.setMinimumWidth(
                lab.sizeHint().width() + lab.fontMetrics().horizontalAdvance(widest)
            )

    def set_fields(self, **values: str) -> None:
        """Set some fields; an empty text hides its field."""
        for key, text in values.items():
            lab = self.labels[key]
            self._full[key] = text
            if key == "model":
                shown = lab.fontMetrics().elidedText(
                    text, Qt.TextElideMode.ElideMiddle, MODEL_FIELD_PX
                )
                lab.setToolTip(self._tips[key] + (f": {text}" if shown != text else ""))
                text = shown
            lab.setText(text)
            lab.setVisible(bool(text))

    def field(self, key: str) -> str:
        """A field's whole text."""
        return self._full.get(key, self.labels[key].text())
