"""The history panel: past runs (time, model, first words), a search box, restore, delete, export."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.io.history import HistoryStore
from studio.ui.data_words import stop_reason


class HistoryPanel(QWidget):
    """Lists the runs stored in the history database (its own read connection, GUI thread)."""

    sig_run_selected = Signal(int)
    """The person selected a run to restore (its history id)."""
    sig_export_requested = Signal(int)
    """The person asked to export a run from the history (its id)."""

    def __init__(self, store: HistoryStore | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: HistoryStore | None = store
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search history…"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.delete_button = QPushButton(self.tr("Delete"))
        self.delete_button.setToolTip(self.tr("Delete the selected run from the history."))
        self.export_button = QPushButton(self.tr("Export…"))
        self.export_button.setToolTip(self.tr("Export the selected run to .txt, .md or .json."))
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self._export)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.refresh()

    def detach(self) -> None:
        """Stop using the store (the window is closing and closes it)."""
        self._debounce.stop()
        self.store = None

    def refresh(self) -> None:
        if self.store is None:
            return
        selected = self.selected_id()
        self.list.clear()
        for row in self.store.list(self.search.text().strip()):
            when = dt.datetime.fromtimestamp(row.created).strftime("%Y-%m-%d %H:%M")
            words = row.first_words or self.tr("(empty)")
            head = f"{when} · {row.model_title}"
            if row.branches:  # a tree: the run and the branches made from it
                head += " · " + (
                    self.tr("1 branch")
                    if row.branches == 1
                    else self.tr("{0} branches").format(row.branches)
                )
            item = QListWidgetItem(f"{head}\n{words}")
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            unit = self.tr("pixels") if row.kind == "image" else self.tr("tokens")
            item.setToolTip(
                self.tr("{0} {1}, stopped by {2}").format(
                    row.tokens, unit, stop_reason(row.stop_reason)
                )
            )
            self.list.addItem(item)
            if row.id == selected:
                self.list.setCurrentItem(item)
        self._update_buttons()

    def selected_id(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def select_id(self, run_id: int) -> bool:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if int(item.data(Qt.ItemDataRole.UserRole)) == run_id:
                self.list.setCurrentItem(item)
                return True
        return False

    def delete_selected(self) -> None:
        run_id = self.selected_id()
        if run_id is not None and self.store is not None:
            self.store.delete(run_id)
            self.refresh()

    def _clicked(self, item: QListWidgetItem) -> None:
        self.sig_run_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _export(self) -> None:
        run_id = self.selected_id()
        if run_id is not None:
            self.sig_export_requested.emit(run_id)

    def _update_buttons(self) -> None:
        on = self.selected_id() is not None
        self.delete_button.setEnabled(on)
        self.export_button.setEnabled(on)
