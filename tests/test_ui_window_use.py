"""The window in use: a model that fails to open, following the newest text, Esc and the sampling
stages, the pixel chart, and why a run stopped in words."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_ui_window import TIMEOUT, run
from ui_image_helpers import tiny_digits

from studio.engine.formats.studio_file import save_model_file, untied_state_dict
from studio.ui.distribution_view import MIN_BARS, DistributionView, shown_values
from studio.ui.main_window import MainWindow


@pytest.fixture
def home(models):
    """A fresh studio home and a model folder holding the tiny text model (conftest's)."""
    return models


@pytest.fixture
def window(qtbot, home):
    w = MainWindow(initial_model=str(home / "tiny.safetensors"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.show()
    return w


def said(w: MainWindow) -> list[str]:
    """Record every message the window's message line shows from now on."""
    messages: list[str] = []
    show = w.message_bar.show_message
    w.message_bar.show_message = lambda text, error=True: (messages.append(text), show(text, error))
    return messages


@pytest.mark.parametrize("bad", ["not-a-checkpoint.pt", "empty-folder"])
def test_a_model_that_fails_at_start_leaves_every_model_in_the_picker(qtbot, home, tmp_path, bad):
    path = tmp_path / bad
    if bad.endswith(".pt"):
        path.write_text("garbage")
    else:
        path.mkdir()
    w = MainWindow(initial_model=str(path))  # aigc-studio --model PATH
    qtbot.addWidget(w)
    messages = said(w)
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT) as ready:
        w.show()
    # said once, in the message line, and the first text model opened instead
    failures = [m for m in messages if m.startswith("Could not open the model")]
    assert len(failures) == 1 and str(path) in failures[0]
    assert w.message_bar.text() == failures[0]
    picker = w.picker
    texts = [m["path"] for m in picker.models() if m["kind"] == "text-gpt"]
    assert str(home / "tiny.safetensors") in texts and ready.args[0]["path"] == texts[0]
    assert picker.combo.isEnabled() and picker.current_path() == texts[0]
    assert picker.combo.count() == len(picker.models()) >= 1
    assert "Looking for models" not in picker.combo.placeholderText()
    assert run(qtbot, w, "hi", seed=1, max_new_tokens=3).tokens == 3


def test_with_no_text_model_to_fall_back_on_the_picker_asks_for_one(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    d = tmp_path / "models"
    d.mkdir()
    digits = tiny_digits()
    save_model_file(d / "digits.safetensors", untied_state_dict(digits.model), digits.card)
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(d))
    # without the bundled models, which include text models
    (tmp_path / "none").mkdir()
    monkeypatch.setenv("AIGC_STUDIO_BUNDLED_MODELS", str(tmp_path / "none"))  # the engine's too
    bad = tmp_path / "bad.pt"
    bad.write_text("garbage")
    w = MainWindow(initial_model=str(bad))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "Could not open the model" in w.message_bar.text(), timeout=TIMEOUT)
    picker = w.picker
    assert picker.combo.isEnabled() and picker.combo.currentIndex() == -1
    assert picker.combo.placeholderText() == "Choose a model…"
    assert [m["path"] for m in picker.models()] == [str(d / "digits.safetensors")]
    # choosing from it works
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        picker.combo.activated.emit(0)
    assert w.tabs.currentIndex() == 1


def test_the_newest_text_stays_in_sight_after_a_long_prompt(window, qtbot):
    window.resize(1100, 700)
    prompt = "".join(f"line {i} of a long pasted prompt\n" for i in range(300))
    run(qtbot, window, prompt, seed=2, max_new_tokens=60)
    bar = window.output.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    # the last generated character is on screen
    out = window.output
    cursor = out.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    assert out.viewport().rect().contains(out.cursorRect(cursor).center())


def test_scrolling_away_mid_run_stops_following_and_the_end_follows_again(window, qtbot):
    window.resize(1100, 700)
    window.prompt_edit.setPlainText("".join(f"p{i}\n" for i in range(200)))
    window.sampling.set_generation_settings({"seed": 1, "max_new_tokens": 5000})
    bar = window.output.verticalScrollBar()
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.text.generate_button.click()
    assert window.output.following()
    bar.setValue(10)  # the person scrolls up to read the prompt
    assert not window.output.following()
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        pass
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        pass
    assert bar.value() == 10  # left where the person is reading
    bar.setValue(bar.maximum())  # back to the end: followed again
    assert window.output.following()
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT):
        window.stop()
    assert bar.value() == bar.maximum()


def test_esc_closes_the_sampling_stages_after_clicking_another_token(window, qtbot):
    run(qtbot, window, "hello", seed=3, max_new_tokens=6)
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT):
        window.text.inspect_token(2)  # as a click on the token does
    dialog = window.text.stages_dialog
    # the person clicks another token in the window: the window has the keyboard then ...
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT):
        window.text.inspect_token(3)
    # ... and the dialog, showing that token, takes it back, so that Esc reaches it
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and not window.is_running()


def test_why_a_run_stopped_is_said_in_words(window, qtbot):
    first = run(qtbot, window, "hello", seed=5, max_new_tokens=30)
    assert window.status_text("stop") == "reached the limit"
    stop = first.text[10:12]
    ended = run(qtbot, window, "hello", seed=5, max_new_tokens=30, stop=[stop])
    assert ended.stop_reason == "stop"
    assert window.status_text("stop") == "stopped at a stop string"
    window.sampling.set_generation_settings({"max_new_tokens": 5000, "stop": []})
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.text.generate_button.click()
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT):
        window.stop()
    assert window.status_text("stop") == "stopped"


def peaked(at: int, width: float, n: int = 256) -> np.ndarray:
    x = np.exp(-0.5 * ((np.arange(n) - at) / width) ** 2)
    return x / x.sum()


def test_the_pixel_chart_shows_the_grey_levels_that_hold_the_mass():
    certain = np.zeros(256)
    certain[0] = 1.0
    assert list(shown_values(certain, 0, sort=False)) == list(range(MIN_BARS))
    bright = peaked(240, 6)
    shown = shown_values(bright, 238, sort=False)
    assert bright[shown].sum() >= 0.99 and len(shown) < 80
    assert list(shown) == list(range(shown[0], shown[-1] + 1))  # consecutive levels
    # a drawn value far from the mass is still shown
    assert 100 in shown_values(bright, 100, sort=False)
    # spread over everything: (nearly) all 256
    assert len(shown_values(np.full(256, 1 / 256), 3, sort=False)) >= 250
    # palette colours: the likeliest first, as many as hold 99%, the drawn one included
    pal = np.zeros(64)
    pal[[5, 9, 20]] = [0.6, 0.395, 0.005]
    order = shown_values(pal, 40, sort=True)
    assert list(order[:3]) == [5, 9, 20] and order[-1] == 40  # as far down as the drawn one
    assert len(shown_values(pal, 9, sort=True)) == MIN_BARS


def test_hovering_a_bright_pixel_shows_its_range_and_likeliest_values(qtbot):
    view = DistributionView()
    qtbot.addWidget(view)
    view.resize(240, 400)
    colours = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    probs = peaked(240, 6)
    view.show_pixel(0, 3, 4, 238, float(probs[238]), float(probs[238]), 3.0, probs, colours, False)
    left, right = view.bars.axis_ends(view.bars.order())
    assert left.startswith("grey 2") and right.startswith("grey 2")  # zoomed on the bright end
    assert "Most likely: grey 240 (" in view.text()
    view.show()
    assert not view.bars.grab().isNull()
