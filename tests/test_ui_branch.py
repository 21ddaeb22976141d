"""Branching in the real window: Branch here from a token's alternatives and from its sampling
stages, the new run's prefix and its hand-chosen mark, the tree beside the text and its keys, the
tree in the history, export and open of the tree file."""

from PySide6.QtCore import Qt
from test_ui_window import TIMEOUT, open_window, run

from studio.io.run_tree import read_tree


def ids(tokens) -> list[int]:
    return [t.id for t in tokens]


def branch_from_menu(qtbot, w, i: int) -> int:
    """Choose token i's first alternative in its context menu; the chosen id."""
    menu = w.output.branch_menu(i)
    action = next(a for a in menu.actions() if not a.isSeparator())
    alt = next(c for c in w.output.tokens()[i].top if c.id != w.output.tokens()[i].id)
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT):
        action.trigger()
    return alt.id


def test_branch_here_from_an_alternative_and_from_the_stages_dialog(qtbot, models, tmp_path):
    w = open_window(qtbot, models / "tiny.safetensors")
    parent = run(qtbot, w, "hello", seed=3, max_new_tokens=8, top_k=10)
    before = w.output.tokens()
    assert not w.text.branches.panel.isVisible()

    chosen = branch_from_menu(qtbot, w, 3)
    after = w.output.tokens()
    assert ids(after[:3]) == ids(before[:3])  # the prefix, token for token
    assert after[3].id == chosen and after[3].by_hand  # chosen by hand, and marked so
    assert not any(t.by_hand for t in after[4:]) and len(after) == 3 + 1 + 8
    alt = next(c for c in before[3].top if c.id == chosen)
    assert abs(after[3].model_prob - alt.model_prob) < 1e-6  # what the model gave it
    tree = w.text.branches.tree
    assert len(tree) == 2 and tree.nodes[1].fork == 3 and w.text.branches.panel.isVisible()
    assert tree.nodes[1].run.settings == parent.settings  # the same settings, seed included

    # the history holds the tree
    stored = w.history.get_tree(parent.id)
    assert stored is not None and len(stored) == 2
    assert [t["id"] for t in stored.path_trace(1)] == ids(after)

    # the tree's keys: Left to the run it branched from, Right back to the branch
    view = w.text.branches.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert ids(w.output.tokens()) == ids(before)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert ids(w.output.tokens()) == ids(after)

    # Branch here from the sampling stages of token 6 of the branch
    with qtbot.waitSignal(w.sig_stages_shown, timeout=TIMEOUT):
        w.text.inspect_token(6)
    dialog = w.text.stages_dialog
    assert not dialog.branch_button.isEnabled()
    row = next(r for r, i in enumerate(dialog._row_ids) if i != after[6].id)
    dialog.table.selectRow(row)
    assert dialog.branch_button.isEnabled()
    with qtbot.waitSignal(w.sig_run_shown, timeout=TIMEOUT):
        dialog.branch_button.click()
    third = w.output.tokens()
    assert ids(third[:6]) == ids(after[:6]) and third[6].id == dialog._row_ids[row]
    assert [t.by_hand for t in third[:7]] == [False] * 3 + [True] + [False] * 2 + [True]
    tree = w.text.branches.tree
    assert len(tree) == 3 and tree.nodes[2].parent == 1  # under the branch that made token 6
    assert len(w.history.get_tree(parent.id)) == 3

    # export the tree and open it again
    out = tmp_path / "tree.json"
    assert w.files.export_to(str(out), w.text.last_run)
    assert read_tree(out).to_json() == tree.to_json()
    w.open_path(str(out))
    assert len(w.text.branches.tree) == 3
