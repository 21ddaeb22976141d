"""Step mode's view ("you are the sampler"): the token the run would draw next, paused. The
stages top to bottom, each with the tokens it removed still listed, greyed, in rank order; the
cumulative bar of the final distribution with the uniform number u of the draw; the candidates to
pick from. Accept (Enter), Pick (a double-click on a candidate), Step again (F10), Run on (F5)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.step import StepOutcome
from studio.io.display_format import pct, show_text
from studio.ui.cumulative_bar import CumulativeBar
from studio.ui.data_words import stage_name, stop_reason

ID_ROLE = Qt.ItemDataRole.UserRole
REMOVED_LISTED = 8  # removed tokens listed under each stage, most likely first


class StepDialog(QDialog):
    """Not modal: beside the window while the person steps through a run."""

    sig_accept = Signal()
    """Take the drawn token."""
    sig_pick = Signal(int)
    """Take this token instead of the drawn one."""
    sig_step = Signal()
    """Take the drawn token (if not taken yet) and show the next."""
    sig_run_on = Signal()
    """Take the drawn token (if not taken yet) and run on as an ordinary run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Step mode"))
        self.resize(820, 560)
        self.outcome: StepOutcome | None = None
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.bar_label = QLabel(
            self.tr(
                "The final distribution as a bar, most likely token first; the draw's number u "
                "falls in the drawn token's slice."
            )
        )
        self.bar_label.setWordWrap(True)
        self.bar = CumulativeBar()
        self.stages = QTreeWidget()
        self.stages.setHeaderLabels([self.tr("Stage"), self.tr("Kept"), self.tr("Entropy")])
        self.stages.setRootIsDecorated(True)
        self.stages.setColumnWidth(0, 300)
        self.choices = QListWidget()
        self.choices.setToolTip(
            self.tr("The tokens you may take, most likely first; double-click one to pick it.")
        )
        self.choices.itemDoubleClicked.connect(lambda _: self._pick_selected())
        # a token a stage removed may be picked too: you are the sampler
        self.stages.itemDoubleClicked.connect(self._pick_removed)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.stages_label = QLabel(self.tr("Stages, and the tokens each removed (greyed)"))
        lv.addWidget(self.stages_label)
        lv.addWidget(self.stages, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.choices_label = QLabel(self.tr("Candidates"))
        rv.addWidget(self.choices_label)
        rv.addWidget(self.choices, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.accept_button = buttons.addButton(self.tr("Accept"), role)
        self.accept_button.setToolTip(self.tr("Take the drawn token (Enter)."))
        self.pick_button = buttons.addButton(self.tr("Pick"), role)
        self.pick_button.setToolTip(self.tr("Take the candidate selected instead (double-click)."))
        self.step_button = buttons.addButton(self.tr("Step again"), role)
        self.step_button.setToolTip(self.tr("Take the drawn token and show the next one (F10)."))
        self.run_on_button = buttons.addButton(self.tr("Run on"), role)
        self.run_on_button.setToolTip(
            self.tr("Take the drawn token and go on as an ordinary run with the same seed (F5).")
        )
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        self.accept_button.clicked.connect(self.sig_accept)
        self.pick_button.clicked.connect(self._pick_selected)
        self.step_button.clicked.connect(self.sig_step)
        self.run_on_button.clicked.connect(self.sig_run_on)
        for key, signal in ((Qt.Key.Key_F10, self.sig_step), (Qt.Key.Key_F5, self.sig_run_on)):
            QShortcut(QKeySequence(key), self, signal.emit)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self, self._enter)

        row = QHBoxLayout()
        row.addWidget(self.bar_label, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.bar)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.set_busy(True)

    def _enter(self) -> None:
        """Enter takes the candidate selected in the list when it has the focus, else accepts
        the drawn token (the drawn one selected is the same as accepting it)."""
        item = self.choices.currentItem()
        o = self.outcome
        if not self.accept_button.isEnabled() or o is None:
            return
        if self.choices.hasFocus() and item is not None and item.data(ID_ROLE) != o.drawn.id:
            self._pick_selected()
        else:
            self.sig_accept.emit()

    def set_busy(self, busy: bool, taken: bool = False) -> None:
        """Busy: a step is being computed (nothing to take); taken: the token shown is taken."""
        ready = not busy and self.outcome is not None
        more = ready and not self.outcome.ends  # type: ignore[union-attr]
        self.accept_button.setEnabled(ready and not taken)
        self.pick_button.setEnabled(ready and not taken)
        self.step_button.setEnabled(ready and (more or not taken))
        self.run_on_button.setEnabled(ready and more)

    def show_computing(self, step: int) -> None:
        self.title.setText(self.tr("Token {0}: computing…").format(step + 1))
        self.set_busy(True)

    def show_failure(self, message: str) -> None:
        self.title.setText(self.tr("The step could not be computed: {0}").format(message))
        self.outcome = None
        self.set_busy(True)

    def show_outcome(self, o: StepOutcome) -> None:
        """The next token, drawn and not yet taken."""
        self.outcome = o
        drawn = html.escape(show_text(o.drawn.text))
        if o.u is None:
            how = self.tr("greedy: the most likely token, no draw")
        else:
            how = self.tr("u = {0:.4f} (seed {1}, step {2})").format(o.u, o.seed, o.step)
        self.title.setText(
            self.tr("Token {0}: drawn <b>{1}</b> with probability {2} — {3}").format(
                o.step + 1, drawn, pct(o.drawn.prob), how
            )
        )
        self.bar.show_bar(o.bar, o.bar_rest, o.u, o.drawn.id)
        self._fill_stages(o)
        self._fill_choices(o)
        self.set_busy(False)

    def show_taken(self, o: StepOutcome) -> None:
        """The token of `o` is in the text now (drawn or picked)."""
        named = {c.id: c.text for s in o.stages for c in (*s.top, *s.removed)}
        named.update({c.id: c.text for c in o.bar})
        token = html.escape(show_text(named.get(o.event.id, o.event.text)))
        how = self.tr("picked by hand") if o.hand else self.tr("accepted")
        said = self.tr("Token {0} {1}: <b>{2}</b>.").format(o.step + 1, how, token)
        if o.ends:
            said += " " + self.tr("The run ends here ({0}).").format(stop_reason(o.ends))
        else:
            said += " " + self.tr("Step again (F10) or run on (F5).")
        self.title.setText(said)
        self.set_busy(False, taken=True)

    def _fill_stages(self, o: StepOutcome) -> None:
        t = self.stages
        t.clear()
        grey = self.palette().placeholderText()
        for s in o.stages:
            name = stage_name(s.name) + (f" {s.setting}" if s.setting else "")
            if s.removed_count:
                name += "  " + self.tr("(removed {0})").format(s.removed_count)
            item = QTreeWidgetItem([name, str(s.kept), f"{s.entropy:.2f}"])
            for c in s.removed[:REMOVED_LISTED]:
                child = QTreeWidgetItem([f"{show_text(c.text)}   {pct(c.prob)}", "", ""])
                child.setForeground(0, grey)
                child.setData(0, ID_ROLE, c.id)
                item.addChild(child)
            listed = min(len(s.removed), REMOVED_LISTED)
            if s.removed_count > listed:
                more = QTreeWidgetItem(
                    [self.tr("… and {0} more").format(s.removed_count - listed), "", ""]
                )
                more.setForeground(0, grey)
                item.addChild(more)
            t.addTopLevelItem(item)
            item.setExpanded(bool(s.removed))

    def _fill_choices(self, o: StepOutcome) -> None:
        c = self.choices
        c.clear()
        bold = QFont(c.font())
        bold.setBold(True)
        for cand in o.bar:
            item = QListWidgetItem(f"{show_text(cand.text)}   {pct(cand.prob)}")
            item.setData(ID_ROLE, cand.id)
            if cand.id == o.drawn.id:
                item.setFont(bold)
            c.addItem(item)
        c.setCurrentRow(next((i for i, x in enumerate(o.bar) if x.id == o.drawn.id), 0))

    def choice_ids(self) -> list[int]:
        return [self.choices.item(i).data(ID_ROLE) for i in range(self.choices.count())]

    def _pick_selected(self) -> None:
        item = self.choices.currentItem()
        if item is not None and self.pick_button.isEnabled():
            self.sig_pick.emit(int(item.data(ID_ROLE)))

    def _pick_removed(self, item: QTreeWidgetItem, _column: int) -> None:
        token = item.data(0, ID_ROLE)
        if token is not None and self.pick_button.isEnabled():
            self.sig_pick.emit(int(token))
