"""The sampling panel: every knob of a text run, presets, and the seed actually used.

Ranges, steps, defaults, tooltips and presets come from the settings schema (`studio.settings`), so
the panel accepts what `aigc-studio generate` accepts and Reset gives what it runs without flags.
When a run starts, the panel builds the frozen `GenerationSettings` here, on the GUI thread: a bad
value is refused with a message before anything runs. The run receives its `to_dict()`, so moving a
slider during a run affects the next one.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.settings import (
    MAX_SEED,
    PRESETS,
    SCHEMA,
    GenerationSettings,
    SettingsError,
    decode_stop,
    encode_stop,
)
from studio.settings.model_defaults import model_sampling
from studio.ui.number_slider import NumberSlider
from studio.ui.setting_texts import describe, preset_help

SLIDERS = ("temperature", "top_k", "top_p", "min_p", "repetition_penalty", "max_new_tokens")
"""The settings shown as sliders, in this order (their schema entries give range and help)."""
PRESET_BUTTONS = ("Greedy", "Balanced", "Creative")  # Reset has its own button, at the end
ERROR_STYLE = "color: #b00020; font-size: 11px;"


class SamplingPanel(QWidget):
    """Temperature, top-k, top-p, min-p, repetition penalty, length, seed and stop strings."""

    sig_changed = Signal()
    """Any setting changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        labels = {  # as the window names them, translatable
            "temperature": self.tr("Temperature"),
            "top_k": self.tr("Top-k"),
            "top_p": self.tr("Top-p"),
            "min_p": self.tr("Min-p"),
            "repetition_penalty": self.tr("Repetition penalty"),
            "max_new_tokens": self.tr("Max new tokens"),
        }
        self.sliders: dict[str, NumberSlider] = {
            name: NumberSlider.for_setting(SCHEMA[name], labels[name], describe(SCHEMA[name]))
            for name in SLIDERS
        }
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.problem_label = QLabel()  # why the last run was refused, until it is fixed
        self.problem_label.setStyleSheet(ERROR_STYLE)
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        layout.addWidget(self.problem_label)

        presets = QHBoxLayout()
        self.preset_buttons: dict[str, QPushButton] = {}
        names = {
            "Greedy": self.tr("Greedy"),
            "Balanced": self.tr("Balanced"),
            "Creative": self.tr("Creative"),
        }
        for key in PRESET_BUTTONS:
            b = QPushButton(names[key])
            b.setToolTip(preset_help(key))
            b.clicked.connect(lambda _=False, k=key: self.apply_preset(k))
            presets.addWidget(b)
            self.preset_buttons[key] = b
        self.reset_button = QPushButton(self.tr("Reset"))
        self.reset_button.setToolTip(preset_help("Reset"))
        self.reset_button.clicked.connect(self.reset)
        presets.addWidget(self.reset_button)
        # the loaded model's own defaults (its generation_config.json), when it has them
        self.model_button = QPushButton(self.tr("Model's"))
        self.model_button.clicked.connect(self.apply_model_defaults)
        self.model_button.hide()
        self._model_values: dict | None = None
        presets.addWidget(self.model_button)
        for b in (*self.preset_buttons.values(), self.reset_button, self.model_button):
            # as narrow as their words (the style's 80 px each would widen the column)
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 18)
        layout.addLayout(presets)

        for s in self.sliders.values():
            layout.addWidget(s)
            s.sig_value_changed.connect(lambda _v: self.sig_changed.emit())

        seed_box = QGroupBox(self.tr("Seed"))
        sl = QVBoxLayout(seed_box)
        row = QHBoxLayout()
        self.seed_edit = QLineEdit("0")
        self.seed_edit.setToolTip(describe(SCHEMA["seed"]))
        self.random_seed = QCheckBox(self.tr("Random"))
        self.random_seed.setToolTip(self.tr("Draw a new seed for every run."))
        self.random_seed.setChecked(True)
        self.random_seed.toggled.connect(self._random_toggled)
        self.seed_edit.editingFinished.connect(self._seed_edited)
        row.addWidget(self.seed_edit, 1)
        row.addWidget(self.random_seed)
        sl.addLayout(row)
        used = QHBoxLayout()
        self.used_seed_label = QLabel(self.tr("Seed used: –"))
        self.used_seed_label.setToolTip(self.tr("The seed the last run actually used."))
        self.copy_seed = QPushButton(self.tr("Copy"))
        self.copy_seed.setToolTip(self.tr("Copy the seed used to the clipboard."))
        self.pin_seed = QPushButton(self.tr("Pin"))
        self.pin_seed.setToolTip(self.tr("Fix the seed to the one used, to repeat the last run."))
        self.copy_seed.clicked.connect(self._copy_seed)
        self.pin_seed.clicked.connect(self._pin_seed)
        for w in (self.copy_seed, self.pin_seed):
            w.setEnabled(False)
        used.addWidget(self.used_seed_label, 1)
        used.addWidget(self.copy_seed)
        used.addWidget(self.pin_seed)
        sl.addLayout(used)
        self.seed_hint = QLabel()
        self.seed_hint.setStyleSheet(ERROR_STYLE)
        self.seed_hint.setWordWrap(True)
        self.seed_hint.hide()
        sl.addWidget(self.seed_hint)
        layout.addWidget(seed_box)

        self.stop_box = stop_box = QGroupBox(self.tr("Stop strings"))
        stl = QVBoxLayout(stop_box)
        self.stop_edit = QPlainTextEdit()
        self.stop_edit.setPlaceholderText(self.tr("one per line; \\n is a newline"))
        self.stop_edit.setToolTip(self.tr("One per line. ") + describe(SCHEMA["stop"]))
        self.stop_edit.setFixedHeight(56)
        self.stop_edit.textChanged.connect(self.sig_changed)
        stl.addWidget(self.stop_edit)
        layout.addWidget(stop_box)

        window_row = QHBoxLayout()
        self.context_label = QLabel(self.tr("Past the window"))
        self.context_combo = QComboBox()
        # narrower than its longest choice when the column is (the open list shows it whole)
        self.context_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.context_combo.setMinimumContentsLength(8)
        context_names = {
            "shift": self.tr("Shift (fast)"),
            "slide": self.tr("Slide (as nanoGPT, slow)"),
        }
        for mode in SCHEMA["context"].choices:
            self.context_combo.addItem(context_names.get(mode, mode), mode)
        self.context_combo.setCurrentIndex(self.context_combo.findData(SCHEMA["context"].default))
        self.context_combo.setToolTip(describe(SCHEMA["context"]))
        self.context_combo.currentIndexChanged.connect(lambda _i: self.sig_changed.emit())
        window_row.addWidget(self.context_label)
        window_row.addWidget(self.context_combo, 1)
        layout.addLayout(window_row)
        layout.addStretch(1)
        self._used_seed: int | None = None
        self._random_toggled(True)
        self.sig_changed.connect(self.problem_label.hide)  # a refusal stays until something changes

    # ---- reading and writing ------------------------------------------------------------------

    def generation_settings(self) -> dict | None:
        """The settings for the next run (`GenerationSettings.to_dict()`), or None if a value
        cannot be used (the panel says why)."""
        settings = self.run_settings()
        return None if settings is None else settings.to_dict()

    def run_settings(self) -> GenerationSettings | None:
        """The frozen settings for a run starting now, built and checked against the schema here;
        None (with the reason shown in the panel) if a value cannot be used. A value typed but
        not yet confirmed is taken, or refused, first."""
        for s in self.sliders.values():
            problem = s.commit_typed()
            if problem:
                return self._refuse(problem)
        seed = None
        if not self.random_seed.isChecked():
            seed = self._parse_seed(self.seed_edit.text())
            if seed is None:
                self._seed_edited()
                return self._refuse(self.seed_hint.text())
        values: dict = {k: s.value() for k, s in self.sliders.items()}
        values["seed"] = seed
        values["stop"] = [decode_stop(x) for x in self.stop_edit.toPlainText().split("\n") if x]
        values["context"] = self.context_combo.currentData()
        try:
            settings = GenerationSettings.from_values(values)
        except SettingsError as e:
            return self._refuse(str(e))
        self.problem_label.hide()
        return settings

    def _refuse(self, problem: str) -> None:
        self.problem_label.setText(self.tr("The run did not start: {0}").format(problem))
        self.problem_label.show()
        return None

    def problem(self) -> str | None:
        """Why the last run was refused, while that is still on show."""
        return self.problem_label.text() if not self.problem_label.isHidden() else None

    def set_generation_settings(self, d: dict) -> None:
        """Show settings from a run or the saved settings; unknown or bad values are skipped."""
        sampling = d.get("sampling") or {}
        for k in ("temperature", "top_k", "top_p", "min_p", "repetition_penalty"):
            if isinstance(sampling.get(k), (int, float)) and not isinstance(sampling.get(k), bool):
                self.sliders[k].set_value(sampling[k])
        if isinstance(d.get("max_new_tokens"), int):
            self.sliders["max_new_tokens"].set_value(d["max_new_tokens"])
        seed = d.get("seed")
        if self._valid_seed(seed):
            self.seed_edit.setText(str(seed))
            self.random_seed.setChecked(False)
        elif "seed" in d and seed is None:
            self.random_seed.setChecked(True)
        stops = d.get("stop")
        if isinstance(stops, list):
            self.stop_edit.setPlainText("\n".join(encode_stop(str(s)) for s in stops))
        i = self.context_combo.findData(d.get("context"))
        if i >= 0:
            self.context_combo.setCurrentIndex(i)

    def set_text_controls_enabled(self, on: bool) -> None:
        """Grey out what applies to text only (the image workspace uses the sampling stages and the
        seed)."""
        for k in ("repetition_penalty", "max_new_tokens"):
            self.sliders[k].setEnabled(on)
        # the whole box and row, so their titles grey out too, as the sliders' names do
        self.stop_box.setEnabled(on)
        self.context_label.setEnabled(on)
        self.context_combo.setEnabled(on)

    def apply_preset(self, name: str) -> None:
        for k, v in PRESETS[name].values.items():
            if k in self.sliders:
                self.sliders[k].set_value(v)

    def set_model_defaults(self, defaults: object) -> None:
        """The loaded model's sampling defaults (its card's `sampling_defaults`), offered as the
        Model's button; hidden for a model without them."""
        self._model_values = model_sampling(defaults)
        self.model_button.setVisible(self._model_values is not None)
        if self._model_values is not None:
            shown = ", ".join(f"{k} {v:g}" for k, v in self._model_values.items())
            self.model_button.setToolTip(
                self.tr("The model's defaults, from its generation_config.json: {0}").format(shown)
            )

    def apply_model_defaults(self) -> None:
        for k, v in (self._model_values or {}).items():
            self.sliders[k].set_value(v)

    def reset(self) -> None:
        """Every value back to the schema's defaults: what `aigc-studio generate` runs with."""
        self.apply_preset("Reset")
        reset = PRESETS["Reset"].values
        self.random_seed.setChecked(reset["seed"] is None)
        self.stop_edit.setPlainText("\n".join(encode_stop(x) for x in reset["stop"]))
        self.context_combo.setCurrentIndex(self.context_combo.findData(reset["context"]))
        self.problem_label.hide()

    # ---- seed ---------------------------------------------------------------------------------

    def set_used_seed(self, seed: int) -> None:
        self._used_seed = seed
        self.used_seed_label.setText(self.tr("Seed used: {0}").format(seed))
        self.copy_seed.setEnabled(True)
        self.pin_seed.setEnabled(True)

    def used_seed(self) -> int | None:
        return self._used_seed

    def _copy_seed(self) -> None:
        if self._used_seed is not None:
            QGuiApplication.clipboard().setText(str(self._used_seed))

    def _pin_seed(self) -> None:
        if self._used_seed is not None:
            self.seed_edit.setText(str(self._used_seed))
            self.random_seed.setChecked(False)
            self.seed_hint.hide()

    def _random_toggled(self, on: bool) -> None:
        self.seed_edit.setEnabled(not on)
        self.seed_hint.hide()
        self.sig_changed.emit()

    @staticmethod
    def _valid_seed(seed: object) -> bool:
        try:
            return SCHEMA["seed"].check(seed) is not None
        except SettingsError:
            return False

    @classmethod
    def _parse_seed(cls, text: str) -> int | None:
        try:
            v = int(text.strip())
        except ValueError:
            return None
        return v if cls._valid_seed(v) else None

    def _seed_edited(self) -> None:
        if self._parse_seed(self.seed_edit.text()) is None:
            self.seed_hint.setText(
                self.tr("The seed must be a whole number from 0 to {0}.").format(MAX_SEED)
            )
            self.seed_hint.show()
            self.seed_edit.setStyleSheet("border: 1px solid #b00020;")
        else:
            self.seed_hint.hide()
            self.seed_edit.setStyleSheet("")
            self.sig_changed.emit()
