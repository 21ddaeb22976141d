"""The model picker: bundled and user models, plus any model opened from a file or folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from studio.ui.model_card_dialog import summary_text


class ElidingCombo(QComboBox):
    """A combo box that ends a name too long for it with "…" (its tooltip and the open list
    show it whole) instead of cutting it off mid-letter."""

    def paintEvent(self, event) -> None:
        p = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        p.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        opt.currentText = self.fontMetrics().elidedText(
            opt.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        p.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)

    def showPopup(self) -> None:
        # the list as wide as its longest name, however narrow the box
        view = self.view()
        fm = view.fontMetrics()
        widest = max(
            (fm.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0
        )
        # room for the item's margins and a scroll bar
        view.setMinimumWidth(widest + 24 + view.verticalScrollBar().sizeHint().width())
        super().showPopup()


class ModelPicker(QWidget):
    """A list of models to choose from, and a button for the chosen model's card."""

    sig_model_chosen = Signal(str)
    """The person chose a model (its path)."""
    sig_card_requested = Signal()
    """The person asked to see the chosen model's card."""
    sig_open_requested = Signal()
    """The person asked to open a model file or folder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = ElidingCombo()
        self._help = self.tr(
            "The model that generates: bundled, from your model folder, or opened."
        )
        self.combo.setToolTip(self._help)
        # as wide as the column: long names are elided, not allowed to widen the window
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(12)
        self.combo.setPlaceholderText(self.tr("Looking for models…"))
        self.card_button = QPushButton(self.tr("Card…"))
        self.card_button.setToolTip(
            self.tr("Size, training data and license, and metrics of the model.")
        )
        self.open_button = QPushButton(self.tr("Open…"))
        self.open_button.setToolTip(
            self.tr("Open a model file or folder (or drop one on the window).")
        )
        self.state = QLabel()
        self.state.setObjectName("modelState")
        self.state.setWordWrap(True)
        # the list on a row of its own, as wide as the column, for the models' names
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.card_button)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addLayout(row)
        layout.addWidget(self.state)
        self._models: list[dict] = []
        self.combo.activated.connect(self._activated)
        self.combo.currentIndexChanged.connect(self._show_full_name)
        self.card_button.clicked.connect(self.sig_card_requested)
        self.open_button.clicked.connect(self.sig_open_requested)
        self.card_button.setEnabled(False)

    def set_models(self, models: list[dict]) -> None:
        """Show these models (dicts as the engine lists them), keeping any opened by path."""
        current = self.current_path()
        opened = [m for m in self._models if m.get("source") == "path"]
        self._models = []
        self.combo.clear()
        for m in list(models) + opened:
            self._add(m)
        if current:
            self.select_path(current)

    def _add(self, m: dict) -> None:
        if any(self.same_path(x["path"], m["path"]) for x in self._models):
            return
        self._models.append(m)
        where = {"bundled": self.tr("bundled"), "user": self.tr("yours"), "path": self.tr("opened")}
        label = f"{m.get('title') or m['name']}  ({where.get(m.get('source', ''), m.get('source', ''))})"
        self.combo.addItem(label, m["path"])
        facts = summary_text(m)
        tip = f"{m['path']}\n{facts}" if facts else m["path"]
        self.combo.setItemData(self.combo.count() - 1, tip, 3)  # ToolTipRole

    def add_model(self, m: dict) -> None:
        """Add (or update) a model that was opened by path and select it."""
        for i, x in enumerate(self._models):
            if self.same_path(x["path"], m["path"]):
                self._models[i] = {**x, **{k: v for k, v in m.items() if k != "source"}}
                self.select_path(m["path"])
                return
        self._add({**m, "source": m.get("source") or "path"})
        self.select_path(m["path"])

    def models(self) -> list[dict]:
        return list(self._models)

    def find(self, name: str = "", path: str = "") -> dict | None:
        for m in self._models:
            if path and self.same_path(m["path"], path):
                return m
        for m in self._models:
            if name and m["name"] == name:
                return m
        return None

    def select_path(self, path: str) -> bool:
        for i, m in enumerate(self._models):
            if self.same_path(m["path"], path):
                self.combo.setCurrentIndex(i)
                return True
        return False

    def current_path(self) -> str:
        i = self.combo.currentIndex()
        return self._models[i]["path"] if 0 <= i < len(self._models) else ""

    def current_info(self) -> dict | None:
        i = self.combo.currentIndex()
        return self._models[i] if 0 <= i < len(self._models) else None

    def _show_full_name(self, i: int) -> None:
        """The chosen model's whole name and where it is, above what the list is for."""
        if 0 <= i < len(self._models):
            m = self._models[i]
            facts = summary_text(m)
            facts = f"\n{facts}" if facts else ""
            self.combo.setToolTip(f"{self.combo.itemText(i)}\n{m['path']}{facts}\n\n{self._help}")
        else:
            self.combo.setToolTip(self._help)

    def set_listed(self) -> None:
        """The models are listed: with none chosen, the box asks for one."""
        self.combo.setPlaceholderText(self.tr("Choose a model…"))

    def clear_choice(self) -> None:
        """No model is chosen (the one asked for could not be opened)."""
        self.combo.setCurrentIndex(-1)

    def set_state(self, text: str) -> None:
        self.state.setText(text)
        self.state.setVisible(bool(text))

    def _activated(self, i: int) -> None:
        if 0 <= i < len(self._models):
            self.sig_model_chosen.emit(self._models[i]["path"])

    @staticmethod
    def same_path(a: str, b: str) -> bool:
        try:
            return Path(a).resolve() == Path(b).resolve()
        except OSError:
            return a == b
