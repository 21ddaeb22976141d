"""File > Download Model…: the dialog downloads from the tiny Hub of tests/hub_server.py off the GUI
thread, shows the progress, then the model is listed as the person's own and loaded; a failure is
one line in the dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from test_download import REPO, folders, hub  # noqa: F401 - the fixtures
from test_ui_window import TIMEOUT, open_window


def test_download_dialog_downloads_lists_and_loads_the_model(hub, qtbot):  # noqa: F811
    w = open_window(qtbot, None)
    qtbot.waitUntil(lambda: w.models.listed, timeout=TIMEOUT)
    w.download_action.trigger()
    d = w.files.download
    assert d.isVisible() and not d.cancel_button.isEnabled()
    d.repo_edit.setText(REPO)
    progress = []
    with qtbot.waitSignal(d.sig_downloaded, timeout=TIMEOUT) as done:
        qtbot.mouseClick(d.download_button, Qt.MouseButton.LeftButton)
        assert d.cancel_button.isEnabled() and not d.download_button.isEnabled()
        d.worker.sig_progress.connect(progress.append)
    path = done.args[0]
    assert path.endswith("example--tiny-llama")
    assert d.bar.value() == 1000 and path in d.state.text()
    qtbot.waitUntil(lambda: (w.models.info or {}).get("path") == path, timeout=TIMEOUT)
    info = w.picker.current_info()
    assert info["path"] == path and info["source"] == "user"
    assert w.picker.combo.currentText().endswith("(yours)")
    qtbot.waitUntil(lambda: d.worker is None and d.download_button.isEnabled(), timeout=TIMEOUT)
    assert progress and progress[-1].done_bytes == progress[-1].total_bytes
    from studio.io.downloads import DownloadProgress

    p = DownloadProgress("model.safetensors", 12_300_000, 1_210_000_000, 4_500_000, 269.0)
    assert d.progress_text(p) == "12.3 MB of 1.21 GB · 4.5 MB/s · 4:29 left · model.safetensors"


def test_download_dialog_says_a_failure_in_one_line(hub, qtbot):  # noqa: F811
    w = open_window(qtbot, None)
    w.download_action.trigger()
    d = w.files.download
    d.repo_edit.setText("example/nothing-here")
    qtbot.mouseClick(d.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.worker is None, timeout=TIMEOUT)
    assert d.state.text().startswith("Could not download: no model example/nothing-here")
    assert "\n" not in d.state.text() and d.download_button.isEnabled()
