"""Step mode and A/B compare in the real window (engine in its own process): F10 and Enter N
times give the uninterrupted run's tokens, a pick is marked in the run's record, Run on finishes
the run as the uninterrupted one, and Compare marks where A and B part with its stage."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from test_ui_window import TIMEOUT, run

from studio.ui.main_window import MainWindow

N = 8


@pytest.fixture
def window(qtbot, models):
    w = MainWindow(initial_model=str(models / "tiny.safetensors"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.sig_model_ready, timeout=TIMEOUT):
        w.show()
    return w


def press(qtbot, widget, key) -> None:
    qtbot.keyClick(widget, key)


def step_shown(qtbot, w: MainWindow, key_widget, key=Qt.Key.Key_F10):
    stepper = w.text.steering.stepper
    with qtbot.waitSignal(stepper.sig_stepped, timeout=TIMEOUT):
        press(qtbot, key_widget, key)
    return stepper.dialog


def test_accepting_every_step_gives_the_uninterrupted_run(window, qtbot):
    w = window
    record = run(qtbot, w, "hello", seed=5, max_new_tokens=N, temperature=1.0, top_k=20)
    whole = [t["id"] for t in record.trace]
    w.prompt_edit.setFocus()
    dialog = step_shown(qtbot, w, w.prompt_edit)  # F10 in the Text tab starts step mode
    stepper = w.text.steering.stepper
    assert dialog.isVisible() and dialog.outcome.step == 0
    assert dialog.outcome.u is not None and 0 <= dialog.outcome.u < 1
    assert dialog.bar.slice_at(1 + dialog.outcome.u * (dialog.bar.width() - 2)).id == (
        dialog.outcome.drawn.id
    )
    for i in range(N):
        o = dialog.outcome
        assert o.step == i
        with qtbot.waitSignal(stepper.sig_taken, timeout=TIMEOUT):
            press(qtbot, dialog, Qt.Key.Key_Return)  # Accept
        if i < N - 1:
            step_shown(qtbot, w, dialog)  # Step again (F10)
    assert [t.id for t in w.output.tokens()] == whole
    assert w.output.generated_text() == record.text
    assert stepper.ended and not dialog.run_on_button.isEnabled()


def test_a_pick_is_marked_and_run_on_finishes_the_run(window, qtbot):
    w = window
    record = run(qtbot, w, "the fox", seed=9, max_new_tokens=N, temperature=1.0)
    whole = [t["id"] for t in record.trace]
    w.text.step_button.click()
    stepper = w.text.steering.stepper
    qtbot.waitUntil(lambda: stepper.pending is not None, timeout=TIMEOUT)
    dialog = stepper.dialog
    for _ in range(2):  # accept two tokens with Step again
        with qtbot.waitSignal(stepper.sig_stepped, timeout=TIMEOUT):
            dialog.step_button.click()
    # pick a token other than the drawn one from the candidates
    drawn = dialog.outcome.drawn.id
    row = next(i for i, t in enumerate(dialog.choice_ids()) if t != drawn)
    picked = dialog.choice_ids()[row]
    dialog.choices.setCurrentRow(row)
    with qtbot.waitSignal(stepper.sig_taken, timeout=TIMEOUT) as taken:
        dialog.pick_button.click()
    assert taken.args[0].by_hand and taken.args[0].id == picked
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as shown:
        press(qtbot, dialog, Qt.Key.Key_F5)  # Run on
    rec = shown.args[0]
    ids = [t["id"] for t in rec.trace]
    assert ids[:2] == whole[:2] and ids[2] == picked and len(ids) == N
    assert [t.get("by_hand", False) for t in rec.trace] == [i == 2 for i in range(N)]
    assert rec.text == w.output.generated_text()
    assert not dialog.isVisible()

    # the same steps accepted, then run on from step 0, is the uninterrupted run
    w.text.step_button.click()
    qtbot.waitUntil(lambda: stepper.pending is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as shown:
        stepper.dialog.run_on_button.click()
    assert [t["id"] for t in shown.args[0].trace] == whole


def test_compare_marks_where_a_and_b_part_and_the_stage(window, qtbot):
    w = window
    w.prompt_edit.setPlainText("hello")
    w.sampling.set_generation_settings(
        {"seed": 3, "max_new_tokens": 20, "sampling": {"temperature": 1.0, "top_k": 0}}
    )
    w.text.compare_button.click()
    d = w.text.steering.compare_dialog
    assert d.isVisible()
    d.b_fields["top_k"].setValue(1)
    with qtbot.waitSignal(w.engine.sig_compared, timeout=TIMEOUT) as done:
        d.run_button.click()
    parting = done.args[0]
    a, b = (v.tokens() for v in d.views)
    assert len(a) == len(b) == 20
    assert parting.step >= 0 and [t.id for t in a[: parting.step]] == [
        t.id for t in b[: parting.step]
    ]
    assert a[parting.step].id != b[parting.step].id
    assert parting.stage == "top-k" and "top-k" in d.result.text()
    assert all(len(v.extraSelections()) == 1 for v in d.views)
