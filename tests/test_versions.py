"""One version everywhere (pyproject.toml's), and files that outlive the studio that wrote them: the
history database and the settings file carry their format's version, a newer studio migrates what
today's wrote, and an older database keeps every run when it is brought up to date."""

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from test_io_export import make_run

import studio
from studio.io import history, preferences
from studio.io.history import HistoryStore, schema_version
from studio.io.preferences import language, load_settings, save_settings

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_the_package_and_the_command_tell_pyprojects_version():
    assert studio.__version__ == VERSION
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "studio", "--version"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT.parent,
        check=True,
    )
    assert r.stdout.strip() == f"aigc-studio {VERSION}"


def test_help_about_tells_the_version(qtbot):
    from PySide6.QtWidgets import QWidget

    from studio.ui.help import show_about

    parent = QWidget()
    qtbot.addWidget(parent)
    about = show_about(parent)
    assert f"<h3>AIGC Studio {VERSION}</h3>" in about.text()
    about.close()


def test_the_bundle_recipe_writes_the_same_version_into_its_metadata():
    # the frozen app has no pyproject.toml beside it: its version comes from the metadata the
    # recipe writes, read from pyproject.toml at build time
    spec = (ROOT / "packaging" / "aigc-studio.spec").read_text(encoding="utf-8")
    assert 'tomllib.loads((ROOT / "pyproject.toml")' in spec
    assert "Version: {VERSION}" in spec and "aigc_studio-{VERSION}.dist-info" in spec


# ---- the history database ----------------------------------------------------------------------


def _runs(store: HistoryStore) -> list[tuple]:
    return [
        (r.text, r.prompt, r.seed, r.settings, r.trace, r.kind, r.media, r.tokens)
        for r in (store.get(row.id) for row in store.list())
    ]


def _add_rating(db: sqlite3.Connection) -> None:
    """A future step, as the schema's rule allows: a column with a default."""
    db.execute("ALTER TABLE runs ADD COLUMN rating INTEGER NOT NULL DEFAULT 0")


def test_a_new_database_carries_the_newest_schema_version(tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    assert store.version == schema_version(store.db) == len(history.MIGRATIONS) >= 1


def test_a_newer_studio_migrates_todays_database_and_today_still_reads_it(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite3"
    today = HistoryStore(path)
    for i in range(3):
        today.add(make_run(text=f"lo {i}", created=float(i)))
    written = _runs(today)
    today.close()

    newer = [*history.MIGRATIONS, _add_rating]
    monkeypatch.setattr(history, "MIGRATIONS", newer)
    store = HistoryStore(path)
    assert store.version == len(newer) == schema_version(store.db)
    assert _runs(store) == written  # every run, every field
    assert {r[1] for r in store.db.execute("PRAGMA table_info(runs)")} >= {"rating"}
    store.add(make_run(text="lo newer", created=5.0))
    store.close()

    monkeypatch.undo()  # today's studio opens the database the newer one migrated
    back = HistoryStore(path)
    assert back.version == len(newer)  # left as the newer studio wrote it
    assert _runs(back)[1:] == written and back.get(back.list()[0].id).text == "lo newer"
    rid = back.add(make_run(text="lo again", created=6.0))
    assert back.get(rid).text == "lo again"
    assert back.db.execute("SELECT rating FROM runs WHERE id = ?", (rid,)).fetchone() == (0,)


def test_a_migration_that_fails_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).add(make_run())

    def broken(db: sqlite3.Connection) -> None:
        _add_rating(db)
        raise sqlite3.OperationalError("disk full")

    monkeypatch.setattr(history, "MIGRATIONS", [*history.MIGRATIONS, broken])
    with pytest.raises(sqlite3.OperationalError):
        HistoryStore(path)
    monkeypatch.undo()
    store = HistoryStore(path)
    assert store.version == len(history.MIGRATIONS)
    assert "rating" not in {r[1] for r in store.db.execute("PRAGMA table_info(runs)")}
    assert store.count() == 1


def test_an_older_database_without_the_newest_columns_keeps_every_run(tmp_path):
    # written before the schema carried a version and before pixels_per_s: kind and media exist
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        history.SCHEMA
        + """
        ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
        ALTER TABLE runs ADD COLUMN media_json TEXT NOT NULL DEFAULT '{}';
        INSERT INTO runs (created, model_name, model_title, model_path, prompt, text, seed,
            stop_reason, tokens, ttft_ms, tokens_per_s, settings_json, trace_json, kind, media_json)
        VALUES (1.0, 'tiny', 'Tiny', '', 'hel', 'lo', 7, 'length', 2, 1.0, 9.0,
            '{"seed": 7}', '[{"t": 1}]', 'text', '{}'),
            (2.0, 'digits', 'Digits', '', '', 'image: 1 sample', 3, 'complete', 784, 5.0, 300.0,
            '{"label": 7}', '[]', 'image', '{"images": ["abc"]}');
        """
    )
    db.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (0,)
    store = HistoryStore(path)
    assert store.version == len(history.MIGRATIONS)
    text, image = (store.get(r.id) for r in reversed(store.list()))
    assert (text.prompt, text.text, text.settings, text.trace) == (
        "hel",
        "lo",
        {"seed": 7},
        [{"t": 1}],
    )
    assert image.kind == "image" and image.media == {"images": ["abc"]}
    assert image.pixels_per_s == 300.0  # older image rows held pixels/s in tokens_per_s
    assert store.count() == 2


# ---- the settings file -------------------------------------------------------------------------


def _nest_last_model(values: dict) -> dict:
    """A future step: the last model moves under "models"; the rest stays."""
    values = dict(values)
    if "last_model" in values:
        values["models"] = {"last": values.pop("last_model")}
    return values


def test_a_newer_studio_migrates_todays_settings_and_today_still_reads_theirs(
    tmp_path, monkeypatch
):
    path = tmp_path / "settings.json"
    save_settings({"last_model": "x", "language": "zh_CN", "geometry": "abc"}, path)
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == preferences.SETTINGS_VERSION

    monkeypatch.setattr(preferences, "MIGRATIONS", [*preferences.MIGRATIONS, _nest_last_model])
    newer = load_settings(path)
    assert newer == {
        "models": {"last": "x"},
        "language": "zh_CN",
        "geometry": "abc",
        "version": preferences.SETTINGS_VERSION + 1,
    }
    save_settings({**newer, "new_key": 1}, path)
    monkeypatch.undo()

    # today's studio reads what the newer one wrote: the keys it knows, the rest ignored
    theirs = load_settings(path)
    assert theirs["version"] == preferences.SETTINGS_VERSION + 1
    assert language(theirs) == "zh_CN" and theirs["geometry"] == "abc"


@pytest.mark.parametrize(
    "text", ['{"language": "en"}', '{"version": "1"}', "[1]", '{"version": 0}']
)
def test_a_file_that_is_not_our_settings_gives_the_defaults(tmp_path, text):
    path = tmp_path / "settings.json"
    path.write_text(text, encoding="utf-8")
    assert load_settings(path) == {}


def test_the_install_instructions_name_this_version():
    for doc in (ROOT / "README.md", ROOT / "packaging" / "README.md"):
        text = doc.read_text(encoding="utf-8")
        named = re.findall(r"aigc[-_]studio-(\d[\w.+]*?)(?:-py3|-linux)", text)
        assert named and set(named) == {VERSION}, doc
