"""Look inside a pixel in the image tab: a click on a drawn pixel of a finished picture shows,
over the canvas, exactly the map the engine computes for that picture and pixel (the engine
process's answer against the engine called here), per layer and head for the emoji model, the
gradient saliency for digits; Esc and switching it off clear it."""

import numpy as np
from PySide6.QtCore import Qt
from ui_image_helpers import (
    TIMEOUT,
    draw,
    image_models_fixture,  # noqa: F401 - the fixture
    open_image_window,
)

from studio.core.pixel_inspection import ATTENTION_KIND, SALIENCY_KIND
from studio.engine.formats.model_finder import load_model
from studio.engine.image.inspect_pixel import inspect_pixel
from studio.io.image_export import decode_png
from studio.io.pixel_overlay import overlay_words


def click_pixel(qtbot, w, sample: int, row: int, col: int):
    """Click (row, col) of picture `sample` and wait for the engine's answer."""
    canvas = w.image.canvas
    with qtbot.waitSignal(w.engine.sig_pixel_inspected, timeout=TIMEOUT) as got:
        qtbot.mouseClick(
            canvas, Qt.MouseButton.LeftButton, pos=canvas.pixel_rect(sample, row, col).center()
        )
    return got.args[0]


def test_emoji_overlay_is_the_engines_attention_for_the_clicked_pixel(qtbot, image_models):
    path = image_models / "tiny-emoji.safetensors"
    w = open_image_window(qtbot, path)
    look, canvas = w.image.look, w.image.canvas
    record = draw(qtbot, w, seed=5)
    # off: a click asks nothing
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.pixel_rect(0, 2, 3).center())
    assert canvas.overlay is None and look.found is None
    look.check.setChecked(True)
    found = click_pixel(qtbot, w, 0, 2, 3)
    want = inspect_pixel(load_model(str(path), "cpu"), decode_png(record.media["images"][0]), 2, 3)
    assert found.kind == ATTENTION_KIND and (found.row, found.col) == (2, 3)
    np.testing.assert_allclose(found.weights, want.weights, atol=1e-6)
    np.testing.assert_allclose(found.weights.sum(-1) + found.start, 1.0, atol=1e-5)
    sample, words, pixel = canvas.overlay
    assert sample == 0 and pixel == (2, 3)
    np.testing.assert_array_equal(words, overlay_words(want.scaled(), 2, 3))
    assert look.layer_box.isVisible() and look.head_box.isVisible()
    assert look.layer_box.count() == 1 + want.layers and look.head_box.count() == 1 + want.heads
    assert "start token" in look.caption.text()
    # one layer's head: the canvas follows the selectors
    look.layer_box.setCurrentIndex(2)
    look.head_box.setCurrentIndex(1)
    np.testing.assert_array_equal(canvas.overlay[1], overlay_words(want.scaled(1, 0), 2, 3))
    # the earlier pixels are shaded, the pixel and the later ones veiled alike
    alpha = canvas.overlay[1] >> 24
    assert len(np.unique(alpha.reshape(-1)[2 * 5 + 3 :])) == 1
    # Esc clears it; another click shows the next pixel's
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert canvas.overlay is None and look.found is None
    click_pixel(qtbot, w, 0, 4, 1)
    assert canvas.overlay is not None and canvas.overlay[2] == (4, 1)
    # while a text run is in progress, Esc is its Stop alone (two Esc shortcuts would both fail)
    assert look.escape.isEnabled()
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.choose_model(str(image_models / "tiny.safetensors"))
    during = []
    w.runs.sig_started.connect(lambda: during.append(look.escape.isEnabled()))
    w.prompt_edit.setPlainText("hi")
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT):
        w.generate()
    assert during == [False] and look.escape.isEnabled()
    look.check.setChecked(False)
    assert canvas.overlay is None and not look.isVisible() and not look.escape.isEnabled()


def test_digits_overlay_is_the_gradient_saliency_under_the_runs_label(qtbot, image_models):
    path = image_models / "tiny-digits.safetensors"
    w = open_image_window(qtbot, path)
    w.image.set_label(3)
    w.image.set_batch(4)
    record = draw(qtbot, w, seed=2)
    look, canvas = w.image.look, w.image.canvas
    look.check.setChecked(True)
    found = click_pixel(qtbot, w, 2, 6, 4)
    picture = decode_png(record.media["images"][2])
    want = inspect_pixel(load_model(str(path), "cpu"), picture, 6, 4, label=3)
    assert found.kind == SALIENCY_KIND and found.label == 3
    np.testing.assert_allclose(found.map(), want.map(), rtol=1e-5, atol=1e-9)
    sample, words, pixel = canvas.overlay
    assert sample == 2 and pixel == (6, 4)
    np.testing.assert_array_equal(words, overlay_words(want.scaled(), 6, 4))
    assert not look.layer_box.isVisible() and "gradient saliency" in look.caption.text()
    # a new run clears it
    draw(qtbot, w, seed=3)
    assert canvas.overlay is None


def test_a_run_in_progress_is_not_looked_inside(qtbot, image_models):
    w = open_image_window(qtbot, image_models / "tiny-digits.safetensors")
    look, canvas = w.image.look, w.image.canvas
    look.check.setChecked(True)
    w.image.pace_slider.setValue(50)
    with qtbot.waitSignal(w.engine.sig_image_frame, timeout=TIMEOUT):
        w.image.generate_button.click()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.pixel_rect(0, 0, 0).center())
    assert "finished picture" in look.caption.text() and look._asked is None
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT):
        w.stop()
