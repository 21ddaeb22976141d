"""The window with its engine in a child process: torch stays out of the window's process, Stop is
quick, a killed engine leaves the window and the partial run, a killed window leaves no engine."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from test_ui_window import TIMEOUT, open_window, run
from ui_image_helpers import TIMEOUT as IMAGE_TIMEOUT
from ui_image_helpers import draw, image_models_fixture, open_image_window  # noqa: F401

from studio.cli.main import main as cli_main
from studio.core.stages import StageDistribution
from studio.ui.engine_client import EngineClient

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "models" / "shakespeare.safetensors"


@pytest.fixture
def window(qtbot, models):
    return open_window(qtbot, models / "tiny.safetensors")


def wait_gone(pid: int, seconds: float) -> bool:
    """Whether process `pid` ends within `seconds` (a pidfd turns readable when it does)."""
    fd = os.pidfd_open(pid)
    try:
        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)


WINDOW_SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication
from studio.benchmarks.qt_wait import wait_for
from studio.ui.main_window import MainWindow

app = QApplication([])
w = MainWindow(initial_model=sys.argv[1])
w.show()
wait_for(w.sig_model_ready, 120_000)
w.prompt_edit.setPlainText("ROMEO:")
w.sampling.set_generation_settings({"seed": 1, "max_new_tokens": 20})
w.generate()
(record,) = wait_for(w.sig_run_shown, 120_000)
engine = sorted(m for m in sys.modules if m == "torch" or m.startswith("studio.engine"))
print("tokens", record.tokens, "text", len(w.output.toPlainText()), "engine", engine)
w.close()
"""


def test_the_windows_process_never_imports_torch(tmp_path):
    env = {**os.environ, "AIGC_STUDIO_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run(
        [sys.executable, "-c", WINDOW_SCRIPT, str(BUNDLED)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "tokens 20 text" in r.stdout and "engine []" in r.stdout, r.stdout + r.stderr


def test_killing_the_engine_mid_run_keeps_the_window_and_the_partial_run(window, qtbot):
    window.prompt_edit.setPlainText("hello")
    window.sampling.set_generation_settings({"seed": 1, "max_new_tokens": 5000})
    with qtbot.waitSignal(window.sig_batch_shown, timeout=TIMEOUT):
        window.text.generate_button.click()
    first = window.engine.pid
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended:
        os.kill(first, signal.SIGKILL)
    record = ended.args[0]
    assert record.stop_reason == "engine-died" and 0 < record.tokens < 5000
    assert window.output.toPlainText() == "hello" + record.text  # the partial text stays
    qtbot.waitUntil(lambda: "engine stopped" in window.message_bar.text(), timeout=TIMEOUT)
    message = window.message_bar.text()  # said once the run it left has ended
    assert "engine stopped" in message and "SIGKILL" in message and "\n" not in message
    assert window.status_text("stop") == "the engine stopped"
    assert window.isVisible() and not window.is_running()
    stored = window.history.get(record.id)
    assert stored.text == record.text and stored.stop_reason == "engine-died"
    # the next Generate starts a fresh engine, which loads the model again
    again = run(qtbot, window, "hi", seed=2, max_new_tokens=8)
    assert again.tokens == 8 and again.stop_reason == "length"
    assert window.engine.pid != first
    assert window.history_panel.list.count() == 2


def test_stop_takes_effect_within_100_ms(qtbot, models):
    client = EngineClient()
    with qtbot.waitSignal(client.sig_model_loaded, timeout=TIMEOUT):
        client.load_model(str(models / "tiny.safetensors"))
    took = []
    for seed in range(3):
        with qtbot.waitSignal(client.sig_events, timeout=TIMEOUT):
            client.generate("hello", {"seed": seed, "max_new_tokens": 5000, "ignore_eos": True})
        with qtbot.waitSignal(client.sig_run_ended, timeout=TIMEOUT) as ended:
            t0 = time.perf_counter()
            client.stop()
        took.append(time.perf_counter() - t0)
        assert ended.args[0].stop_reason == "cancelled" and ended.args[0].tokens < 5000
    client.shutdown()
    # the best of three: the machine running the tests may be busy at any one moment
    print("stop took (ms):", [round(t * 1000, 1) for t in took])
    assert min(took) < 0.1, took


def test_sampling_stages_come_through_the_process_as_the_engine_computes_them(qtbot, models):
    from studio.engine.formats.model_finder import load_model
    from studio.engine.text.generation import GenerationSettings
    from studio.engine.text.sampling_stages import sampling_stages

    path = str(models / "tiny.safetensors")
    client = EngineClient()
    with qtbot.waitSignal(client.sig_model_loaded, timeout=TIMEOUT):
        client.load_model(path)
    settings = {"sampling": {"temperature": 0.7, "top_k": 5}, "seed": 1}
    with qtbot.waitSignal(client.sig_stages, timeout=TIMEOUT) as got:
        client.inspect_stages(path, "hel", [3, 4, 5], settings)
    step, chosen, stages = got.args
    assert (step, chosen) == (2, 5) and all(isinstance(s, StageDistribution) for s in stages)
    expected = sampling_stages(
        load_model(path),
        "hel",
        [3, 4, 5],
        GenerationSettings.from_dict({**settings, "num_samples": 1}),
    )
    assert [(s.name, s.kept, s.chosen.id) for s in stages] == [
        (s.name, s.kept, s.chosen.id) for s in expected
    ]
    assert stages[-1].chosen_prob == pytest.approx(expected[-1].chosen_prob, abs=1e-6)
    with qtbot.waitSignal(client.sig_stages_failed, timeout=TIMEOUT) as failed:
        client.inspect_stages(path, "hel", [10_000], settings)
    assert failed.args[0] == 0 and "token ids" in failed.args[1]
    client.shutdown()


def test_a_look_inside_comes_through_the_process_as_the_engine_computes_it(qtbot, models):
    from studio.engine.formats.model_finder import load_model
    from studio.engine.text.generation import GenerationSettings
    from studio.engine.text.inspect import inspect_step

    path = str(models / "tiny.safetensors")
    client = EngineClient()
    with qtbot.waitSignal(client.sig_model_loaded, timeout=TIMEOUT):
        client.load_model(path)
    settings = {"sampling": {"temperature": 0.7}, "seed": 1}
    with qtbot.waitSignal(client.sig_inspected, timeout=TIMEOUT) as got:
        client.inspect(path, "hel", [3, 4, 5], settings, ("attention", "lens"))
    step, found = got.args
    expected = inspect_step(
        load_model(path), "hel", [3, 4, 5], GenerationSettings.from_dict(settings)
    )
    assert step == 2 and found.chosen == expected.chosen and found.context == expected.context
    np.testing.assert_allclose(found.attention.weights, expected.attention.weights, atol=1e-6)
    assert [x.chosen_rank for x in found.lens.layers] == [
        x.chosen_rank for x in expected.lens.layers
    ]
    with qtbot.waitSignal(client.sig_inspected, timeout=TIMEOUT) as got:
        client.inspect(path, "hel", [3], settings, ("lens",))
    assert got.args[1].attention is None and got.args[1].lens is not None
    with qtbot.waitSignal(client.sig_inspect_failed, timeout=TIMEOUT) as failed:
        client.inspect(path, "hel", [10_000], settings)
    assert failed.args[0] == 0 and "token ids" in failed.args[1]
    with qtbot.waitSignal(client.sig_inspect_failed, timeout=TIMEOUT) as failed:
        client.inspect("/elsewhere/other.safetensors", "hel", [3], settings)
    assert "not the model that made this text" in failed.args[1]
    client.shutdown()


CLIENT_SCRIPT = """
from PySide6.QtCore import QCoreApplication
from studio.ui.engine_client import EngineClient

app = QCoreApplication([])
client = EngineClient()
client.sig_models_listed.connect(lambda models, problems: print(client.pid, flush=True))
client.list_models()
app.exec()
"""


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfd_open (Linux)")
def test_killing_the_windows_process_ends_the_engine(tmp_path):
    env = {**os.environ, "AIGC_STUDIO_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    gui = subprocess.Popen(
        [sys.executable, "-c", CLIENT_SCRIPT], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        engine = int(gui.stdout.readline())  # once the engine has answered
        fd = os.pidfd_open(engine)
        gui.kill()
        gui.wait()
        t0 = time.perf_counter()
        assert select.select([fd], [], [], 5.0)[0], "the engine outlived the window's process"
        assert time.perf_counter() - t0 < 5.0
        os.close(fd)
    finally:
        gui.kill()


def test_image_pace_changes_mid_run_and_stop_ends_a_paced_run(qtbot, image_models):
    w = open_image_window(qtbot, image_models / "tiny-digits.safetensors")
    w.image.pace_slider.setValue(200)  # 200 ms a pixel: 16 s for the 80 pixels
    with qtbot.waitSignal(w.sig_batch_shown, timeout=IMAGE_TIMEOUT):
        w.image.generate_button.click()
    t0 = time.perf_counter()
    with qtbot.waitSignal(w.sig_run_shown, timeout=IMAGE_TIMEOUT) as ended:
        w.image.pace_slider.setValue(0)  # as fast as it goes, from the next pixel
    assert ended.args[0].stop_reason == "length" and time.perf_counter() - t0 < 8
    assert ended.args[0].pixels_per_s > 0
    w.image.pace_slider.setValue(200)
    with qtbot.waitSignal(w.sig_batch_shown, timeout=IMAGE_TIMEOUT):
        w.image.generate_button.click()
    with qtbot.waitSignal(w.sig_run_shown, timeout=IMAGE_TIMEOUT) as stopped:
        t0 = time.perf_counter()
        w.image.stop_button.click()  # mid-wait: the pace waits on the run's cancel event
    assert stopped.args[0].stop_reason == "cancelled" and time.perf_counter() - t0 < 0.5


def test_an_image_run_the_command_line_wrote_opens_in_the_window(qtbot, image_models, tmp_path):
    out = tmp_path / "seven.json"
    model = image_models / "tiny-digits.safetensors"
    assert (
        cli_main(
            ["generate", "--model", str(model), "--seed", "4", "--label", "7", "--output", str(out)]
        )
        == 0
    )
    w = open_image_window(qtbot, image_models / "tiny.safetensors")
    with qtbot.waitSignal(w.sig_model_ready, timeout=IMAGE_TIMEOUT):
        w.open_path(str(out))  # File > Open: the run's model is loaded, then the run shown
    qtbot.waitUntil(lambda: w.image.record is not None, timeout=IMAGE_TIMEOUT)
    assert w.tabs.currentIndex() == 1 and w.image.record.seed == 4
    assert w.image.pixels.known.all() and w.image.pixels.steps == 80
    assert (
        w.status_text("speed").endswith("pixels/s")
        and w.sampling.generation_settings()["seed"] == 4
    )
