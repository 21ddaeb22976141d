"""The window and a GGUF file: one put in the model folder is listed by the picker, File > Open's
path opens another, it generates and streams, a token's stages show the run's numbers, Continue
goes on, and the card says what the file holds."""

import pytest
from gguf_helpers import write_gguf
from helpers import save_tiny, tiny_char_model
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from test_ui_window import TIMEOUT, open_window, run

from studio.io.display_format import pct
from studio.ui.model_card_dialog import card_html


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    models = tmp_path / "models"
    models.mkdir()
    save_tiny(models / "tiny.safetensors", tiny_char_model())
    write_gguf(models / "listed-q8.gguf", "qwen2", "Q8_0", layers=1)
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(models))
    return open_window(qtbot, models / "tiny.safetensors")


def test_a_gguf_file_is_listed_opened_and_generates(window, qtbot, tmp_path):
    assert window.picker.find(name="listed-q8") is not None
    path = write_gguf(tmp_path / "opened-q4k.gguf", "qwen3", "Q4_K", layers=1)
    with qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT):
        window.open_path(str(path))  # what File > Open and a dropped file do
    info = window.picker.current_info()
    assert info["name"] == "opened-q4k"
    html = card_html(info)
    for shown in ("GGUF qwen3", "Q4_K", "apache-2.0", "https://example.org/tiny", "context length"):
        assert shown in html, shown

    first = run(qtbot, window, "The fox 看见", seed=2, max_new_tokens=10, sampling={"top_k": 8})
    tokens = window.output.tokens()
    assert first.tokens == 10 and "".join(t.text for t in tokens) == first.text
    assert window.output.toPlainText() == "The fox 看见" + first.text

    i = next(i for i, t in enumerate(tokens) if t.text.strip() and "\ufffd" not in t.text)
    out = window.output
    c = QTextCursor(out.document())
    c.setPosition(out._starts[i])
    point = out.cursorRect(c).center()
    point.setX(point.x() + 2)
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT):
        qtbot.mouseClick(out.viewport(), Qt.MouseButton.LeftButton, pos=point)
    dialog = window.text.stages_dialog
    rows = [dialog.table.verticalHeaderItem(r).text() for r in range(dialog.table.rowCount())]
    chosen = next(r for r, label in enumerate(rows) if label.startswith("▶"))
    assert dialog.cell_text(chosen, 0) == pct(tokens[i].model_prob)
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)

    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended:
        window.continue_text()
    assert ended.args[0].prompt == "The fox 看见" + first.text and ended.args[0].tokens == 10
