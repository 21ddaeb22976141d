"""Image runs in the history database, and databases written before image runs existed."""

import sqlite3

from test_io_export import make_run

from studio.io.history import HistoryStore
from studio.io.run import RunRecord

OLD_SCHEMA = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, model_name TEXT NOT NULL,
    model_title TEXT NOT NULL, model_path TEXT NOT NULL, prompt TEXT NOT NULL, text TEXT NOT NULL,
    seed INTEGER NOT NULL, stop_reason TEXT NOT NULL, tokens INTEGER NOT NULL,
    ttft_ms REAL NOT NULL, tokens_per_s REAL NOT NULL, settings_json TEXT NOT NULL,
    trace_json TEXT NOT NULL
);
INSERT INTO runs VALUES (1, 1.0, 'tiny', 'Tiny', '', 'hel', 'lo', 7, 'length', 2, 1.0, 9.0, '{}', '[]');
"""


def test_an_old_database_opens_and_keeps_its_runs(tmp_path):
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.close()
    store = HistoryStore(path)
    old = store.get(1)
    assert old.text == "lo" and old.kind == "text" and old.media == {}
    assert [r.kind for r in store.list()] == ["text"]
    rid = store.add(make_run(created=2.0))
    assert store.get(rid).kind == "text"


def test_image_runs_round_trip_and_text_run_files_are_unchanged(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    image = RunRecord(
        model_name="digits",
        model_title="Digits",
        model_path="",
        prompt="",
        text="image: label 7, 4 samples",
        settings={"label": 7},
        seed=3,
        stop_reason="cancelled",
        tokens=100,
        ttft_ms=5.0,
        tokens_per_s=300.0,
        kind="image",
        media={"images": ["abc"], "label": "7"},
    )
    rid = store.add(image)
    got = store.get(rid)
    assert got.kind == "image" and got.media == {"images": ["abc"], "label": "7"}
    assert store.list("label 7")[0].kind == "image"
    assert RunRecord.from_json(got.to_json()).media == got.media
    assert "kind" not in make_run().to_json() and "media" not in make_run().to_json()
