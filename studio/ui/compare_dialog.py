"""A/B compare: one prompt and one seed run with two sets of sampling settings, side by side as
they stream (A is the sampling panel's, B a copy to change here). The first token where the two
part is marked in both texts, with the stage that made the difference (the engine's
compare.find_parting)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from studio.core.events import DoneEvent, TokenEvent
from studio.core.step import Parting
from studio.io.display_format import pct, show_text
from studio.settings import SCHEMA
from studio.ui.data_words import stage_name
from studio.ui.output_view import OutputView, qlen
from studio.ui.setting_texts import label

COMPARED = ("temperature", "top_k", "top_p", "min_p", "repetition_penalty")
_MARK = QColor(255, 200, 80)


class CompareDialog(QDialog):
    """Not modal; Run compares, Stop ends both runs (the engine runs them in turn, step by
    step)."""

    def __init__(self, engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.setWindowTitle(self.tr("Compare A/B"))
        self.resize(980, 560)
        self.prompt = ""
        self.settings_a: dict = {}
        self.running = False
        self.parting: Parting | None = None
        self.a_label = QLabel()
        self.a_label.setWordWrap(True)
        self.b_fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        form = QFormLayout()
        for name in COMPARED:
            s = SCHEMA[name]
            box: QSpinBox | QDoubleSpinBox
            if s.kind == "int":
                box = QSpinBox()
                box.setRange(int(s.minimum), int(s.maximum))
            else:
                box = QDoubleSpinBox()
                box.setDecimals(2)
                box.setRange(float(s.minimum), float(s.maximum))
                box.setSingleStep(float(s.step))
            self.b_fields[name] = box
            form.addRow(label(s), box)
        b_box = QWidget()
        b_box.setLayout(form)
        self.views = (OutputView(), OutputView())
        self.result = QLabel(self.tr("Run to compare."))
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setWordWrap(True)
        buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.run_button = buttons.addButton(self.tr("Run A and B"), role)
        self.stop_button = buttons.addButton(self.tr("Stop"), role)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.reject)
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(engine.stop)
        grid = QGridLayout(self)
        grid.addWidget(QLabel(self.tr("<b>A</b>: the sampling panel's settings")), 0, 0)
        grid.addWidget(QLabel(self.tr("<b>B</b>: change any of them")), 0, 1)
        grid.addWidget(self.a_label, 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(b_box, 1, 1)
        grid.addWidget(self.views[0], 2, 0)
        grid.addWidget(self.views[1], 2, 1)
        grid.addWidget(self.result, 3, 0, 1, 2)
        grid.addWidget(buttons, 4, 0, 1, 2)
        grid.setRowStretch(2, 1)
        engine.sig_compare_events.connect(self._on_events)
        engine.sig_compared.connect(self._on_compared)
        engine.sig_compare_failed.connect(self._on_failed)
        self._update_buttons()

    def set_inputs(self, prompt: str, settings: dict) -> None:
        """The prompt and A's settings (the sampling panel's); B starts as a copy of A."""
        self.prompt, self.settings_a = prompt, settings
        sampling = settings["sampling"]
        self.a_label.setText(
            "\n".join(f"{label(SCHEMA[n])}: {sampling[n]:g}" for n in COMPARED)
            + "\n"
            + self.tr("seed: {0}").format(
                settings["seed"] if settings.get("seed") is not None else self.tr("random")
            )
        )
        if not self.running:
            for n, box in self.b_fields.items():
                box.setValue(sampling[n])

    def settings_b(self) -> dict:
        sampling = dict(self.settings_a["sampling"])
        for n, box in self.b_fields.items():
            sampling[n] = box.value()
        return {**self.settings_a, "sampling": sampling}

    def run(self) -> None:
        if self.running or not self.settings_a:
            return
        self.running, self.parting = True, None
        for v in self.views:
            v.start(self.prompt)
        self.result.setText(self.tr("Running A and B…"))
        self._update_buttons()
        self.engine.compare(self.prompt, self.settings_a, self.settings_b())

    def _update_buttons(self) -> None:
        self.run_button.setEnabled(not self.running)
        self.stop_button.setEnabled(self.running)

    def _on_events(self, side: int, batch: list) -> None:
        if not self.running:
            return
        tokens = [e for e in batch if type(e) is TokenEvent and e.sample == 0]
        self.views[side].append_tokens(tokens)
        for e in batch:
            if type(e) is DoneEvent and e.stop_reason == "cancelled":
                self.result.setText(self.tr("Stopped."))

    def _on_compared(self, parting: Parting, seed: int) -> None:
        if not self.running:
            return
        self.running, self.parting = False, parting
        self._update_buttons()
        if parting.step < 0:
            self.result.setText(
                self.tr("Seed {0}: A and B give the same tokens ({1}).").format(seed, parting.why)
            )
            return
        a, b = parting.token_a, parting.token_b
        stage = (
            self.tr("the stage that made the difference: <b>{0}</b> ({1} → {2})").format(
                stage_name(parting.stage), parting.setting_a, parting.setting_b
            )
            if parting.stage
            else self.tr("no sampling stage made the difference")
        )
        self.result.setText(
            self.tr(
                "Seed {0}: they part at token {1}, A <b>{2}</b> ({3}) and B <b>{4}</b> ({5}); "
                "{6}. {7}"
            ).format(
                seed,
                parting.step + 1,
                html.escape(show_text(a.text)),
                pct(a.prob),
                html.escape(show_text(b.text)),
                pct(b.prob),
                stage,
                html.escape(parting.why),
            )
        )
        for view in self.views:
            mark_token(view, parting.step)

    def _on_failed(self, message: str) -> None:
        if self.running:
            self.running = False
            self._update_buttons()
            self.result.setText(self.tr("The comparison could not run: {0}").format(message))


def mark_token(view: OutputView, i: int) -> bool:
    """Highlight generated token i of the view (False if it is not there)."""
    tokens = view.tokens()
    if not 0 <= i < len(tokens):
        return False
    start = view._starts[i]
    cursor = QTextCursor(view.document())
    cursor.setPosition(start)
    cursor.setPosition(start + max(1, qlen(tokens[i].text)), QTextCursor.MoveMode.KeepAnchor)
    fmt = QTextCharFormat()
    fmt.setBackground(_MARK)
    fmt.setFontUnderline(True)
    sel = QTextEdit.ExtraSelection()
    sel.cursor, sel.format = cursor, fmt
    view.setExtraSelections([sel])
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    return True
