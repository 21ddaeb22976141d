"""Trees of runs: a branch's prefix is its parent's, the tree file round-trips, a path exports as
one run, and the history keeps trees (a database the previous version wrote keeps every run)."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from studio.io.export import export_tree, format_md
from studio.io.history import HistoryStore
from studio.io.run import RunFormatError, RunRecord
from studio.io.run_tree import RunTree, read_tree, tree_of, write_tree

FIXTURE = Path(__file__).parent / "data" / "history_v1.sqlite"


def tok(step: int, text: str, tid: int, by_hand: bool = False, prob: float = 0.5) -> dict:
    d = {
        "sample": 0,
        "step": step,
        "id": tid,
        "text": text,
        "prob": prob,
        "model_prob": prob / 2,
        "entropy": 1.0,
        "top": [{"id": tid, "text": text, "prob": prob, "model_prob": prob / 2}],
        "event": "token",
    }
    if by_hand:
        d["by_hand"] = True
    return d


def run(texts: list[str], first_step: int = 0, by_hand: bool = False) -> RunRecord:
    trace = [
        tok(first_step + i, t, 100 + first_step + i + (50 if by_hand else 0), by_hand and i == 0)
        for i, t in enumerate(texts)
    ]
    return RunRecord(
        model_name="tiny",
        model_title="Tiny",
        model_path="/m/tiny.safetensors",
        prompt="Once ",
        text="".join(texts),
        settings={"seed": 3, "max_new_tokens": 8},
        seed=3,
        stop_reason="length",
        tokens=len(texts),
        ttft_ms=1.0,
        tokens_per_s=10.0,
        created=1.7e9,
        trace=trace,
    )


@pytest.fixture
def tree() -> RunTree:
    t = RunTree(run(["upon", " a", " time", " there"]))
    t.add(run([" one", " day"], first_step=1, by_hand=True), parent=0, fork=1)  # key 1
    t.add(run([" night", "."], first_step=2, by_hand=True), parent=1, fork=2)  # key 2
    t.add(run([" was"], first_step=3, by_hand=True), parent=0, fork=3)  # key 3
    return t


def test_a_branchs_prefix_is_its_parents_token_for_token(tree):
    for key in range(1, len(tree)):
        node = tree.nodes[key]
        parent, child = tree.path_trace(node.parent), tree.path_trace(key)
        assert child[: node.fork] == parent[: node.fork]
        assert [t["id"] for t in child[: node.fork]] == [t["id"] for t in parent[: node.fork]]
        assert child[node.fork]["by_hand"] is True  # the chosen token, marked
        own = child[node.fork + 1 : node.fork + len(node.run.trace)]
        assert not any(t.get("by_hand") for t in own)  # drawn, not chosen
    assert tree.path_record(2).text == "upon one night."
    assert [t["step"] for t in tree.path_trace(2)] == [0, 1, 2, 3]


def test_chosen_tokens_are_marked_with_the_probability_the_model_gave(tree):
    assert tree.nodes[1].chosen == {"id": 151, "text": " one", "prob": 0.5, "model_prob": 0.25}
    marked = [i for i, t in enumerate(tree.path_trace(2)) if t.get("by_hand")]
    assert marked == [1, 2]  # one fork per branch on the path


def test_a_branch_hangs_under_the_node_that_made_the_token(tree):
    assert tree.owner(2, 3) == 2  # after its own fork
    assert tree.owner(2, 2) == 1  # its own chosen token belongs to its parent's text
    assert tree.owner(2, 0) == 0
    assert tree.children(0) == [1, 3]
    assert tree.path(2) == [0, 1, 2]
    with pytest.raises(ValueError):
        tree.add(run(["x"], first_step=0, by_hand=True), parent=1, fork=1)  # not its own token


def test_the_tree_file_round_trips(tree, tmp_path):
    path = tmp_path / "tree.json"
    write_tree(path, tree)
    back = read_tree(path)
    assert back.to_json() == tree.to_json()
    assert [n.parent for n in back.nodes] == [None, 0, 1, 0]
    assert back.path_record(2).text == tree.path_record(2).text
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "aigc-studio.tree" and data["version"] == 1
    # a run file opens as a tree of one
    assert len(tree_of(tree.root.to_json())) == 1


def test_bad_tree_files_are_refused_in_one_line(tree):
    data = tree.to_json()
    data["nodes"][2]["parent"] = 5
    with pytest.raises(RunFormatError, match="parent must be an earlier node"):
        RunTree.from_json(data)
    with pytest.raises(RunFormatError, match="newer"):
        RunTree.from_json({**tree.to_json(), "version": 99})


def test_a_path_exports_as_txt_and_md_and_the_tree_as_json(tree, tmp_path):
    export_tree(tmp_path / "p.txt", tree, 2)
    assert (tmp_path / "p.txt").read_text(encoding="utf-8") == "Once upon one night.\n"
    export_tree(tmp_path / "p.md", tree, 2)
    assert (tmp_path / "p.md").read_text(encoding="utf-8") == format_md(tree.path_record(2))
    export_tree(tmp_path / "t.json", tree, 2)
    assert len(read_tree(tmp_path / "t.json")) == 4


def test_the_history_stores_and_gives_back_trees(tree, tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite")
    ids = [store.add(tree.nodes[0].run)]
    for node in tree.nodes[1:]:
        r = node.run
        r.branch = {"parent": ids[node.parent], "fork": node.fork, "chosen": node.chosen}
        ids.append(store.add(r))
    rows = store.list()
    assert [r.id for r in rows] == [ids[0]] and rows[0].branches == 3
    assert [r.id for r in store.list("night")] == [ids[0]]  # found in a branch: its root
    back = store.get_tree(ids[2])
    assert back is not None and len(back) == 4
    assert back.path_record(back.find(ids[2])).text == "upon one night."
    store.delete(ids[1])  # a branch and the branch made from it
    assert len(store.get_tree(ids[0])) == 2
    store.delete(ids[0])
    assert store.count() == 0
    store.close()


def test_the_migration_keeps_every_run_of_a_database_the_previous_version_wrote(tmp_path):
    path = tmp_path / "history.sqlite"
    shutil.copy(FIXTURE, path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        before = db.execute("SELECT * FROM runs ORDER BY id").fetchall()
    store = HistoryStore(path)
    assert store.version == 2
    rows = store.list()
    assert sorted(r.id for r in rows) == [r[0] for r in before]  # every run, each a root
    for r in before:
        tree = store.get_tree(r[0])
        assert tree is not None and len(tree) == 1
        rec = tree.root
        assert (rec.prompt, rec.text, rec.seed, rec.kind) == (r[5], r[6], r[7], r[14])
    text = store.get(before[0][0])
    assert text is not None and text.trace[1]["text"] == "ld"
    # the old columns keep their values; a branch can be added to an old run
    child = run([" x"], first_step=1, by_hand=True)
    child.branch = {"parent": before[0][0], "fork": 1, "chosen": {"id": 1}}
    store.add(child)
    assert len(store.get_tree(before[0][0])) == 2
    store.close()
    with sqlite3.connect(path) as db:
        after = db.execute("SELECT * FROM runs ORDER BY id").fetchall()
    assert [a[:17] for a in after[: len(before)]] == [b[:17] for b in before]
