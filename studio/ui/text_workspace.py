"""The text workspace: Generate and Stop, the probability-colour switch and legend, the prompt
editor above the output view, and a message line for errors and warnings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.ui.legend import ProbLegend
from studio.ui.message_bar import MessageBar
from studio.ui.output_view import OutputView


class TextWorkspace(QWidget):
    """The widgets of the Text tab; the main window connects them to the worker."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_bar = MessageBar()
        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setToolTip(
            self.tr("Generate a continuation of the prompt (Ctrl+Return).")
        )
        self.generate_button.setDefault(True)
        self.continue_button = QPushButton(self.tr("Continue"))
        self.continue_button.setToolTip(
            self.tr(
                "Make the prompt and the text so far the new prompt, and generate on from there "
                "(Ctrl+Shift+Return)."
            )
        )
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the run and keep the text so far (Esc)."))
        self.colors_check = QCheckBox(self.tr("Probability colours"))
        self.colors_check.setToolTip(
            self.tr(
                "Colour each generated token by the probability it was drawn with; "
                "hover a token for its alternatives."
            )
        )
        self.legend = ProbLegend()
        bar = QHBoxLayout()
        bar.addWidget(self.generate_button)
        bar.addWidget(self.continue_button)
        bar.addWidget(self.stop_button)
        bar.addSpacing(16)
        bar.addWidget(self.colors_check)
        bar.addWidget(self.legend)
        bar.addStretch(1)

        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setPlaceholderText(self.tr("Write a prompt, then press Ctrl+Return…"))
        self.prompt_edit.setTabChangesFocus(True)
        self.output = OutputView()
        self.output.setPlaceholderText(self.tr("Generated text appears here, token by token."))
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("textSplitter")
        self.splitter.addWidget(self.prompt_edit)
        self.splitter.addWidget(self.output)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message_bar)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
