"""Fixtures for the image workspace tests: small random image models in a fresh studio home."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import save_tiny, tiny_char_model
from image_helpers import save_image_model, tiny_image_gpt, tiny_pixelcnn

from studio.engine.formats.studio_file import LoadedModel
from studio.ui.main_window import MainWindow

TIMEOUT = 60_000  # ms; the first test also imports torch, on a busy machine
DIGITS = [str(i) for i in range(10)]


def tiny_digits(height: int = 10, width: int = 8, seed: int = 0) -> LoadedModel:
    """A random PixelCNN with the digits' labels 0-9 and broad distributions."""
    return tiny_pixelcnn(
        seed, height, width, labels=tuple(DIGITS), n_layers=2, n_mix=2, log_scale=0.5, bias_std=0
    )


@pytest.fixture(name="image_models")
def image_models_fixture(tmp_path, monkeypatch) -> Path:
    """A model folder with a text model, tiny digits and tiny emoji; a fresh studio home."""
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    d = tmp_path / "models"
    d.mkdir()
    save_tiny(d / "tiny.safetensors", tiny_char_model())
    save_image_model(d / "tiny-digits.safetensors", tiny_digits())
    save_image_model(d / "tiny-emoji.safetensors", tiny_image_gpt())
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(d))
    return d


def open_image_window(qtbot, model: Path) -> MainWindow:
    w = MainWindow(initial_model=str(model))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.show()
    return w


def draw(qtbot, w: MainWindow, complete: bool = False, **settings):
    """Press Generate (or Complete) and wait for the run to end; its RunRecord."""
    keys = ("temperature", "top_k", "top_p", "min_p")
    sampling = {k: settings.pop(k) for k in keys if k in settings}
    w.sampling.set_generation_settings({**settings, "sampling": sampling})
    button = w.image.complete_button if complete else w.image.generate_button
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as blocker:
        button.click()
    return blocker.args[0]
