import os

# Qt tests run without a screen
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# keep test runs light on a 2-core machine
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402 - after the environment above is set
from helpers import save_tiny, tiny_char_model  # noqa: E402


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A fresh studio home, and a model folder holding the tiny text model (the window's tests)."""
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    d = tmp_path / "models"
    d.mkdir()
    save_tiny(d / "tiny.safetensors", tiny_char_model())
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(d))
    return d
