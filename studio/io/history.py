"""The history of runs: one SQLite database (WAL) in the user data folder, one row per run.

Each run is committed as soon as it ends, so killing the app loses at most the run in progress. Rows
keep the settings and the trace as JSON text; listing reads only the small columns.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.io.run import RunRecord, image_pixels_per_s

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps_chunked(obj: object) -> str:
    """json.dumps(obj) written compactly, a piece at a time: a list item by item, a dict value by
    value (each value chunked the same way one level down).

    The same text as one json.dumps call, which for a long run's trace (1,500 tokens: 0.8 MB,
    ~40 ms) holds the GIL from start to end and so freezes the window's thread; piece by piece, the
    interpreter can switch threads in between.
    """
    if isinstance(obj, list):
        return "[" + ",".join(_COMPACT.encode(x) for x in obj) + "]"
    if isinstance(obj, dict):
        return (
            "{"
            + ",".join(_COMPACT.encode(str(k)) + ":" + dumps_chunked(v) for k, v in obj.items())
            + "}"
        )
    return _COMPACT.encode(obj)


SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    model_name TEXT NOT NULL,
    model_title TEXT NOT NULL,
    model_path TEXT NOT NULL,
    prompt TEXT NOT NULL,
    text TEXT NOT NULL,
    seed INTEGER NOT NULL,
    stop_reason TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    ttft_ms REAL NOT NULL,
    tokens_per_s REAL NOT NULL,
    settings_json TEXT NOT NULL,
    trace_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_created ON runs(created);
"""
# Columns added after the first release; older databases get them (with these defaults) on open.
ADDED_COLUMNS = {
    "kind": "TEXT NOT NULL DEFAULT 'text'",
    "media_json": "TEXT NOT NULL DEFAULT '{}'",
    # NULL in rows written before it: image runs then held pixels/s in tokens_per_s
    "pixels_per_s": "REAL",
}


def _first_schema(db: sqlite3.Connection) -> None:
    """Version 0 -> 1: the runs table with every column of the first versioned schema. Databases
    written before the schema carried a version have the table with some of the columns."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    for name, decl in ADDED_COLUMNS.items():
        if name not in have:
            db.execute(f"ALTER TABLE runs ADD COLUMN {name} {decl}")


# The schema's version is the database's `PRAGMA user_version`; MIGRATIONS[n] takes a database from
# version n to n + 1, and the newest version is len(MIGRATIONS). The rule that lets an older studio
# keep reading and writing a database a newer one has migrated: a step only adds (tables, indexes,
# columns that are NULL or have a default), never renames, drops or changes a column; this code
# names every column it reads and writes.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_first_schema]


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> int:
    """Bring the database up to this studio's schema, all steps in one transaction (if one fails
    the database stays as it was); a database a newer studio wrote is left as it is. Returns the
    version it is at."""
    if schema_version(db) >= len(MIGRATIONS):
        return schema_version(db)
    db.execute("BEGIN IMMEDIATE")  # the write lock first: another process may be migrating it
    try:
        version = schema_version(db)
        for step in range(version, len(MIGRATIONS)):
            MIGRATIONS[step](db)
        version = max(version, len(MIGRATIONS))
        db.execute(f"PRAGMA user_version = {version}")
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return version


@dataclass(frozen=True)
class HistoryRow:
    """What the history list shows of a run."""

    id: int
    created: float
    model_name: str
    model_title: str
    first_words: str
    stop_reason: str
    tokens: int
    kind: str = "text"


class HistoryStore:
    """A connection to the history database; use one per thread."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=5.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed run survives the process being killed
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.version = migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def add(self, run: RunRecord) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO runs (created, model_name, model_title, model_path, prompt, text, seed,"
                " stop_reason, tokens, ttft_ms, tokens_per_s, settings_json, trace_json, kind, media_json,"
                " pixels_per_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.created,
                    run.model_name,
                    run.model_title,
                    run.model_path,
                    run.prompt,
                    run.text,
                    run.seed,
                    run.stop_reason,
                    run.tokens,
                    run.ttft_ms,
                    run.tokens_per_s,
                    json.dumps(run.settings, ensure_ascii=False),
                    dumps_chunked(run.trace),
                    run.kind,
                    dumps_chunked(run.media),
                    run.pixels_per_s if run.kind == "image" else None,
                ),
            )
        row_id = cur.lastrowid
        assert row_id is not None  # set by every INSERT that succeeds
        run.id = row_id
        return row_id

    def list(self, search: str = "", limit: int = 500) -> list[HistoryRow]:
        """Newest first; `search` matches the prompt, the text or the model (case-insensitive)."""
        sql = (
            "SELECT id, created, model_name, model_title, substr(prompt || text, 1, 200),"
            " stop_reason, tokens, kind FROM runs"
        )
        args: list = []
        if search:
            like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql += (
                " WHERE prompt LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\'"
                " OR model_name LIKE ? ESCAPE '\\' OR model_title LIKE ? ESCAPE '\\'"
            )
            args = [like] * 4
        sql += " ORDER BY created DESC, id DESC LIMIT ?"
        args.append(limit)
        rows = []
        for rid, created, name, title, head, reason, tokens, kind in self.db.execute(sql, args):
            words = " ".join(head.split()[:10])
            if len(words) > 80:
                words = words[:79] + "…"
            rows.append(HistoryRow(rid, created, name, title, words, reason, tokens, kind))
        return rows

    def get(self, run_id: int) -> RunRecord | None:
        row = self.db.execute(
            "SELECT id, created, model_name, model_title, model_path, prompt, text, seed,"
            " stop_reason, tokens, ttft_ms, tokens_per_s, settings_json, trace_json, kind, media_json,"
            " pixels_per_s FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            return None
        (rid, created, name, title, mpath, prompt, text, seed, reason, tokens, ttft, tps, s, t) = (
            row[:14]
        )
        kind, media = row[14], row[15]
        return RunRecord(
            model_name=name,
            model_title=title,
            model_path=mpath,
            prompt=prompt,
            text=text,
            settings=json.loads(s),
            seed=seed,
            stop_reason=reason,
            tokens=tokens,
            ttft_ms=ttft,
            tokens_per_s=tps,
            created=created,
            trace=json.loads(t),
            id=rid,
            kind=kind,
            media=json.loads(media),
            pixels_per_s=image_pixels_per_s(kind, row[16], tps),
        )

    def delete(self, run_id: int) -> None:
        with self.db:
            self.db.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM runs").fetchone()[0])
