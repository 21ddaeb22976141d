"""Look inside a clicked token in the window: the Attention tab shades the text with the weights
the engine computed, the layer and head selectors redraw it, and the Logit lens tab shows the
engine's numbers with the first depth the drawn token leads marked."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import save_tiny, tiny_char_model
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from test_ui_window import TIMEOUT, open_window, run

from studio.engine.formats.model_finder import load_model
from studio.engine.text.inspect import inspect_step
from studio.io.display_format import pct, show_text
from studio.settings import GenerationSettings
from studio.ui.attention_view import shade


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A tiny model of 3 layers, so layers and heads have something to choose from."""
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    d = tmp_path / "models"
    d.mkdir()
    save_tiny(d / "tiny.safetensors", tiny_char_model(seed=5, n_layer=3))
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(d))
    return d


@pytest.fixture
def window(qtbot, models):
    return open_window(qtbot, models / "tiny.safetensors")


def click_token(qtbot, window, i: int) -> None:
    out = window.output
    c = QTextCursor(out.document())
    c.setPosition(out._starts[i])
    point = out.cursorRect(c).center()
    point.setX(point.x() + 2)
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT):
        qtbot.mouseClick(out.viewport(), Qt.MouseButton.LeftButton, pos=point)


def expected(models, record, step: int):
    settings = GenerationSettings.from_dict({**record.settings, "num_samples": 1})
    ids = [t.id for t in record_tokens(record)[: step + 1]]
    return inspect_step(load_model(str(models / "tiny.safetensors")), record.prompt, ids, settings)


def record_tokens(record):
    from studio.io.run import trace_events

    return trace_events(record.trace)


def test_the_attention_tab_shades_the_text_with_the_engines_weights(window, models, qtbot):
    record = run(qtbot, window, "hello there", seed=3, max_new_tokens=12)
    click_token(qtbot, window, 6)
    dialog = window.text.stages_dialog
    with qtbot.waitSignal(window.text.sig_inspection_shown, timeout=TIMEOUT) as shown:
        dialog.tabs.setCurrentIndex(1)  # Attention
    assert shown.args == [6]
    view = dialog.attention_view
    want = expected(models, record, 6)
    a = want.attention
    assert a.weights.shape == (3, 2, 11 + 6)  # layers, heads, the prompt and 6 tokens before it
    # the text shown is the context the model read, then the drawn token
    text = view.text.toPlainText().replace("⏎", "")
    assert text == "hello there" + "".join(t.text for t in record_tokens(record)[:7])
    combos = [view.layer_box.itemText(i) for i in range(view.layer_box.count())]
    assert combos == ["Average of all layers", "Layer 1", "Layer 2", "Layer 3"]
    assert view.head_box.count() == 3
    for layer, head in [(None, None), (0, None), (2, 1), (1, 0), (None, 1)]:
        view.select(layer, head)
        row = a.row(layer, head)
        drawn = view.shown()
        weights = np.array([w for w, _ in drawn])
        np.testing.assert_allclose(weights, row, atol=1e-6)
        np.testing.assert_allclose(weights.sum(), 1.0, atol=1e-5)
        alphas = [alpha for _, alpha in drawn]
        assert alphas == [shade(w, float(row.max())).alpha() for w in row.tolist()]
        assert max(alphas) == 235  # the most attended token fully shaded
        best = int(row.argmax())
        most = view.most.text()
        assert f"{pct(float(row[best]))}" in most and show_text(want.context[best].text) in most
    # a layer's single head differs from another's: the selectors really switch rows
    view.select(0, 0)
    first = [w for w, _ in view.shown()]
    view.select(2, 1)
    assert first != [w for w, _ in view.shown()]


def test_the_lens_tab_shows_the_engines_numbers_and_marks_the_first_leader(window, models, qtbot):
    record = run(qtbot, window, "the fox", seed=2, max_new_tokens=10, sampling={"temperature": 0})
    click_token(qtbot, window, 4)
    dialog = window.text.stages_dialog
    with qtbot.waitSignal(window.text.sig_inspection_shown, timeout=TIMEOUT):
        dialog.tabs.setCurrentIndex(2)  # Logit lens
    lens_view = dialog.lens_view
    want = expected(models, record, 4).lens
    t = lens_view.table
    assert t.rowCount() == 4 and t.columnCount() == 6
    labels = [t.verticalHeaderItem(r).text() for r in range(4)]
    first = want.first_on_top
    assert first is not None  # greedy: the drawn token leads at the last depth at least
    names = ["Embedding", "Layer 1", "Layer 2", "Layer 3"]
    assert labels == [("▶ " if r == first else "") + names[r] for r in range(4)]
    for r, depth in enumerate(want.layers):
        for c, cand in enumerate(depth.top):
            assert lens_view.cell_text(r, c) == f"{show_text(cand.text)}  {pct(cand.prob)}"
        assert lens_view.cell_text(r, 5) == f"{pct(depth.chosen_prob)} (#{depth.chosen_rank})"
    # the last depth is the model's own distribution: the run's model_prob for the drawn token
    token = record_tokens(record)[4]
    assert lens_view.cell_text(3, 5).startswith(pct(token.model_prob))
    assert names[first] in lens_view.title.text()

    # stepping to the next token with the lens shown asks for that token's
    with qtbot.waitSignal(window.text.sig_inspection_shown, timeout=TIMEOUT) as shown:
        dialog.next_button.click()
    assert shown.args == [5]
    want = expected(models, record, 5).lens
    assert lens_view.cell_text(0, 0) == (
        f"{show_text(want.layers[0].top[0].text)}  {pct(want.layers[0].top[0].prob)}"
    )


def test_a_failed_look_inside_is_said_in_the_tabs(window, qtbot):
    run(qtbot, window, "hello", seed=3, max_new_tokens=4)
    click_token(qtbot, window, 1)
    dialog = window.text.stages_dialog
    with qtbot.waitSignal(window.engine.sig_inspect_failed, timeout=TIMEOUT):
        window.text.shown_run = {**window.text.shown_run, "model_path": "/elsewhere/x.safetensors"}
        dialog.tabs.setCurrentIndex(2)
    assert "could not be looked inside" in dialog.lens_view.title.text()
    assert "not the model that made this text" in dialog.attention_view.text.toPlainText()
