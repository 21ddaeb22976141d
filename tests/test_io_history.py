"""The history store: WAL, one row per run, search, delete, and survival across connections."""

import json
import sqlite3

import pytest
from test_io_export import make_run

from studio.core.paths import history_path, settings_path
from studio.io.history import HistoryStore
from studio.io.preferences import load_settings, save_settings


def test_add_list_get_delete(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    a = store.add(make_run(text="lo world", created=1.0))
    b = store.add(make_run(text="lo there, friend", created=2.0))
    rows = store.list()
    assert [r.id for r in rows] == [b, a]  # newest first
    assert rows[0].first_words == "hello there, friend"
    got = store.get(a)
    assert got.text == "lo world" and got.settings["seed"] == 7 and len(got.trace) == 8
    assert [r.id for r in store.list("THERE")] == [b]
    assert [r.id for r in store.list("tiny")] == [b, a]
    assert store.list("100%") == []
    store.delete(b)
    assert [r.id for r in store.list()] == [a]
    assert store.get(b) is None


def test_runs_survive_a_new_connection_and_use_wal(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    rid = store.add(make_run())
    # another connection (another process after a crash) sees the committed run at once
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    other.close()
    store.close()
    assert HistoryStore(path).get(rid).text == "lo world"


def test_paths_follow_aigc_studio_home(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path))
    assert history_path() == tmp_path / "data" / "history.sqlite3"
    assert settings_path() == tmp_path / "config" / "settings.json"


def test_settings_round_trip_and_bad_file(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path))
    assert load_settings() == {}
    save_settings({"last_model": "x", "generation": {"max_new_tokens": 5}})
    assert load_settings()["generation"] == {"max_new_tokens": 5}
    settings_path().write_text("{broken")
    assert load_settings() == {}


def test_a_killed_process_keeps_every_run_it_finished(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "h.sqlite3"
    code = (
        "import os, signal, sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from studio.io.history import HistoryStore\n"
        "from test_io_export import make_run\n"
        "store = HistoryStore(sys.argv[1])\n"
        "store.add(make_run(text='lo one'))\n"
        "store.add(make_run(text='lo two'))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    tests = Path(__file__).resolve().parent
    r = subprocess.run(
        [sys.executable, "-c", code, str(path), str(tests)], cwd=tests.parent, timeout=60
    )
    assert r.returncode == -9
    assert sorted(x.first_words for x in HistoryStore(path).list()) == ["hello one", "hello two"]


@pytest.mark.parametrize(
    "obj",
    [
        [],
        {},
        [{"text": 'é\n"x"', "prob": 0.1, "top": [{"id": 1}]}, 3, None, "s"],
        {"images": ["iVBOR"], "prob": [[[0.5, 1.0]]], "label": None, "n": 2, "k": {"a": [1]}},
        "plain",
        1.5,
    ],
)
def test_chunked_json_is_the_same_text_as_one_dumps(obj):
    # written piece by piece so that a long trace does not hold the GIL in one call
    from studio.io.history import dumps_chunked

    assert dumps_chunked(obj) == json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
