"""Translate mode of the text tab, on while a translation model is loaded: the prompt box is the
English source, Generate translates it (through the sampling chain, or by beam search of the
width chosen here), and Cross-attention… shows where the model looked in the source for each
character it wrote (cross_attention_view.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from studio.ui.cross_attention_view import CrossAttentionDialog

MAX_BEAM = 64  # as the engine allows (text/translation.py)


def is_translation(info: dict | None) -> bool:
    return bool(info) and info.get("kind") == "translate-seq2seq"


class TranslateMode(QWidget):
    """The row of Translate mode (beam width, Cross-attention…) and the switch of the text tab
    into and out of it. `workspace` is the TextWorkspace it belongs to."""

    def __init__(self, workspace) -> None:
        super().__init__(workspace)
        self.workspace = workspace
        self.on = False
        self.dialog: CrossAttentionDialog | None = None
        # the text tab's own words, put back when a text model follows a translation model
        self._text_words = (
            workspace.prompt_edit.placeholderText(),
            workspace.output.placeholderText(),
            workspace.generate_button.toolTip(),
        )
        self.source_label = QLabel(self.tr("English source: type it in the box below."))
        self.beam_spin = QSpinBox()
        self.beam_spin.setRange(1, MAX_BEAM)
        self.beam_spin.setValue(1)
        self.beam_spin.setToolTip(
            self.tr(
                "1: each character through the sampling chain (temperature 0 is greedy). "
                "More: beam search of that width, shown when it ends."
            )
        )
        self.attention_button = QPushButton(self.tr("Cross-attention…"))
        self.attention_button.setToolTip(
            self.tr("Where the model looked in the source for each character it wrote.")
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.source_label)
        row.addStretch(1)
        row.addWidget(QLabel(self.tr("Beam width")))
        row.addWidget(self.beam_spin)
        row.addWidget(self.attention_button)
        self.setVisible(False)
        self.attention_button.clicked.connect(self.show_attention)
        engine = workspace.engine
        engine.sig_translation_attention.connect(self._on_attention)
        engine.sig_translation_attention_failed.connect(self._on_failed)

    def set_model(self, info: dict | None) -> None:
        """Translate mode on for a translation model, off for any other (or none)."""
        ws = self.workspace
        self.on = is_translation(info)
        self.setVisible(self.on)
        # going on from a translation, step mode and A/B compare are text-model runs
        for button in (ws.continue_button, ws.step_button, ws.compare_button):
            button.setVisible(not self.on)
        if self.on:
            ws.prompt_edit.setPlaceholderText(
                self.tr("English source: write a sentence to translate, then press Ctrl+Return…")
            )
            ws.output.setPlaceholderText(self.tr("The translation appears here, token by token."))
            ws.generate_button.setToolTip(self.tr("Translate the English source (Ctrl+Return)."))
        else:
            prompt, output, tip = self._text_words
            ws.prompt_edit.setPlaceholderText(prompt)
            ws.output.setPlaceholderText(output)
            ws.generate_button.setToolTip(tip)

    def run_settings(self, settings: dict) -> dict:
        """The settings of a run, with the beam width in Translate mode."""
        return {**settings, "beam": self.beam_spin.value()} if self.on else settings

    def update_buttons(self, running: bool) -> None:
        self.attention_button.setEnabled(not running)

    def show_attention(self) -> None:
        """Ask the engine for the cross-attention of the translation on screen."""
        ws = self.workspace
        run = ws.shown_run
        target = ws.output.generated_text()
        if run is None or not target:
            ws.message_bar.show_message(
                self.tr("Nothing translated yet: translate first."), error=False
            )
            return
        if self.dialog is None:
            self.dialog = CrossAttentionDialog(self.window())
        self.dialog.show_loading(run["prompt"])
        self.dialog.show()
        self.dialog.raise_()
        ws.engine.translation_attention(run["model_path"], run["prompt"], target)

    def _on_attention(self, answer: dict) -> None:
        if self.dialog is not None:
            self.dialog.show_attention(answer)

    def _on_failed(self, message: str) -> None:
        if self.dialog is not None:
            self.dialog.show_failure(message)
