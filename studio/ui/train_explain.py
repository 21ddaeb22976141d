"""Train, then explain: one token's next-token distribution at each saved snapshot, side by side.

A prompt and a position (the token at that position, given the ones before it; the last position
is the token after the prompt); the training process opens each snapshot of the run (and the
finished model) and sends back its top tokens, shown as one column per snapshot. The prompt's own
token is marked wherever it appears, with its probability in the last row."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.train_events import SnapshotTopK

TOP_K = 8
MARK = QColor("#ffe9a8")  # the prompt's own token


def _shown(token: str) -> str:
    return {"\n": "↵", " ": "␣", "\t": "⇥"}.get(token, token)


class ExplainPanel(QWidget):
    sig_explain = Signal(str, int, int)
    """Asked: (prompt, position, k)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText(self.tr("a prompt, e.g. the start of a line of the data"))
        self.position = QSpinBox()
        self.position.setRange(1, 1)
        self.position.setToolTip(
            self.tr("Which character: its distribution given the ones before it")
        )
        self.button = QPushButton(self.tr("Explain"))
        self.button.setEnabled(False)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Position")))
        row.addWidget(self.position)
        row.addStretch(1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Prompt")))
        layout.addWidget(self.prompt)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)

        self.prompt.textChanged.connect(self._prompt_changed)
        self.position.valueChanged.connect(self._say_which)
        self.button.clicked.connect(self._ask)
        self.prompt.returnPressed.connect(self._ask)
        self.set_available(False, self.tr("Snapshots appear here as a text model trains."))

    def set_available(self, available: bool, note: str = "") -> None:
        self._available = available
        self.button.setEnabled(available and bool(self.prompt.text()))
        self.note.setText(note)

    def _prompt_changed(self, text: str) -> None:
        at_end = self.position.value() >= self.position.maximum()
        self.position.setRange(1, max(1, len(text)))
        if at_end:
            self.position.setValue(self.position.maximum())
        self.button.setEnabled(self._available and bool(text))
        self._say_which()

    def which(self) -> str:
        """Which character the position names, in words."""
        text, pos = self.prompt.text(), self.position.value()
        if pos < len(text):
            which = self.tr("“%1” after “%2”").replace("%1", _shown(text[pos]))
            return which.replace("%2", text[:pos][-24:])
        return self.tr("the character after “%1”").replace("%1", text[-24:])

    def _say_which(self) -> None:
        if self.prompt.text() and self._available:
            self.note.setText(self.which())

    def _ask(self) -> None:
        if self.button.isEnabled():
            # characters are tokens here; position len(prompt) is the character after the prompt
            self.sig_explain.emit(self.prompt.text(), self.position.value(), TOP_K)

    def show_result(self, results: list[SnapshotTopK]) -> None:
        t = self.table
        t.clear()
        t.setColumnCount(len(results))
        t.setRowCount(TOP_K + 1)
        t.setHorizontalHeaderLabels(
            [self.tr("step %1").replace("%1", f"{r.step:,}") for r in results]
        )
        for c, r in enumerate(results):
            for row, (token, p) in enumerate(r.top):
                item = QTableWidgetItem(f"{_shown(token)}  {p:.1%}")
                if token == r.actual:
                    item.setBackground(QBrush(MARK))
                t.setItem(row, c, item)
            if r.actual is not None and r.actual_prob is not None:
                own = QTableWidgetItem(f"{_shown(r.actual)}  {r.actual_prob:.1%}")
                own.setBackground(QBrush(MARK))
                own.setToolTip(self.tr("The prompt's own character"))
                t.setItem(TOP_K, c, own)
        t.resizeColumnsToContents()
