"""The Train tab's form: what to start from, the data, the budget, the learning rate and the name;
it builds the `TrainSpec` the training process runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.core.paths import user_models_dir
from studio.core.train_events import TEXT_PRESETS, TrainSpec
from studio.core.train_files import checkpoint_path

# the model kind (as the picker lists it) each training kind can fine-tune
FINE_TUNES = {"text": "text-gpt", "digits": "image-pixelcnn", "emoji": "image-gpt"}


class TrainForm(QWidget):
    sig_changed = Signal()
    """The name or kind changed: whether there is a run to resume may have too."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._models: list[dict] = []
        # cadences of a run started here, in steps (tests make them short)
        self.eval_every, self.sample_every, self.snapshot_every = 50, 100, 100
        self.threads: int | None = None

        self.kind = QComboBox()
        for key, label in (
            ("text", self.tr("Text (characters)")),
            ("digits", self.tr("Digits (28×28)")),
            ("emoji", self.tr("Emoji (16×16)")),
        ):
            self.kind.addItem(label, key)
        self.start_from = QComboBox()
        for combo in (self.kind, self.start_from):  # long model titles never widen the window
            combo.setMinimumContentsLength(10)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.data = QLineEdit()
        self.data.setPlaceholderText(self.tr("a UTF-8 text file"))
        self.browse = QPushButton(self.tr("Browse…"))
        self.browse.clicked.connect(self._browse)
        self.budget = QSpinBox()
        self.budget.setRange(1, 10_000_000)
        self.budget.setValue(2000)
        self.budget.setGroupSeparatorShown(True)
        self.unit = QComboBox()
        self.unit.addItem(self.tr("steps"), "steps")
        self.unit.addItem(self.tr("minutes"), "minutes")
        self.lr = QLineEdit()
        self.lr.setValidator(QDoubleValidator(1e-7, 1.0, 8, self.lr))
        self.lr.setPlaceholderText(self.tr("the model's own"))
        self.lr.setToolTip(self.tr("Peak learning rate; empty: the size's own (3e-4 to fine-tune)"))
        self.name = QLineEdit("my-model")
        self.name.setToolTip(self.tr("Saved as NAME.safetensors in your model folder"))

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(self.tr("Model")), 0, 0)
        grid.addWidget(self.kind, 0, 1)
        grid.addWidget(QLabel(self.tr("Start from")), 0, 2)
        grid.addWidget(self.start_from, 0, 3)
        grid.addWidget(QLabel(self.tr("Data")), 1, 0)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data, 1)
        data_row.addWidget(self.browse)
        grid.addLayout(data_row, 1, 1, 1, 3)
        grid.addWidget(QLabel(self.tr("Budget")), 2, 0)
        budget_row = QHBoxLayout()
        budget_row.addWidget(self.budget, 1)
        budget_row.addWidget(self.unit)
        grid.addLayout(budget_row, 2, 1)
        grid.addWidget(QLabel(self.tr("Learning rate")), 2, 2)
        grid.addWidget(self.lr, 2, 3)
        grid.addWidget(QLabel(self.tr("Save as")), 3, 0)
        grid.addWidget(self.name, 3, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.name.textChanged.connect(self.sig_changed)
        self._kind_changed()

    # ---- models -------------------------------------------------------------------------------

    def set_models(self, models: list[dict]) -> None:
        """The picker's models: those of the chosen kind are offered to fine-tune."""
        self._models = list(models)
        self._fill_start_from()

    def _fill_start_from(self) -> None:
        kind = self.kind.currentData()
        keep = self.start_from.currentData()
        self.start_from.clear()
        if kind == "text":
            for preset in TEXT_PRESETS:
                self.start_from.addItem(self.tr("New model, %1").replace("%1", preset), preset)
        else:
            self.start_from.addItem(self.tr("New model"), "tiny")
        for m in self._models:
            if m.get("kind") == FINE_TUNES[kind] and str(m.get("path", "")).endswith(
                ".safetensors"
            ):
                title = m.get("title") or m.get("name")
                self.start_from.addItem(self.tr("Fine-tune %1").replace("%1", title), m["path"])
        i = self.start_from.findData(keep)
        self.start_from.setCurrentIndex(max(i, 0))

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.data.setPlaceholderText(
            {
                "text": self.tr("a UTF-8 text file"),
                "digits": self.tr("an MNIST folder"),
                "emoji": self.tr("a folder or .tar.gz of PNG images"),
            }[kind]
        )
        self._fill_start_from()
        self.sig_changed.emit()

    def _browse(self) -> None:
        kind = self.kind.currentData()
        if kind == "digits":
            path = QFileDialog.getExistingDirectory(self, self.tr("MNIST folder"))
        else:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Training data"))
        if path:
            self.data.setText(path)

    # ---- the run ------------------------------------------------------------------------------

    def out_path(self) -> Path:
        """Where the model goes: NAME.safetensors in the user's model folder (made if need be)."""
        name = self.name.text().strip() or "my-model"
        folder = user_models_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{Path(name).name}.safetensors"

    def can_resume(self) -> bool:
        return checkpoint_path(self.out_path()).is_file()

    def spec(self, resume: bool = False) -> TrainSpec:
        """The run the form describes; ValueError with one line when something is missing."""
        data = self.data.text().strip()
        if not data:
            raise ValueError(self.tr("Choose the training data first."))
        if not Path(data).exists():
            raise ValueError(self.tr("%1 does not exist.").replace("%1", data))
        start = self.start_from.currentData() or "tiny"
        fine_tune = start not in TEXT_PRESETS
        minutes = self.unit.currentData() == "minutes"
        lr_text = self.lr.text().strip().replace(",", ".")
        return TrainSpec(
            kind=self.kind.currentData(),
            data=data,
            out=str(self.out_path()),
            preset="tiny" if fine_tune else start,
            init_from=start if fine_tune else None,
            max_steps=10_000_000 if minutes else self.budget.value(),
            minutes=float(self.budget.value()) if minutes else None,
            lr=float(lr_text) if lr_text else None,
            resume=resume,
            eval_interval=self.eval_every,
            sample_every=self.sample_every,
            snapshot_every=self.snapshot_every,
            threads=self.threads,
        )
