"""The sampling stages of one token, and a look inside it (the Attention and Logit lens tabs,
attention_view.py and lens_view.py): a table whose columns are the next-token distribution after
each stage of the chain (the model's, then repetition penalty, temperature, top-k, top-p, min-p),
whose rows are the leading tokens, each cell a bar of its probability there. The drawn token's row
is marked; a token a stage cuts shows a dash from there on."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.io.display_format import pct, show_text, stage_table_rows
from studio.ui.attention_view import AttentionView
from studio.ui.bar_delegate import PROB_ROLE, bar_table
from studio.ui.data_words import stage_name
from studio.ui.lens_view import LensView


class StagesDialog(QDialog):
    """Not modal: stays open beside the window and shows whichever token was clicked last.
    Previous and Next (or the Left and Right keys) step through the run a token at a time."""

    sig_step = Signal(int)
    """Show the token this many steps away (-1 previous, +1 next)."""
    sig_inspect_wanted = Signal()
    """The Attention or Logit lens tab was chosen: its numbers are wanted for the token shown."""
    sig_branch_wanted = Signal(int, int)
    """Branch here: (the token's step, the id of the token chosen in the table instead)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sampling stages"))
        self.resize(760, 480)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.explain = QLabel(
            self.tr(
                "Each column is the distribution of the next token after one stage of the sampling "
                "chain, left to right; the token was drawn from the last. A dash: that stage cut "
                "the token."
            )
        )
        self.explain.setWordWrap(True)
        self.table = bar_table()
        # a row is chosen for Branch here
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.previous_button = buttons.addButton(
            self.tr("◀ Previous"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.next_button = buttons.addButton(
            self.tr("Next ▶"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.branch_button = buttons.addButton(
            self.tr("Branch here"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.branch_button.setToolTip(
            self.tr(
                "Put the token chosen in the table in place of this one, and generate on from "
                "there with the same settings (the run stays)."
            )
        )
        self.branch_button.setEnabled(False)
        self.branch_button.clicked.connect(self._branch)
        self._row_ids: list[int] = []  # the token id of each table row
        self._step = self._chosen = -1
        self.table.itemSelectionChanged.connect(self._update_branch)
        self.previous_button.setToolTip(self.tr("The token before this one (Left)"))
        self.next_button.setToolTip(self.tr("The token after this one (Right)"))
        self.previous_button.clicked.connect(lambda: self.sig_step.emit(-1))
        self.next_button.clicked.connect(lambda: self.sig_step.emit(1))
        for key, delta in ((Qt.Key.Key_Left, -1), (Qt.Key.Key_Right, 1)):
            QShortcut(QKeySequence(key), self, lambda d=delta: self.sig_step.emit(d))
        stages = QWidget()
        inner = QVBoxLayout(stages)
        inner.addWidget(self.explain)
        inner.addWidget(self.table, 1)
        self.attention_view = AttentionView()
        self.lens_view = LensView()
        self.tabs = QTabWidget()
        self.tabs.addTab(stages, self.tr("Sampling stages"))
        self.tabs.addTab(self.attention_view, self.tr("Attention"))
        self.tabs.addTab(self.lens_view, self.tr("Logit lens"))
        self.tabs.currentChanged.connect(
            lambda i: self.sig_inspect_wanted.emit() if i > 0 else None
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    def wants_inspection(self) -> bool:
        """The Attention or Logit lens tab is shown (so a token's insides are wanted)."""
        return self.tabs.currentIndex() > 0

    def show_inspecting(self, after_run: bool = False) -> None:
        when = self.tr("Computing once the run ends…") if after_run else self.tr("Computing…")
        self.attention_view.show_message(when)
        self.lens_view.show_message(when)

    def show_inspection(self, inspection) -> None:
        """A core.inspection.Inspection of the token shown."""
        if inspection.attention is not None:
            self.attention_view.show_inspection(inspection)
        if inspection.lens is not None:
            self.lens_view.show_inspection(inspection)

    def show_inspect_failure(self, message: str) -> None:
        said = self.tr("The token could not be looked inside: {0}").format(message)
        self.attention_view.show_message(said)
        self.lens_view.show_message(said)

    def set_position(self, step: int, count: int) -> None:
        """Token `step` of `count` is shown: Previous and Next go as far as the run does."""
        self.previous_button.setEnabled(step > 0)
        self.next_button.setEnabled(step < count - 1)

    def show_loading(self, step: int, text: str, after_run: bool = False) -> None:
        """Say what is coming; `after_run`: the engine is busy with a run and computes it next."""
        when = self.tr("computing once the run ends…") if after_run else self.tr("computing…")
        self.title.setText(
            self.tr("Token {0}: <b>{1}</b> — {2}").format(
                step + 1, html.escape(show_text(text)), when
            )
        )
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self._row_ids = []
        self.branch_button.setEnabled(False)
        self.show_inspecting(after_run)

    def show_failure(self, message: str) -> None:
        self.title.setText(
            self.tr("The sampling stages could not be computed: {0}").format(message)
        )

    def show_stages(self, step: int, chosen: int, stages: list) -> None:
        """stages: the engine's StageDistribution list for token `step`, whose id is `chosen`."""
        last, first = stages[-1], stages[0]
        text = first.chosen.text
        self.title.setText(
            self.tr(
                "Token {0}: <b>{1}</b> — drawn with probability {2}; the model gave it {3}"
            ).format(
                step + 1,
                html.escape(show_text(text)),
                pct(last.chosen_prob),
                pct(first.chosen_prob),
            )
        )
        rows = stage_table_rows(stages)
        self._row_ids, self._step, self._chosen = [i for i, _ in rows], step, chosen
        t = self.table
        t.clear()
        t.setColumnCount(len(stages))
        t.setRowCount(len(rows) + 2)
        t.setHorizontalHeaderLabels(
            [stage_name(s.name) + (f"\n{s.setting}" if s.setting else "\n") for s in stages]
        )
        bold = QFont(t.font())
        bold.setBold(True)
        labels = []
        for row, (i, token_text) in enumerate(rows):
            mark = "▶ " if i == chosen else ""
            labels.append(mark + show_text(token_text))
            for col, s in enumerate(stages):
                p = s.probs[i]
                item = QTableWidgetItem(pct(p) if p > 0 else "–")
                item.setData(PROB_ROLE, float(p))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if i == chosen:
                    item.setFont(bold)
                t.setItem(row, col, item)
        labels += [self.tr("tokens kept"), self.tr("entropy (nats)")]
        for col, s in enumerate(stages):
            for row, value in ((len(rows), str(s.kept)), (len(rows) + 1, f"{s.entropy:.2f}")):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setForeground(self.palette().placeholderText())
                t.setItem(row, col, item)
        t.setVerticalHeaderLabels(labels)

    def branch_choice(self) -> int | None:
        """The token id of the row selected, if it is another token than the one drawn."""
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        if not 0 <= row < len(self._row_ids) or self._row_ids[row] == self._chosen:
            return None
        return self._row_ids[row]

    def _update_branch(self) -> None:
        self.branch_button.setEnabled(self.branch_choice() is not None)

    def _branch(self) -> None:
        choice = self.branch_choice()
        if choice is not None:
            self.sig_branch_wanted.emit(self._step, choice)

    def cell_text(self, token_row: int, stage: int) -> str:
        item = self.table.item(token_row, stage)
        return item.text() if item else ""
