"""The main window driven through its widgets, with a tiny model and the real worker thread."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import save_tiny, tiny_char_model
from PySide6.QtCore import Qt, QtMsgType

from studio.cli.main import main as cli_main
from studio.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 20_000  # ms; the first test in a process also imports torch in the worker


def open_window(qtbot, model: Path | None) -> MainWindow:
    w = MainWindow(initial_model=str(model) if model else None)
    qtbot.addWidget(w)
    if model is None:
        w.show()
        return w
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.show()
    return w


@pytest.fixture
def window(qtbot, models):
    return open_window(qtbot, models / "tiny.safetensors")


def run(qtbot, w: MainWindow, prompt: str, **settings):
    w.prompt_edit.setPlainText(prompt)
    w.sampling.set_generation_settings(settings)
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as blocker:
        w.prompt_edit.setFocus()
        qtbot.keyClick(w.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    return blocker.args[0]


def cli_text(capsys, model: Path, prompt: str, seed: int, n: int) -> str:
    capsys.readouterr()
    rc = cli_main(
        [
            "generate",
            "--model",
            str(model),
            "--prompt",
            prompt,
            "--seed",
            str(seed),
            "--max-new-tokens",
            str(n),
        ]
    )
    assert rc == 0
    return capsys.readouterr().out


def test_window_is_titled_and_lists_the_model(window, models):
    assert window.windowTitle() == "AIGC Studio"
    assert window.picker.current_path() == str(models / "tiny.safetensors")
    # where it runs, on how many threads (a small model leaves a core to the window), and the
    # precision it computes in (Run > Precision)
    assert re.fullmatch(r"cpu, \d+ threads? · float32", window.status_text("device"))
    assert window.tabs.count() == 3 and window.tabs.tabText(1) == "Image"
    assert window.tabs.tabText(2) == "Train"
    # the Train tab offers the listed text model to fine-tune
    assert window.train.form.start_from.findData(str(models / "tiny.safetensors")) >= 0


def test_the_window_opens_with_a_model_named_on_the_command_line(models, qtbot):
    # `aigc-studio --model tiny`: by name from the model folders
    w = MainWindow(initial_model="tiny")
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.show()
    assert w.picker.current_path() == str(models / "tiny.safetensors")


def test_an_unknown_model_on_the_command_line_is_said_and_another_opens(models, qtbot):
    w = MainWindow(initial_model="no-such-model")
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.show()
    assert w.message_bar.isVisible()
    assert "No model named no-such-model" in w.message_bar.text()
    assert w.picker.current_path()  # a text model was opened instead


def test_generate_while_the_model_loads_runs_once_it_is_ready(models, qtbot):
    w = MainWindow(initial_model=str(models / "tiny.safetensors"))
    qtbot.addWidget(w)
    w.show()
    w.prompt_edit.setPlainText("hi")
    w.sampling.set_generation_settings({"seed": 1, "max_new_tokens": 12})
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as blocker:
        w.generate()  # the worker is still loading torch and the model
        assert "once the model is loaded" in w.statusBar().currentMessage()
    assert blocker.args[0].tokens == 12
    assert w.statusBar().currentMessage() == ""  # the promise is kept, so no longer shown


def test_the_command_line_passes_the_model_to_the_window(monkeypatch):
    import studio.ui.app

    seen = {}
    monkeypatch.setattr(studio.ui.app, "run_app", lambda model=None: seen.setdefault("m", model))
    cli_main(["--model", "digits"])
    assert seen["m"] == "digits"


def test_generate_with_a_seed_shows_what_the_cli_prints(window, models, qtbot, capsys):
    record = run(qtbot, window, "hello", seed=3, max_new_tokens=40)
    expected = cli_text(capsys, models / "tiny.safetensors", "hello", 3, 40)
    assert window.output.toPlainText() + "\n" == expected
    assert record.stop_reason == "length" and record.seed == 3
    assert "seed used: 3" in window.sampling.used_seed_label.text().lower()
    assert window.status_text("tokens") == "40 tokens"
    assert window.status_text("stop") == "reached the limit"
    assert window.status_text("ttft").startswith("first token")


def test_stop_mid_run_keeps_the_partial_text(window, qtbot):
    window.prompt_edit.setPlainText("hello")
    window.sampling.set_generation_settings({"seed": 1, "max_new_tokens": 5000})
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.text.generate_button.click()
    assert window.is_running()
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as blocker:
        t0 = time.perf_counter()
        qtbot.keyClick(window.output, Qt.Key.Key_Escape)
    assert time.perf_counter() - t0 < 0.5
    record = blocker.args[0]
    assert record.stop_reason == "cancelled" and 0 < record.tokens < 5000
    assert window.output.toPlainText() == "hello" + record.text
    assert not window.is_running() and window.text.generate_button.isEnabled()


def test_close_mid_run_exits_cleanly(window, qtbot, qtlog):
    window.sampling.set_generation_settings({"max_new_tokens": 5000})
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.text.generate_button.click()
    before = len(qtlog.records)
    process = window.engine.process
    t0 = time.perf_counter()
    window.close()
    assert time.perf_counter() - t0 < 1.0
    assert process.wait(5) is not None  # the engine process has ended
    warnings = [r for r in qtlog.records[before:] if r.type != QtMsgType.QtDebugMsg]
    assert warnings == []


def test_switching_model_during_a_run_stops_it_first(window, models, qtbot):
    other = save_tiny(models / "other.safetensors", tiny_char_model(seed=1))
    window.sampling.set_generation_settings({"max_new_tokens": 5000})
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.text.generate_button.click()
    with (
        qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended,
        qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT) as ready,
    ):
        window.choose_model(str(other))
    assert ended.args[0].stop_reason == "cancelled"
    assert ready.args[0]["path"] == str(other)


def test_engine_errors_show_in_the_window(window, models, qtbot):
    bad = models / "broken.safetensors"
    bad.write_bytes(b"\x01\x00\x00\x00not a model")
    window.choose_model(str(bad))
    qtbot.waitUntil(lambda: "broken.safetensors" in window.message_bar.text(), timeout=TIMEOUT)
    # the old model is still there and still generates
    assert window.can_generate()
    assert run(qtbot, window, "hi", seed=1, max_new_tokens=5).tokens == 5


def test_probability_colours_and_token_tooltips(window, qtbot):
    run(qtbot, window, "hello", seed=2, max_new_tokens=30)
    window.text.colors_check.setChecked(True)
    assert window.text.legend.isVisible()
    out = window.output
    i = next(i for i, t in enumerate(out._tokens) if t.text.strip())
    tip = out.token_tooltip(i)
    assert "entropy" in tip and "model_prob" in tip and "alternative" in tip
    # hovering the middle of that token's character finds it
    from PySide6.QtGui import QTextCursor

    c = QTextCursor(out.document())
    c.setPosition(out._starts[i])
    rect = out.cursorRect(c)
    point = rect.center()
    point.setX(point.x() + 2)
    assert out.token_index_at(point) == i
    assert out.token_index_at(out.cursorRect(QTextCursor(out.document())).center()) is None


def test_exports_and_reopening_the_json_reproduces_the_run(window, models, qtbot, tmp_path, capsys):
    record = run(qtbot, window, "hello", seed=5, max_new_tokens=25)
    expected = cli_text(capsys, models / "tiny.safetensors", "hello", 5, 25)
    for suffix in ("txt", "md", "json"):
        assert window.files.export_to(str(tmp_path / f"run.{suffix}"))
    assert (tmp_path / "run.txt").read_text(encoding="utf-8") == expected
    md = (tmp_path / "run.md").read_text(encoding="utf-8")
    assert expected.rstrip("\n") in md and "| seed | 5 |" in md
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert data["seed"] == 5 and data["model_name"] == "tiny" and len(data["trace"]) == 25

    # overwriting asks first; saying no keeps the file
    asked = []
    window.files.confirm_overwrite = lambda p: asked.append(p) or False
    (tmp_path / "run.txt").write_text("keep")
    assert not window.files.export_to(str(tmp_path / "run.txt"))
    assert asked and (tmp_path / "run.txt").read_text() == "keep"
    # an unwritable place gives a message and no file
    problems = []
    window.files.show_problem = problems.append
    assert not window.files.export_to(str(tmp_path / "missing" / "run.txt"))
    assert problems and "Nothing was written" in problems[0]
    assert not (tmp_path / "missing").exists()

    # re-open: change everything, then open the JSON
    window.sampling.reset()
    window.prompt_edit.setPlainText("something else")
    window.output.clear()
    window.open_path(str(tmp_path / "run.json"))
    assert window.prompt_edit.toPlainText() == "hello"
    assert window.output.toPlainText() == "hello" + record.text
    assert window.sampling.generation_settings()["seed"] == 5
    assert window.sampling.generation_settings()["max_new_tokens"] == 25
    again = run(qtbot, window, "hello")
    assert again.text == record.text


def test_history_survives_a_restart(models, qtbot):
    w = open_window(qtbot, models / "tiny.safetensors")
    record = run(qtbot, w, "hello", seed=9, max_new_tokens=12)
    w.sampling.sliders["temperature"].set_value(1.3)
    w.image.set_batch(16)
    w.image.pace_slider.setValue(40)
    w.close()

    w2 = open_window(qtbot, None)
    assert w2.history_panel.list.count() == 1
    assert w2.sampling.sliders["temperature"].value() == 1.3  # settings persisted too
    assert (w2.image.batch(), w2.image.pace_slider.value()) == (16, 40)
    w2.history_panel.search.setText("nothing like this")
    w2.history_panel.refresh()
    assert w2.history_panel.list.count() == 0
    w2.history_panel.search.setText("")
    w2.history_panel.refresh()
    item = w2.history_panel.list.item(0)
    w2.history_panel.list.setCurrentItem(item)
    w2.history_panel.list.itemClicked.emit(item)
    assert w2.output.toPlainText() == "hello" + record.text
    assert w2.sampling.generation_settings()["seed"] == 9
    w2.history_panel.delete_selected()
    assert w2.history_panel.list.count() == 0


def test_window_appears_before_torch_is_imported(tmp_path):
    env = {
        **os.environ,
        "AIGC_STUDIO_EXIT_WHEN_SHOWN": "1",
        "AIGC_STUDIO_HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
    }
    r = subprocess.run(
        [sys.executable, "-m", "studio"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "torch=False" in r.stdout


def test_dropping_a_model_file_opens_it(window, models, qtbot):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    other = save_tiny(models / "dropped.safetensors", tiny_char_model(seed=2))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT) as ready:
        window.dropEvent(event)
    assert ready.args[0]["path"] == str(other)
    assert window.picker.current_path() == str(other)


def test_model_card_shows_size_data_license_and_metrics(qtbot):
    from studio.ui.model_card_dialog import ModelCardDialog

    info = {
        "name": "shakespeare",
        "title": "Shakespeare",
        "kind": "text-gpt",
        "path": "/m/shakespeare.safetensors",
        "size_bytes": 12_500_000,
        "source": "bundled",
        "card": {
            "data": {"source": "tinyshakespeare", "license": "public domain"},
            "metrics": {"val_loss_nats_per_token": 1.4712},
        },
    }
    dlg = ModelCardDialog(info)
    qtbot.addWidget(dlg)
    text = dlg.browser.toPlainText()
    for needle in ("Shakespeare", "12.5 MB", "public domain", "tinyshakespeare", "1.471"):
        assert needle in text


def test_events_reach_the_gui_at_most_once_per_frame(window, qtbot):
    from studio.core.batching import TEXT_BATCH_S as FRAME_S

    sent = []  # (time, batch size), as each batch left the engine process
    window.engine.sig_events.connect(
        lambda batch: sent.append((window.engine.last_sent_at, len(batch))),
        Qt.ConnectionType.DirectConnection,
    )
    record = run(qtbot, window, "hello", seed=4, max_new_tokens=400)
    assert sum(n for _, n in sent) == record.tokens + 2  # start + tokens + done
    assert len(sent) < record.tokens
    gaps = [b[0] - a[0] for a, b in zip(sent[1:-2], sent[2:-1], strict=True)]
    assert all(g >= FRAME_S * 0.99 for g in gaps)


def test_export_from_history_and_copy(window, qtbot, tmp_path, monkeypatch, qapp):
    from PySide6.QtWidgets import QFileDialog

    record = run(qtbot, window, "hello", seed=6, max_new_tokens=10)
    target = tmp_path / "from-history"
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *a, **k: (str(target), "Markdown with settings (*.md)")),
    )
    window.history_panel.select_id(record.id)
    window.history_panel.export_button.click()
    md = (tmp_path / "from-history.md").read_text(encoding="utf-8")
    assert "hello" + record.text in md
    window.copy_action.trigger()
    assert qapp.clipboard().text() == "hello" + record.text


def test_sliding_past_the_window_says_why_it_slows_and_what_is_faster(qtbot, models):
    small = save_tiny(models / "small.safetensors", tiny_char_model(block_size=16))
    w = open_window(qtbot, small)
    run(qtbot, w, "hi", seed=1, max_new_tokens=10, context="slide")
    assert not w.message_bar.isVisible()  # 2 + 10 tokens fit in the 16-token window
    run(qtbot, w, "hi", seed=1, max_new_tokens=30, context="slide")
    assert w.message_bar.isVisible() and "Shift" in w.message_bar.text()
    run(qtbot, w, "hi", seed=1, max_new_tokens=30, context="shift")
    assert not w.message_bar.isVisible()
    run(qtbot, w, "hi", seed=1, max_new_tokens=30, context="slide")
    assert not w.message_bar.isVisible()  # said once: Slide is now a choice made knowingly


def test_help_lists_every_shortcut_and_ctrl_f_finds_in_history(window, qtbot):
    rows = dict(window.shortcut_rows())
    assert rows["Generate"].startswith("Ctrl+Return")
    assert rows["Stop"] == "Esc"
    assert rows["Quit"] == "Ctrl+Q"
    assert "Ctrl+E" in rows["Export"]
    assert rows["Search History"] == "Ctrl+F"
    box = window.show_shortcuts()
    assert "Ctrl+Shift+C" in box.text() and "Copy Text" in box.text()
    box.close()
    about = window.show_about()
    assert "AIGC Studio" in about.text() and "Model Card" in about.text()
    about.close()
    window.history_panel.search.setText("old words")
    window.prompt_edit.setFocus()
    window.search_action.trigger()
    qtbot.waitUntil(lambda: window.history_panel.search.hasFocus())
    assert window.history_panel.search.selectedText() == "old words"


def test_clicking_a_token_shows_its_sampling_stages(window, qtbot):
    from PySide6.QtGui import QTextCursor

    from studio.io.display_format import pct

    sampling = {"temperature": 0.7, "top_k": 5, "top_p": 0.9}
    run(qtbot, window, "hello", seed=3, max_new_tokens=20, sampling=sampling)
    out = window.output
    i = next(i for i, t in enumerate(out.tokens()) if t.text.strip() and i > 3)
    token = out.tokens()[i]
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
    heads = [table.horizontalHeaderItem(c).text().split("\n") for c in range(table.columnCount())]
    assert heads == [["model", ""], ["temperature", "0.7"], ["top-k", "5"], ["top-p", "0.9"]]
    rows = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    chosen = next(r for r, label in enumerate(rows) if label.startswith("▶"))
    # the drawn token's numbers are the ones the run reported
    assert dialog.cell_text(chosen, 0) == pct(token.model_prob)
    assert dialog.cell_text(chosen, 3) == pct(token.prob)
    assert rows[-2:] == ["tokens kept", "entropy (nats)"]
    kept_after_top_k = [dialog.cell_text(r, 2) for r in range(len(rows) - 2)]
    assert 1 <= sum(t != "–" for t in kept_after_top_k) <= 5
    assert int(dialog.cell_text(len(rows) - 2, 2)) <= 5
    assert f"{token.entropy:.2f}" == dialog.cell_text(len(rows) - 1, 3)

    # a text made by a model that is not loaded says which one to open
    window.text.shown_run = {
        **window.text.shown_run,
        "model_path": "/elsewhere/other.safetensors",
    }
    window.text.inspect_token(i)
    assert "open that model" in window.message_bar.text()


def test_stages_asked_for_mid_run_come_once_it_ends(qtbot):
    from studio.ui.stages_view import StagesDialog

    dialog = StagesDialog()
    qtbot.addWidget(dialog)
    dialog.show_loading(4, " ", after_run=True)
    assert "Token 5" in dialog.title.text() and "once the run ends" in dialog.title.text()
    dialog.show_failure("no model")
    assert "could not be computed: no model" in dialog.title.text()


def test_continue_generates_on_from_the_end_of_the_text(window, qtbot):
    assert not window.text.continue_button.isEnabled()  # nothing to go on from yet
    first = run(qtbot, window, "hello", seed=4, max_new_tokens=10)
    assert window.text.continue_button.isEnabled()
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended:
        qtbot.keyClick(
            window.prompt_edit,
            Qt.Key.Key_Return,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    second = ended.args[0]
    assert second.prompt == "hello" + first.text
    assert window.prompt_edit.toPlainText() == second.prompt
    assert window.output.toPlainText() == second.prompt + second.text
    assert second.tokens == 10


def test_continue_with_nothing_generated_says_so(window):
    window.output.start("only a prompt")
    window.continue_text()
    assert "Nothing to continue" in window.message_bar.text()
    assert not window.is_running()


def test_a_run_the_command_line_wrote_opens_in_the_window(window, models, qtbot, tmp_path, capsys):
    path = tmp_path / "cli-run.json"
    rc = cli_main(
        [
            *("generate", "--model", str(models / "tiny.safetensors"), "--prompt", "the"),
            *("--seed", "8", "--max-new-tokens", "15", "--top-k", "7", "--output", str(path)),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    window.open_path(str(path))
    assert window.output.toPlainText() + "\n" == printed
    assert window.output.token_count() == 15
    assert window.sampling.generation_settings()["sampling"]["top_k"] == 7
    assert window.sampling.generation_settings()["seed"] == 8


def test_stages_refuse_a_model_other_than_the_one_that_made_the_text(window, qtbot):
    run(qtbot, window, "hello", seed=3, max_new_tokens=5)
    ids = [t.id for t in window.output.tokens()]
    with qtbot.waitSignal(window.engine.sig_stages_failed, timeout=TIMEOUT) as failed:
        # as if a switch to another model had been asked for after the click
        window.engine.inspect_stages("/elsewhere/other.safetensors", "hello", ids, {})
    assert failed.args[0] == 4 and "not the model that made this text" in failed.args[1]


def test_the_stages_dialog_steps_through_the_run(window, qtbot):
    run(qtbot, window, "hello", seed=3, max_new_tokens=6)
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT):
        window.text.inspect_token(0)
    dialog = window.text.stages_dialog
    assert not dialog.previous_button.isEnabled() and dialog.next_button.isEnabled()
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT) as shown:
        dialog.next_button.click()
    assert shown.args == [1] and "Token 2" in dialog.title.text()
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT) as shown:
        qtbot.keyClick(dialog, Qt.Key.Key_Right)
    assert shown.args == [2]
    with qtbot.waitSignal(window.sig_stages_shown, timeout=TIMEOUT) as shown:
        qtbot.keyClick(dialog, Qt.Key.Key_Left)
    assert shown.args == [1]
    window.text.inspect_token(5)
    assert dialog.previous_button.isEnabled() and not dialog.next_button.isEnabled()


def test_when_the_engine_dies_the_run_ends_stopped_and_generate_loads_the_model_again(
    window, qtbot
):
    window.prompt_edit.setPlainText("hello")
    window.sampling.set_generation_settings({"seed": 1, "max_new_tokens": 5000})
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.text.generate_button.click()
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended:
        window.engine.sig_engine_died.emit("the engine process was killed")
    assert ended.args == [None]
    assert window.output.toPlainText().startswith("hello") and window.output.token_count() > 0
    assert window.message_bar.text() == "the engine process was killed"  # the client's one line
    assert window.status_text("stop") == "stopped: the engine ended"
    assert not window.is_running() and window.text.generate_button.isEnabled()
    assert window.text.continue_button.isEnabled()  # the partial text can be continued
    window.engine.stop()  # the process lives on here: end its run as a dead one's would be
    window.sampling.set_generation_settings({"seed": 1, "max_new_tokens": 5})
    with (
        qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT),
        qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as again,
    ):
        window.generate()
    assert again.args[0].tokens == 5 and again.args[0].stop_reason == "length"
