"""Translate mode of the text tab, driven through the window with a tiny translation model (the
one test_translate.py trains) and the real engine process."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from test_translate import trained  # noqa: F401 - the fixture
from test_ui_window import TIMEOUT, open_window, run

from studio.engine.formats.model_finder import load_model
from studio.engine.text.translation import cross_attention
from studio.ui.cross_attention_view import AVERAGE

SOURCE = "We like tea."


def translate_in_window(qtbot, w, **settings):
    record = run(qtbot, w, SOURCE, **settings)
    assert record.prompt == SOURCE
    return record


def test_translation_streams_and_the_heatmap_shows_the_weights_used(trained, qtbot, models):  # noqa: F811
    w = open_window(qtbot, trained)
    text = w.text
    assert text.translate.on and not text.translate.isHidden()
    assert text.step_button.isHidden() and text.continue_button.isHidden()
    assert "English source" in w.prompt_edit.placeholderText()

    record = translate_in_window(qtbot, w, sampling={"temperature": 0}, max_new_tokens=8, seed=3)
    tokens = text.output.tokens()
    assert tokens and record.tokens == len(tokens)
    assert all(0 < t.prob <= 1 and t.top for t in tokens)  # colours and tooltips
    target = text.output.generated_text()
    assert target == record.text

    # greedy is the model's most likely character at every step
    assert all(t.model_prob >= max(c.model_prob for c in t.top) - 1e-6 for t in tokens)

    with qtbot.waitSignal(w.engine.sig_translation_attention, timeout=TIMEOUT):
        text.translate.attention_button.click()
    dialog = text.translate.dialog
    expected = cross_attention(load_model(str(trained), device="cpu"), SOURCE, target)
    assert dialog.table.rowCount() == len(expected.target_tokens) == len(target) + 1
    assert dialog.table.columnCount() == len(expected.source_tokens)
    np.testing.assert_allclose(dialog.weights, expected.average, atol=1e-6)
    layers, heads = expected.cross.shape[:2]
    dialog.select(layers - 1, heads - 1)
    np.testing.assert_allclose(dialog.weights, expected.cross[-1, -1], atol=1e-6)
    dialog.select(0, AVERAGE)
    np.testing.assert_allclose(dialog.weights, expected.cross[0].mean(axis=0), atol=1e-6)
    tip = dialog.table.item(0, 0).toolTip()
    assert f"{expected.cross[0, :, 0, 0].mean():.4f}" in tip

    dialog.close()
    w.activateWindow()  # Ctrl+Return is the window's
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT)

    # beam search of width 1 is greedy; a wider beam gives one translation too
    w.text.translate.beam_spin.setValue(1)
    assert (
        translate_in_window(qtbot, w, sampling={"temperature": 0}, max_new_tokens=8).text == target
    )
    w.text.translate.beam_spin.setValue(3)
    beam = translate_in_window(qtbot, w, max_new_tokens=8)
    assert beam.settings["beam"] == 3 and beam.text == text.output.generated_text()


def test_the_window_goes_back_to_text_after_a_translation_model(trained, qtbot, models):  # noqa: F811
    """Chosen in the picker after a translation model, a text model runs as before, and Continue
    of a translation is refused in one line."""
    w = open_window(qtbot, trained)
    translate_in_window(qtbot, w, sampling={"temperature": 0}, max_new_tokens=4)
    w.prompt_edit.setFocus()
    qtbot.keyClick(
        w.prompt_edit,
        Qt.Key.Key_Return,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert "not continued" in w.message_bar.text()
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.models.choose(str(models / "tiny.safetensors"))
    assert w.text.translate.isHidden() and not w.text.step_button.isHidden()
    assert "English" not in w.prompt_edit.placeholderText()
    assert run(qtbot, w, "hello", seed=1, max_new_tokens=4).tokens == 4
