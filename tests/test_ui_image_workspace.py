"""The image workspace driven through the window's widgets, with tiny image models and the real
worker thread: generate, stop, complete, hover, export, reopen, history, bad inputs."""

import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from ui_image_helpers import (
    TIMEOUT,
    draw,
    image_models_fixture,  # noqa: F401 - the fixture
    open_image_window,
    tiny_digits,
)

from studio.engine.image.generation import generate_image
from studio.io.image_export import decode_png
from studio.io.png_chunks import read_png_meta
from studio.settings import ImageSettings, SamplingSettings
from studio.ui.image_canvas import UNDRAWN


@pytest.fixture
def window(qtbot, image_models):
    return open_image_window(qtbot, image_models / "tiny-digits.safetensors")


def engine_images(label, n, seed, temperature=0.8, init=None, mask=None, guidance=1.0):
    settings = ImageSettings(
        sampling=SamplingSettings(temperature=temperature),
        seed=seed,
        num_samples=n,
        label=label,
        guidance=guidance,
    )
    done = [e for e in generate_image(tiny_digits(), settings, init, mask) if e.event == "done"]
    return [e.image for e in done]


def test_image_model_opens_in_the_image_tab_with_its_labels(qtbot, image_models):
    w = open_image_window(qtbot, image_models / "tiny.safetensors")
    assert w.tabs.currentIndex() == 0
    assert w.sampling.sliders["max_new_tokens"].isEnabled()
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.choose_model(str(image_models / "tiny-digits.safetensors"))
    assert w.tabs.currentIndex() == 1 and w.image.has_model()
    combo = w.image.label_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["any"] + [
        str(i) for i in range(10)
    ]
    # text-only controls do not apply to pixels
    assert not w.sampling.sliders["repetition_penalty"].isEnabled()
    assert not w.sampling.stop_edit.isEnabled()
    assert w.sampling.sliders["temperature"].isEnabled()
    # an unlabelled model has no label selector
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.choose_model(str(image_models / "tiny-emoji.safetensors"))
    assert not w.image.label_combo.isVisible() and w.image.drawing.colour_combo.isVisible()
    assert not w.image.guidance_spin.isVisible() and w.image.guidance() == 1.0


def test_generate_label_7_batch_4_fills_the_canvas_and_the_history(window, qtbot):
    w = window
    w.image.set_label(7)
    w.image.set_batch(4)
    record = draw(qtbot, w, seed=5)
    assert record.kind == "image" and record.stop_reason == "length" and record.seed == 5
    assert record.settings["label"] == 7 and record.settings["num_samples"] == 4
    assert w.image.canvas.argb.shape == (4, 10, 8)
    assert not (w.image.canvas.argb == UNDRAWN).any()
    # the window draws exactly what the engine draws for the same settings
    expected = engine_images(7, 4, 5)
    shown = [decode_png(t) for t in record.media["images"]]
    assert all((a == b).all() for a, b in zip(shown, expected, strict=True))
    grey = (w.image.canvas.argb[0] & 0xFF).astype(np.uint8)
    assert (grey == expected[0]).all()
    assert (
        w.status_text("tokens") == "80 / 80 pixels" and w.status_text("stop") == "every pixel drawn"
    )
    assert "pixels/s" in w.status_text("speed")
    rows = w.history.list()
    assert len(rows) == 1 and rows[0].kind == "image" and "label 7" in rows[0].first_words
    assert w.history_panel.list.count() == 1


def test_stop_keeps_the_partial_image_on_screen_and_in_the_history(window, qtbot):
    w = window
    w.image.pace_slider.setValue(20)  # 20 ms per pixel: the run takes 1.6 s
    w.sampling.set_generation_settings({"seed": 2})
    with qtbot.waitSignal(w.sig_batch_shown, timeout=TIMEOUT):
        w.image.generate_button.click()
    assert w.is_running() and w.image.stop_button.isEnabled()
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as blocker:
        qtbot.keyClick(w.image.canvas, Qt.Key.Key_Escape)
    record = blocker.args[0]
    assert record.stop_reason == "cancelled" and 0 < record.tokens < 80
    argb = w.image.canvas.argb[0].reshape(-1)
    assert (argb[: record.tokens] != UNDRAWN).all() and (argb[record.tokens :] == UNDRAWN).all()
    stored = w.history.get(w.history.list()[0].id)
    assert stored.stop_reason == "cancelled" and stored.tokens == record.tokens
    assert not w.is_running() and w.image.generate_button.isEnabled()


def test_completion_keeps_the_drawn_pixels_exactly(window, qtbot):
    w = window
    w.image.set_batch(4)
    w.image.drawing.draw_check.setChecked(True)
    canvas = w.image.canvas
    painted = {(0, 0): 255, (1, 3): 255, (4, 4): 37, (9, 7): 200}
    for (r, c), v in painted.items():
        w.image.drawing.grey_spin.setValue(v)
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.pixel_rect(2, r, c).center())
    # erase one again with the right button: the model draws it
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.pixel_rect(0, 5, 5).center())
    qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=canvas.pixel_rect(1, 5, 5).center())
    assert int(w.image.drawing.sketch_mask.sum()) == 4
    record = draw(qtbot, w, complete=True, seed=3)
    assert record.tokens == 80 - 4 and record.stop_reason == "length"
    for t in record.media["images"]:
        im = decode_png(t)
        for (r, c), v in painted.items():
            assert im[r, c] == v
    mask = np.zeros((10, 8), bool)
    init = np.zeros((10, 8), np.uint8)
    for (r, c), v in painted.items():
        mask[r, c], init[r, c] = True, v
    expected = engine_images(None, 4, 3, init=init, mask=mask)
    assert all(
        (decode_png(t) == e).all() for t, e in zip(record.media["images"], expected, strict=True)
    )


def test_hovering_a_pixel_shows_its_distribution(window, qtbot):
    w = window
    w.image.set_batch(4)
    record = draw(qtbot, w, seed=9)
    canvas = w.image.canvas
    qtbot.mouseMove(canvas, canvas.pixel_rect(2, 3, 4).center())
    qtbot.waitUntil(lambda: "pixel (3, 4)" in w.image.dist_view.text(), timeout=TIMEOUT)
    value = int(decode_png(record.media["images"][2])[3, 4])
    prob = record.media["prob"][2][3 * 8 + 4]
    assert f"Sample 3, pixel (3, 4): grey {value}, drawn with p = {prob:.3f}" in (
        w.image.dist_view.text()
    )
    bars = w.image.dist_view.bars
    assert bars.chosen == value and bars.probs.shape == (256,)
    assert abs(float(bars.probs.sum()) - 1) < 0.02 and abs(bars.probs[value] - prob) < 1e-3
    # the entropy map colours every drawn pixel
    w.image.heat_check.setChecked(True)
    assert canvas.heat is not None and (canvas.heat >> 24 > 0).all()


def test_a_pixel_drawn_after_the_sampling_stages_also_shows_the_models_probability(window, qtbot):
    w = window
    w.image.set_batch(1)
    plain = draw(qtbot, w, seed=4, temperature=1.0)
    assert plain.media["prob"] == plain.media["model_prob"]  # no stage: one distribution
    qtbot.mouseMove(w.image.canvas, w.image.canvas.pixel_rect(0, 2, 2).center())
    qtbot.waitUntil(lambda: "pixel (2, 2)" in w.image.dist_view.text(), timeout=TIMEOUT)
    assert "before the sampling stages" not in w.image.dist_view.text()  # not said twice
    record = draw(qtbot, w, seed=4, temperature=0.6, top_k=5)
    prob, model_prob = record.media["prob"][0], record.media["model_prob"][0]
    t = next(t for t in range(len(prob)) if abs(prob[t] - model_prob[t]) > 0.01)
    row, col = divmod(t, 8)
    canvas = w.image.canvas
    qtbot.mouseMove(canvas, canvas.pixel_rect(0, row, col).center())
    qtbot.waitUntil(lambda: f"pixel ({row}, {col})" in w.image.dist_view.text(), timeout=TIMEOUT)
    text = w.image.dist_view.text()
    assert f"drawn with p = {prob[t]:.3f}" in text
    assert f"The model gave it p = {model_prob[t]:.3f} before the sampling stages" in text


def test_export_png_then_open_restores_the_settings(window, qtbot, tmp_path):
    w = window
    w.image.set_label(3)
    w.image.set_batch(4)
    draw(qtbot, w, seed=11, temperature=0.7, top_k=20)
    path = tmp_path / "out.png"
    assert w.files.export_image_to(str(path))
    meta = read_png_meta(path)
    assert meta["model"] == "tiny-digits" and meta["seed"] == "11" and meta["label"] == "3"
    assert "version" in meta and "grid" in meta
    assert Image.open(path).size == (8 * 2 + 2, 10 * 2 + 2)  # a 2x2 grid with 2-pixel gaps
    # change everything, then open the PNG
    w.image.set_label(None)
    w.image.set_batch(1)
    w.sampling.set_generation_settings({"seed": None, "sampling": {"temperature": 1.5, "top_k": 0}})
    w.open_path(str(path))
    qtbot.waitUntil(lambda: w.image.label() == 3, timeout=TIMEOUT)
    assert w.image.batch() == 4
    s = w.sampling.generation_settings()
    assert s["seed"] == 11 and s["sampling"]["temperature"] == 0.7 and s["sampling"]["top_k"] == 20
    again = draw(qtbot, w)
    assert again.media["images"] == w.history.get(w.history.list()[1].id).media["images"]


def test_gif_export_writes_every_row_as_a_frame(window, qtbot, tmp_path):
    w = window
    w.image.set_batch(4)
    draw(qtbot, w, seed=1)
    path = tmp_path / "drawing.gif"
    assert w.files.export_image_to(str(path))
    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames > 5


def test_reopen_an_image_run_from_the_history(window, qtbot):
    w = window
    w.image.set_batch(4)
    first = draw(qtbot, w, seed=21)
    draw(qtbot, w, seed=22)
    w.history_panel.refresh()
    item = w.history_panel.list.item(1)  # the older run
    w.history_panel.list.itemClicked.emit(item)
    shown = (w.image.canvas.argb & 0xFF).astype(np.uint8)
    expected = np.stack([decode_png(t) for t in first.media["images"]])
    assert (shown == expected).all()
    assert w.image.record.seed == 21 and w.sampling.used_seed() == 21


def test_shortcuts_generate_stop_and_export(window, qtbot, tmp_path, monkeypatch):
    w = window
    w.image.pace_slider.setValue(30)
    with qtbot.waitSignal(w.sig_batch_shown, timeout=TIMEOUT):
        qtbot.keyClick(w.image.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT):
        qtbot.keyClick(w.image.canvas, Qt.Key.Key_Escape)
    target = tmp_path / "shortcut.png"
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.keyClick(w.image.canvas, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert target.exists() and read_png_meta(target)["model"] == "tiny-digits"


def test_bad_inputs_give_a_clear_message_and_lose_nothing(window, qtbot, tmp_path):
    w = window
    record = draw(qtbot, w, seed=4)
    bar = w.image.message_bar
    # a corrupt PNG
    bad = tmp_path / "corrupt.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    w.open_path(str(bad))
    qtbot.waitUntil(lambda: "corrupt.png" in bar.text(), timeout=TIMEOUT)
    assert "Could not open" in bar.text()
    # a PNG without our settings
    plain = tmp_path / "plain.png"
    Image.new("L", (8, 10)).save(plain)
    w.open_path(str(plain))
    qtbot.waitUntil(lambda: "plain.png" in bar.text(), timeout=TIMEOUT)
    assert "no aigc-studio settings" in bar.text()
    # an image of the wrong size is refused, not resized
    big = tmp_path / "big.png"
    Image.new("L", (28, 28)).save(big)
    assert not w.image.drawing.load_image(str(big))
    assert "not resized" in bar.text() and w.image.drawing.sketch is None
    # an unwritable folder (a file stands where the folder should be: unwritable even for root)
    blocker = tmp_path / "locked"
    blocker.write_text("a file, not a folder")
    assert not w.files.export_image_to(str(blocker / "out.png"))
    assert not w.files.export_image_to(str(tmp_path / "no-such-folder" / "out.gif"))
    assert "Nothing was written" in bar.text() and "out.gif" in bar.text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "big.png",
        "corrupt.png",
        "home",
        "locked",
        "models",
        "plain.png",
    ]
    # nothing was lost: the run is on screen and in the history
    assert w.image.record is record and w.history.count() == 1
    assert w.image.export_button.isEnabled()


def test_load_an_image_to_complete(window, qtbot, tmp_path):
    w = window
    rgba = np.zeros((10, 8, 4), np.uint8)
    rgba[:3, :, :3] = 180
    rgba[:3, :, 3] = 255  # the first three rows are opaque: kept; the rest transparent: drawn
    path = tmp_path / "start.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert w.image.drawing.load_image(str(path))
    assert int(w.image.drawing.sketch_mask.sum()) == 24 and w.image.drawing.draw_check.isChecked()
    record = draw(qtbot, w, complete=True, seed=6)
    im = decode_png(record.media["images"][0])
    assert (im[:3] == 180).all() and record.tokens == 80 - 24
    # hovering a kept pixel says so
    canvas = w.image.canvas
    qtbot.mouseMove(canvas, canvas.pixel_rect(0, 1, 1).center())
    qtbot.waitUntil(lambda: "kept" in w.image.dist_view.text(), timeout=TIMEOUT)


def test_emoji_palette_hover_and_completion_keep_exact_colours(qtbot, image_models):
    w = open_image_window(qtbot, image_models / "tiny-emoji.safetensors")
    assert w.image.label() is None
    w.image.drawing.draw_check.setChecked(True)
    canvas = w.image.canvas
    w.image.drawing.colour_combo.setCurrentIndex(3)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.pixel_rect(0, 2, 2).center())
    colour = w.image.palette[3]
    record = draw(qtbot, w, complete=True, seed=8)
    assert record.tokens == 24 and (decode_png(record.media["images"][0])[2, 2] == colour).all()
    qtbot.mouseMove(canvas, canvas.pixel_rect(0, 4, 4).center())
    qtbot.waitUntil(lambda: "pixel (4, 4): colour" in w.image.dist_view.text(), timeout=TIMEOUT)
    bars = w.image.dist_view.bars
    assert bars.probs.shape == (6,) and bars.sort  # palette colours, likely ones first
    assert np.all(np.diff(bars.probs[bars.order()]) <= 0)


def test_pixels_reach_the_gui_at_most_once_per_frame_and_pace_slows_them(window, qtbot):
    from studio.core.batching import IMAGE_FRAME_S as FRAME_S

    sent = []  # (time, pixels), as each frame left the engine process
    window.engine.sig_image_frame.connect(
        lambda f: sent.append(
            (window.engine.last_sent_at, len(f.pixels.sample) if f.pixels else 0)
        ),
        Qt.ConnectionType.DirectConnection,
    )
    window.image.set_batch(16)
    record = draw(qtbot, window, seed=4)
    assert sum(n for _, n in sent) == record.tokens * 16
    gaps = [b[0] - a[0] for a, b in zip(sent[1:-2], sent[2:-1], strict=True)]
    assert all(g >= FRAME_S * 0.99 for g in gaps)
    # paced: every pixel step is its own frame, at least the pace apart
    sent.clear()
    window.image.set_batch(1)
    window.image.pace_slider.setValue(25)
    record = draw(qtbot, window, seed=4)
    t = [s for s, n in sent if n]
    assert len(t) == record.tokens and all(b - a >= 0.024 for a, b in zip(t, t[1:], strict=False))


def test_closing_mid_run_ends_the_engine_at_once(window, qtbot):
    window.image.pace_slider.setValue(200)  # 16 s for the image
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.image.generate_button.click()
    process = window.engine.process
    window.close()
    assert process.wait(5) is not None


def test_guidance_draws_what_the_engine_draws_and_comes_back_from_the_png(window, qtbot, tmp_path):
    w = window
    w.image.set_label(None)
    assert not w.image.guidance_spin.isEnabled()  # nothing to steer toward with "any"
    w.image.set_label(7)
    assert w.image.guidance_spin.isEnabled()
    w.image.guidance_spin.setValue(3.0)
    w.image.set_batch(4)
    record = draw(qtbot, w, seed=5)
    assert record.settings["guidance"] == 3.0 and "label 7, guidance 3" in record.text
    shown = [decode_png(t) for t in record.media["images"]]
    expected = engine_images(7, 4, 5, guidance=3.0)
    assert all((a == b).all() for a, b in zip(shown, expected, strict=True))
    path = tmp_path / "guided.png"
    assert w.files.export_image_to(str(path))
    w.image.guidance_spin.setValue(1.0)
    w.open_path(str(path))
    qtbot.waitUntil(lambda: w.image.guidance_spin.value() == 3.0, timeout=TIMEOUT)


def test_the_pace_slider_changes_the_pace_of_the_run_in_progress(window, qtbot):
    window.image.pace_slider.setValue(200)  # 16 s for the image at this pace
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.image.generate_button.click()
    t0 = time.perf_counter()
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended:
        window.image.pace_slider.setValue(0)
    assert ended.args[0].stop_reason == "length" and ended.args[0].tokens == 80
    assert time.perf_counter() - t0 < 8
