"""Run > Precision: choosing int8 opens the model again in int8, says so in the status bar and
the card, and is remembered by the next window."""

from __future__ import annotations

import pytest

from studio.core.paths import bundled_models_dir
from studio.io.preferences import load_settings
from studio.ui.main_window import MainWindow

TIMEOUT = 20_000  # ms; the first test in a process also starts the engine


def _open(qtbot, model) -> MainWindow:
    w = MainWindow(initial_model=str(model))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.show()
    return w


@pytest.fixture
def window(qtbot, models):
    return _open(qtbot, models / "tiny.safetensors")


def test_choosing_int8_reopens_the_model_in_int8_and_is_remembered(window, models, qtbot):
    assert window.precision_actions["auto"].isChecked()
    assert window.status_text("device").endswith("· float32")
    with qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT) as ready:
        window.precision_actions["int8"].trigger()
    info = ready.args[0]
    assert info["precision"] == "int8"
    assert "computed in int8" in info["card"]["architecture"]["precision"]
    assert window.status_text("device").endswith("· int8")
    assert window.precision_actions["int8"].isChecked()
    assert load_settings()["precision"] == "int8"
    window.close()
    again = _open(qtbot, models / "tiny.safetensors")
    assert again.precision_actions["int8"].isChecked()
    assert again.status_text("device").endswith("· int8")


def test_an_image_model_in_int8_is_refused_in_one_line(window, models, qtbot):
    with qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT):
        window.precision_actions["int8"].trigger()
    with qtbot.waitSignal(window.models.sig_failed, timeout=TIMEOUT):
        window.models.choose(str(bundled_models_dir() / "digits.safetensors"))
    shown = window.message_bar.text()
    assert "image model" in shown and "float32" in shown and "\n" not in shown
