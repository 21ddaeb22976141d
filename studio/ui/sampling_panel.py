"""The sampling panel: every knob of a run, presets, and the seed actually used.

Values are read into a plain settings dict (the engine's `GenerationSettings.to_dict()` shape) when a
run starts, so moving a slider during a run affects the next one.
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

from studio.ui.number_slider import NumberSlider

MAX_SEED = 2**63 - 1 - 64

# The engine's and the CLI's defaults: Reset gives exactly what `aigc-studio generate` does.
DEFAULTS = {
    "temperature": 0.8,
    "top_k": 0,
    "top_p": 1.0,
    "min_p": 0.0,
    "repetition_penalty": 1.0,
    "max_new_tokens": 200,
}
PRESETS = {
    "Greedy": {
        "temperature": 0.0,
        "top_k": 0,
        "top_p": 1.0,
        "min_p": 0.0,
        "repetition_penalty": 1.0,
    },
    "Balanced": {
        "temperature": 0.8,
        "top_k": 40,
        "top_p": 0.95,
        "min_p": 0.0,
        "repetition_penalty": 1.1,
    },
    "Creative": {
        "temperature": 1.1,
        "top_k": 0,
        "top_p": 0.98,
        "min_p": 0.05,
        "repetition_penalty": 1.0,
    },
}


def decode_stop(line: str) -> str:
    """One stop string as typed: \\n, \\t and \\\\ stand for newline, tab and backslash."""
    out, i = [], 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            nxt = line[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def encode_stop(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


class SamplingPanel(QWidget):
    """Temperature, top-k, top-p, min-p, repetition penalty, length, seed and stop strings."""

    sig_changed = Signal()
    """Any setting changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sliders: dict[str, NumberSlider] = {
            "temperature": NumberSlider(
                self.tr("Temperature"),
                0.0,
                2.0,
                0.01,
                DEFAULTS["temperature"],
                self.tr(
                    "Divides the scores before sampling: lower is safer, higher is wilder, 0 always takes the most likely token."
                ),
            ),
            "top_k": NumberSlider(
                self.tr("Top-k"),
                0,
                200,
                1,
                DEFAULTS["top_k"],
                self.tr("Samples only from the k most likely tokens (0 turns it off)."),
                integer=True,
            ),
            "top_p": NumberSlider(
                self.tr("Top-p"),
                0.01,
                1.0,
                0.01,
                DEFAULTS["top_p"],
                self.tr(
                    "Samples only from the most likely tokens that together hold this much probability (1 turns it off)."
                ),
            ),
            "min_p": NumberSlider(
                self.tr("Min-p"),
                0.0,
                1.0,
                0.01,
                DEFAULTS["min_p"],
                self.tr(
                    "Drops tokens less likely than this fraction of the most likely token (0 turns it off)."
                ),
            ),
            "repetition_penalty": NumberSlider(
                self.tr("Repetition penalty"),
                0.5,
                2.0,
                0.01,
                DEFAULTS["repetition_penalty"],
                self.tr(
                    "Makes tokens already in the text less likely when above 1 (1 turns it off)."
                ),
            ),
            "max_new_tokens": NumberSlider(
                self.tr("Max new tokens"),
                1,
                5000,
                1,
                DEFAULTS["max_new_tokens"],
                self.tr("Stops the run after this many generated tokens."),
                integer=True,
            ),
        }
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        presets = QHBoxLayout()
        self.preset_buttons: dict[str, QPushButton] = {}
        tips = {
            "Greedy": self.tr("Always the most likely token: the same text every time."),
            "Balanced": self.tr(
                "Moderate randomness with top-k, top-p and a light repetition penalty."
            ),
            "Creative": self.tr("More surprising text: a higher temperature kept sane by min-p."),
        }
        names = {
            "Greedy": self.tr("Greedy"),
            "Balanced": self.tr("Balanced"),
            "Creative": self.tr("Creative"),
        }
        for key in PRESETS:
            b = QPushButton(names[key])
            b.setToolTip(tips[key])
            b.clicked.connect(lambda _=False, k=key: self.apply_preset(k))
            presets.addWidget(b)
            self.preset_buttons[key] = b
        self.reset_button = QPushButton(self.tr("Reset"))
        self.reset_button.setToolTip(self.tr("Back to the defaults of aigc-studio generate."))
        self.reset_button.clicked.connect(self.reset)
        presets.addWidget(self.reset_button)
        layout.addLayout(presets)

        for s in self.sliders.values():
            layout.addWidget(s)
            s.sig_value_changed.connect(lambda _v: self.sig_changed.emit())

        seed_box = QGroupBox(self.tr("Seed"))
        sl = QVBoxLayout(seed_box)
        row = QHBoxLayout()
        self.seed_edit = QLineEdit("0")
        self.seed_edit.setToolTip(
            self.tr(
                "A fixed seed makes a run repeatable: same model, settings and seed, same text."
            )
        )
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
        self.seed_hint.setStyleSheet("color: #b00020; font-size: 11px;")
        self.seed_hint.setWordWrap(True)
        self.seed_hint.hide()
        sl.addWidget(self.seed_hint)
        layout.addWidget(seed_box)

        stop_box = QGroupBox(self.tr("Stop strings"))
        stl = QVBoxLayout(stop_box)
        self.stop_edit = QPlainTextEdit()
        self.stop_edit.setPlaceholderText(self.tr("one per line; \\n is a newline"))
        self.stop_edit.setToolTip(
            self.tr(
                "The run ends as soon as the text contains one of these (one per line, \\n for a newline)."
            )
        )
        self.stop_edit.setFixedHeight(56)
        self.stop_edit.textChanged.connect(self.sig_changed)
        stl.addWidget(self.stop_edit)
        layout.addWidget(stop_box)

        window_row = QHBoxLayout()
        self.context_label = QLabel(self.tr("Past the window"))
        self.context_combo = QComboBox()
        self.context_combo.addItem(self.tr("Slide (as nanoGPT, slow)"), "slide")
        self.context_combo.addItem(self.tr("Shift (fast)"), "shift")
        self.context_combo.setToolTip(
            self.tr(
                "When the text outgrows the model's context window: Slide drops one token per step, "
                "as nanoGPT does, and recomputes the whole window for every token; Shift keeps its "
                "newest half and goes on at full speed."
            )
        )
        self.context_combo.currentIndexChanged.connect(lambda _i: self.sig_changed.emit())
        window_row.addWidget(self.context_label)
        window_row.addWidget(self.context_combo, 1)
        layout.addLayout(window_row)
        layout.addStretch(1)
        self._used_seed: int | None = None
        self._random_toggled(True)

    # ---- reading and writing ------------------------------------------------------------------

    def generation_settings(self) -> dict | None:
        """The settings for the next run (GenerationSettings.to_dict() shape), or None if the seed is
        not valid (the hint says why)."""
        seed = None
        if not self.random_seed.isChecked():
            seed = self._parse_seed(self.seed_edit.text())
            if seed is None:
                self._seed_edited()
                return None
        v = {k: s.value() for k, s in self.sliders.items()}
        stops = [decode_stop(x) for x in self.stop_edit.toPlainText().split("\n") if x]
        return {
            "sampling": {
                "temperature": float(v["temperature"]),
                "top_k": int(v["top_k"]),
                "top_p": float(v["top_p"]),
                "min_p": float(v["min_p"]),
                "repetition_penalty": float(v["repetition_penalty"]),
            },
            "max_new_tokens": int(v["max_new_tokens"]),
            "seed": seed,
            "stop": stops,
            "ignore_eos": False,
            "num_samples": 1,
            "top_n": 5,
            "context": self.context_combo.currentData(),
        }

    def set_generation_settings(self, d: dict) -> None:
        """Show settings from a run or the saved settings; unknown or bad values are skipped."""
        sampling = d.get("sampling") or {}
        for k in ("temperature", "top_k", "top_p", "min_p", "repetition_penalty"):
            if isinstance(sampling.get(k), (int, float)) and not isinstance(sampling.get(k), bool):
                self.sliders[k].set_value(sampling[k])
        if isinstance(d.get("max_new_tokens"), int):
            self.sliders["max_new_tokens"].set_value(d["max_new_tokens"])
        seed = d.get("seed")
        if isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed <= MAX_SEED:
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
        self.stop_edit.setEnabled(on)
        self.context_combo.setEnabled(on)

    def apply_preset(self, name: str) -> None:
        for k, v in PRESETS[name].items():
            self.sliders[k].set_value(v)

    def reset(self) -> None:
        for k, v in DEFAULTS.items():
            self.sliders[k].set_value(v)
        self.random_seed.setChecked(True)
        self.stop_edit.setPlainText("")
        self.context_combo.setCurrentIndex(0)

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
    def _parse_seed(text: str) -> int | None:
        try:
            v = int(text.strip())
        except ValueError:
            return None
        return v if 0 <= v <= MAX_SEED else None

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
