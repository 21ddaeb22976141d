"""Pixel branches in the real window: Branch here with a value from a pixel's context menu (and a
typed one), the branch's prefix pixel for pixel, the chosen pixel marked, one sample of a batch,
the tree beside the canvas and its keys, the tree in the history, export and open of the tree."""

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
from studio.io.run_tree import read_tree


@pytest.fixture
def window(qtbot, image_models):
    return open_image_window(qtbot, image_models / "tiny-digits.safetensors")


def grey(w, sample: int = 0) -> np.ndarray:
    """The canvas's picture of `sample` as grey levels, raster order."""
    return (w.image.canvas.argb[sample] & 0xFF).astype(np.int64).reshape(-1)


def branch_from_menu(qtbot, w, sample: int, row: int, col: int, nth: int = 0):
    """Choose the nth value listed in the pixel's Branch here menu; (value, record)."""
    menu = w.image.runner.branches.menu(sample, row, col)
    assert menu is not None
    values = [a for a in menu.actions() if a.isEnabled() and "\t" in a.text()]
    action = values[nth]
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as blocker:
        action.trigger()
    return int(action.text().split("\t")[0].split()[-1]), blocker.args[0]


def test_branch_a_pixel_of_one_sample_of_a_batch(window, qtbot, tmp_path, monkeypatch):
    w = window
    w.image.set_batch(4)
    root = draw(qtbot, w, seed=11, temperature=1.0)
    branches = w.image.runner.branches
    assert not branches.panel.isVisible()
    before = grey(w, 2)
    row, col = 3, 5
    fork = row * w.image.W + col
    assert branches.menu(2, row, col).actions()[-1].text().startswith("Only sample 3")

    value, rec = branch_from_menu(qtbot, w, 2, row, col)
    after = grey(w)
    assert w.image.canvas.argb.shape[0] == 1  # the clicked sample alone
    assert np.array_equal(after[:fork], before[:fork])  # pixel for pixel
    assert after[fork] == value != before[fork]
    chosen = rec.media["chosen"]
    assert (chosen["row"], chosen["col"], chosen["value"], chosen["sample"]) == (3, 5, value, 2)
    assert rec.settings["seed"] == root.seed + 2 and rec.settings["num_samples"] == 1
    assert w.image.canvas.cursor == (row, col)  # the chosen pixel is outlined
    assert w.image.batch() == 4  # the batch setting is left alone
    tree = branches.tree
    assert len(tree) == 2 and tree.nodes[1].fork == fork and branches.panel.isVisible()
    # the hover marks the pixel chosen by hand; the pixels before it keep the run's numbers
    w.image.canvas.sig_hovered.emit(0, row, col)
    assert "Chosen by hand" in w.image.dist_view.text()
    assert w.image.pixels.probs[0, 0, 0] == pytest.approx(float(root.media["prob"][2][0]), 1e-3)

    # the history holds the tree
    stored = w.history.get_tree(root.id)
    assert stored is not None and len(stored) == 2 and stored.nodes[1].chosen["value"] == value

    # a typed value: the one the run drew gives the run's own picture back
    w.image.runner.branches.show_node(0)
    assert w.image.canvas.argb.shape[0] == 4
    monkeypatch.setattr(
        "studio.ui.image_branches.QInputDialog.getInt",
        lambda *a, **k: (int(before[fork]), True),
    )
    menu = branches.menu(2, row, col)
    typed = next(a for a in menu.actions() if a.text().startswith("Type a value"))
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT):
        typed.trigger()
    assert np.array_equal(grey(w), before)
    assert len(branches.tree) == 3 and branches.tree.nodes[2].parent == 0

    # the tree's keys: Left to the run, Down and Up between the sibling branches
    view = branches.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert grey(w)[fork] == value
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert w.image.canvas.argb.shape[0] == 4 and np.array_equal(grey(w, 2), before)

    # a branch of the branch at an earlier pixel hangs under the run, from sample 3
    qtbot.keyClick(view, Qt.Key.Key_Right)
    _, rec = branch_from_menu(qtbot, w, 0, 1, 0)
    tree = branches.tree
    assert len(tree) == 4 and tree.nodes[3].parent == 0 and tree.nodes[3].chosen["sample"] == 2

    # export the tree and open it again
    out = tmp_path / "tree.json"
    assert w.image.runner.export_to(str(out), w.image.record, lambda _p: True)
    assert read_tree(out).to_json() == tree.to_json()
    picture = decode_png(read_tree(out).nodes[1].run.media["images"][0])
    w.open_path(str(out))
    assert len(branches.tree) == 4 and branches.panel.isVisible()
    branches.show_node(1)
    assert np.array_equal(grey(w), picture.reshape(-1).astype(np.int64))


def test_kept_and_undrawn_pixels_have_no_branch_menu(window, qtbot):
    w = window
    w.image.set_batch(1)
    assert w.image.runner.branches.menu(0, 0, 0) is None  # nothing drawn yet
    w.image.set_drawing(True)
    w.image.paint_pixel(0, 1, True)
    draw(qtbot, w, complete=True, seed=3, temperature=1.0)
    branches = w.image.runner.branches
    assert branches.menu(0, 0, 1) is None  # kept from the drawing, not drawn
    assert branches.menu(0, 0, 2) is not None
    assert not branches.branch(0, 0, 2, 256)  # not a grey level
    assert "not a value" in w.image.message_bar.text()
    # a branch of a completion keeps the kept pixel where it is
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT) as blocker:
        assert branches.branch(0, 0, 0, 17)
    assert blocker.args[0].media["kept"] and grey(w)[0] == 17
    assert grey(w)[1] == (w.image.drawing.sketch[0, 1])
