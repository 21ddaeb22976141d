"""Step mode for pixels in the real window (engine in its own process), with a tiny emoji GPT:
F10 in the Image tab steps one pixel (the Text tab's F10 stays the Text tab's), Enter accepts,
Run on finishes the picture, which equals the uninterrupted run's; a pick is marked in the run's
record."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from ui_image_helpers import (
    TIMEOUT,
    draw,
    image_models_fixture,  # noqa: F401 - the fixture
    open_image_window,
)

from studio.io.image_export import decode_png

N = 3  # pixels stepped before running on


@pytest.fixture
def window(qtbot, image_models):
    return open_image_window(qtbot, image_models / "tiny-emoji.safetensors")


def step_shown(qtbot, w, key_widget):
    stepping = w.image.stepping
    with qtbot.waitSignal(stepping.sig_stepped, timeout=TIMEOUT):
        qtbot.keyClick(key_widget, Qt.Key.Key_F10)
    return stepping.dialog


def test_accepting_every_step_then_run_on_gives_the_uninterrupted_picture(window, qtbot):
    w = window
    record = draw(qtbot, w, seed=5, temperature=1.0, top_k=4)
    whole = w.image.pixels.values[0].copy()  # (H, W) palette indices
    # F10 with the focus in the Text tab is the Text tab's: no pixel step starts
    w.tabs.setCurrentIndex(0)
    w.prompt_edit.setFocus()
    qtbot.keyClick(w.prompt_edit, Qt.Key.Key_F10)
    assert not w.image.stepping.active
    w.tabs.setCurrentIndex(1)
    w.image.generate_button.setFocus()
    dialog = step_shown(qtbot, w, w.image.generate_button)  # F10 in the Image tab
    stepping = w.image.stepping
    assert not w.text.steering.stepper.active
    o = dialog.outcome
    assert (o.step, o.row, o.col) == (0, 0, 0) and o.u is not None
    x = 1 + o.u * (dialog.bar.width() - 2)
    assert dialog.bar.slice_at(x).id == o.drawn.id
    for i in range(N):
        o = dialog.outcome
        assert o.step == i
        with qtbot.waitSignal(stepping.sig_taken, timeout=TIMEOUT):
            qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Accept
        assert w.image.pixels.values[0, o.row, o.col] == whole[o.row, o.col]
        if i < N - 1:
            step_shown(qtbot, w, dialog)  # Step again (F10)
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as shown:
        qtbot.keyClick(dialog, Qt.Key.Key_F5)  # Run on
    rec = shown.args[0]
    assert not dialog.isVisible() and not stepping.active
    assert np.array_equal(decode_png(rec.media["images"][0]), decode_png(record.media["images"][0]))
    assert rec.media["stepped"] == N and rec.media["hand"] == []
    assert np.array_equal(w.image.pixels.values[0], whole)


def test_a_picked_value_is_marked_in_the_record(window, qtbot):
    w = window
    w.sampling.set_generation_settings({"seed": 9, "sampling": {"temperature": 1.0}})
    w.image.step_button.click()
    stepping = w.image.stepping
    qtbot.waitUntil(lambda: stepping.pending is not None, timeout=TIMEOUT)
    dialog = stepping.dialog
    with qtbot.waitSignal(stepping.sig_stepped, timeout=TIMEOUT):
        dialog.step_button.click()  # the first pixel accepted, the second shown
    drawn = dialog.outcome.drawn.id
    ids = dialog.choice_ids()
    row = next(i for i, v in enumerate(ids) if v != drawn)
    dialog.choices.setCurrentRow(row)
    with qtbot.waitSignal(stepping.sig_taken, timeout=TIMEOUT) as taken:
        dialog.pick_button.click()
    ev = taken.args[0]
    assert ev.value == ids[row] and (ev.row, ev.col) == (0, 1)
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as shown:
        dialog.run_on_button.click()
    rec = shown.args[0]
    assert rec.media["stepped"] == 2 and rec.media["hand"] == [[0, 1]]
    assert "picked by hand" in rec.text
    assert w.image.pixels.values[0, 0, 1] == ids[row]
