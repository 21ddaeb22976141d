"""The window opens a Hugging Face Qwen2 folder: it generates, streams whole characters, shows a
token's sampling stages with the run's own numbers, and continues from the end of the text."""

import pytest
from helpers import save_tiny, tiny_char_model
from llama_helpers import make_folder
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from test_ui_window import TIMEOUT, open_window, run

from studio.io.display_format import pct


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    models = tmp_path / "models"
    models.mkdir()
    save_tiny(models / "tiny.safetensors", tiny_char_model())
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(models))
    folder = make_folder(models / "tiny-qwen2", "qwen2")
    return open_window(qtbot, folder)


def test_a_qwen2_folder_generates_and_shows_a_tokens_stages(window, qtbot):
    info = window.picker.current_info()
    assert info["name"] == "tiny-qwen2" and info["card"]["architecture"]["model_class"] == (
        "Qwen2ForCausalLM"
    )
    sampling = {"temperature": 0.8, "top_k": 6}
    first = run(qtbot, window, "The fox 看见", seed=2, max_new_tokens=12, sampling=sampling)
    assert first.tokens == 12
    tokens = window.output.tokens()
    # a random model draws stray bytes too; the text is still the run's, as streamed
    assert len(tokens) == 12 and "".join(t.text for t in tokens) == first.text
    assert window.output.toPlainText() == "The fox 看见" + first.text

    i = next(
        i for i, t in enumerate(tokens) if i >= 2 and t.text.strip() and "\ufffd" not in t.text
    )
    out = window.output
    c = QTextCursor(out.document())
    c.setPosition(out._starts[i])
    point = out.cursorRect(c).center()
    point.setX(point.x() + 2)
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT) as shown:
        qtbot.mouseClick(out.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert shown.args == [i]
    dialog = window.text.stages_dialog
    assert dialog.isVisible()
    table = dialog.table
    heads = [table.horizontalHeaderItem(c).text().split("\n")[0] for c in range(3)]
    assert heads == ["model", "temperature", "top-k"]
    rows = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    chosen = next(r for r, label in enumerate(rows) if label.startswith("▶"))
    assert dialog.cell_text(chosen, 0) == pct(tokens[i].model_prob)
    assert dialog.cell_text(chosen, 2) == pct(tokens[i].prob)
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)

    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended:
        window.continue_text()
    second = ended.args[0]
    assert second.prompt == "The fox 看见" + first.text and second.tokens == 12
