"""The window on small and large screens: its minimum size with either workspace, its size at first
start, a remembered geometry too large for the screen, the model list with long names, and what
greys out in image mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import save_tiny, tiny_char_model
from PySide6.QtCore import QRect, QSize
from ui_image_helpers import image_models_fixture, open_image_window  # noqa: F401 - the fixture

from studio.ui.main_window import MainWindow
from studio.ui.model_picker import ModelPicker
from studio.ui.window_fit import MIN_SIZE, first_size, fit_rect

ROOT = Path(__file__).resolve().parents[1]
LONG_TITLE = "A very long model title that goes on and on (character GPT, fine-tuned twice)"


def fits(size: QSize, limit: QSize = MIN_SIZE) -> bool:
    return size.width() <= limit.width() and size.height() <= limit.height()


@pytest.fixture
def window(qtbot, image_models):
    return open_image_window(qtbot, image_models / "tiny-digits.safetensors")


def test_both_workspaces_fit_in_1024_by_640(window):
    w = window
    # the image tab with a labelled model: label, guidance and drawing tools all shown
    assert w.tabs.currentIndex() == 1 and w.image.label_combo.isVisible()
    assert fits(w.minimumSizeHint()) and fits(w.minimumSize()), w.minimumSizeHint()
    w.tabs.setCurrentIndex(0)
    assert fits(w.minimumSizeHint()) and fits(w.minimumSize()), w.minimumSizeHint()
    # long texts wrap or are elided rather than widening the window
    w.message_bar.show_message("a long message " * 40)
    w.status.set_fields(model=LONG_TITLE * 3, stop="stopped at a stop string")
    assert fits(w.minimumSizeHint()), w.minimumSizeHint()
    assert w.status_text("model") == LONG_TITLE * 3  # the whole name is still the field's


def test_the_window_shrinks_to_its_minimum_and_every_panel_stays_inside(window, qtbot):
    w = window
    w.resize(MIN_SIZE)
    qtbot.waitUntil(lambda: w.size() == MIN_SIZE)
    for tab in (0, 1):
        w.tabs.setCurrentIndex(tab)
        qtbot.wait(10)  # let the layouts settle
        inside = w.rect()
        for panel in (w.history_panel, w.status, w.tabs, w.picker):
            top_left = panel.mapTo(w, panel.rect().topLeft())
            box = QRect(top_left, panel.size())
            assert inside.contains(box), (panel, box, inside)
        # the image controls wrapped: Export… is still inside the tab
        b = w.image.export_button
        if tab == 1:
            assert w.image.rect().contains(QRect(b.mapTo(w.image, b.rect().topLeft()), b.size()))


@pytest.mark.parametrize(
    ("screen", "expected"),
    [
        (QRect(0, 0, 1280, 720), QSize(1088, 640)),  # 85% wide; never below the minimum height
        (QRect(0, 0, 1920, 1080), QSize(1600, 918)),  # 85% high; at most 1600 wide
        (QRect(0, 0, 1024, 700), QSize(1024, 640)),
        (QRect(0, 0, 3840, 2160), QSize(1600, 1000)),
        (QRect(0, 0, 800, 600), QSize(800, 600)),  # a screen smaller than the minimum
    ],
)
def test_first_start_size_comes_from_the_screen(screen, expected):
    assert first_size(screen) == expected


def test_a_geometry_larger_than_the_screen_is_shrunk_and_moved_onto_it():
    screen = QRect(0, 0, 1280, 720)
    assert fit_rect(QRect(100, 50, 1900, 1200), screen) == screen
    # off the right and bottom of the screen (saved on a second monitor): moved back on
    assert fit_rect(QRect(2500, 1500, 1100, 700), screen) == QRect(180, 20, 1100, 700)
    assert fit_rect(QRect(-900, -40, 1000, 600), screen) == QRect(0, 0, 1000, 600)
    # already on screen: left where it is
    assert fit_rect(QRect(10, 10, 1000, 600), screen) == QRect(10, 10, 1000, 600)
    # a second screen to the right of the first
    right = QRect(1280, 0, 1920, 1080)
    assert fit_rect(QRect(3000, 100, 1500, 900), right) == QRect(1700, 100, 1500, 900)


WINDOW_ON_SCREEN = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from studio.ui.main_window import MainWindow
w = MainWindow()
if len(sys.argv) > 1:  # where the person left the window: saved as it closes
    w.setGeometry(*map(int, sys.argv[1:]))
else:
    w.show()
    for _ in range(3):
        app.processEvents()
g, a = w.frameGeometry(), w.screen().availableGeometry()
print(json.dumps({"frame": [g.x(), g.y(), g.width(), g.height()], "size": [w.width(), w.height()]}))
w.close()
"""


def window_on_screen(tmp_path: Path, screen: tuple[int, int], left_at=()) -> dict:
    """Where the window opens on a screen of `screen` pixels (a fresh process with such a
    screen); with `left_at` (x, y, width, height), leave it there and close it instead."""
    width, height = screen
    config = tmp_path / f"screen-{width}x{height}.json"
    one = {"name": "s", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96}
    config.write_text(json.dumps({"screens": [one]}))
    env = {
        **os.environ,
        "AIGC_STUDIO_HOME": str(tmp_path / "home"),
        "AIGC_STUDIO_MODELS": str(tmp_path / "no-models"),
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "PYTHONPATH": str(ROOT),
    }
    r = subprocess.run(
        [sys.executable, "-c", WINDOW_ON_SCREEN, *map(str, left_at)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def on_screen(frame: list[int], width: int, height: int) -> bool:
    x, y, w, h = frame
    return x >= 0 and y >= 0 and x + w <= width and y + h <= height


def test_first_start_on_a_1280x720_screen(tmp_path):
    shown = window_on_screen(tmp_path, (1280, 720))
    assert shown["size"] == [1088, 640]
    assert on_screen(shown["frame"], 1280, 720)


def test_a_window_left_large_on_a_taller_screen_opens_inside_a_smaller_one(tmp_path):
    # closed at 1270x1000 hanging off the bottom right of a 1280x1024 screen ...
    window_on_screen(tmp_path, (1280, 1024), left_at=(600, 300, 1270, 1000))
    # ... and opened on a 1280x720 one: shrunk onto it, not put back to the first-start size
    shown = window_on_screen(tmp_path, (1280, 720))
    assert on_screen(shown["frame"], 1280, 720), shown
    assert shown["size"][0] > 1088


def test_a_window_left_on_a_much_wider_screen_opens_at_the_first_start_size(tmp_path):
    # a remembered geometry from a screen twice as wide is not used (Qt refuses it): the window
    # opens as at first start, on screen
    window_on_screen(tmp_path, (2560, 1440), left_at=(400, 100, 2000, 1300))
    shown = window_on_screen(tmp_path, (1280, 720))
    assert shown["size"] == [1088, 640] and on_screen(shown["frame"], 1280, 720)


def test_long_model_names_are_elided_with_the_whole_name_in_the_tooltip(qtbot):
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.set_models(
        [{"name": "long", "title": LONG_TITLE, "path": "/m/long.pt", "source": "user"}]
    )
    picker.select_path("/m/long.pt")
    # the picker does not grow with the name, and says it whole on hover
    assert picker.minimumSizeHint().width() <= 300
    assert LONG_TITLE in picker.combo.toolTip() and "/m/long.pt" in picker.combo.toolTip()
    picker.resize(260, picker.sizeHint().height())
    picker.show()
    picker.combo.showPopup()
    # the open list is as wide as the name
    assert picker.combo.view().minimumWidth() > picker.combo.fontMetrics().horizontalAdvance(
        LONG_TITLE
    )
    picker.combo.hidePopup()


def test_text_only_settings_grey_out_in_image_mode(window, qtbot):
    s = window.sampling
    assert window.tabs.currentIndex() == 1
    for widget in (s.stop_box, s.stop_edit, s.context_label, s.context_combo):
        assert not widget.isEnabled(), widget
    before = s.stop_edit.toPlainText()
    qtbot.keyClicks(s.stop_edit, "abc")
    assert s.stop_edit.toPlainText() == before
    window.tabs.setCurrentIndex(0)
    assert s.stop_box.isEnabled() and s.stop_edit.isEnabled() and s.context_combo.isEnabled()
    s.stop_edit.setFocus()
    qtbot.keyClicks(s.stop_edit, "abc")
    assert s.stop_edit.toPlainText() == before + "abc"


def test_probability_colours_are_on_at_first_start_and_a_stored_choice_wins(
    tmp_path, monkeypatch, qtbot
):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(tmp_path / "models"))
    (tmp_path / "models").mkdir()
    save_tiny(tmp_path / "models" / "tiny.safetensors", tiny_char_model())
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.text.colors_check.isChecked() and w.output.colors() and w.colors_action.isChecked()
    w.text.colors_check.setChecked(False)
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert not again.text.colors_check.isChecked() and not again.output.colors()
    again.close()
