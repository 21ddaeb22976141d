"""The history of runs: one SQLite database (WAL) in the user data folder, one row per run; the
runs branched from a run form a tree with it (io/run_tree.py), listed by its root.

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
from studio.io.run_tree import RunTree

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


def _trees(db: sqlite3.Connection) -> None:
    """Version 1 -> 2: runs form trees (io/run_tree.py). `tree_id` is the root's id (every run
    before this version is the root of a tree of one, and so is a row an older studio adds later:
    NULL reads as its own id); a branch's row has its parent's id, its fork and the token (or
    pixel value) chosen there, and holds only its own tokens."""
    have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    for name, decl in TREE_COLUMNS.items():
        if name not in have:
            db.execute(f"ALTER TABLE runs ADD COLUMN {name} {decl}")
    db.execute("UPDATE runs SET tree_id = id WHERE tree_id IS NULL")
    db.execute("CREATE INDEX IF NOT EXISTS runs_tree ON runs(tree_id)")


TREE_COLUMNS = {
    "tree_id": "INTEGER",
    "parent_id": "INTEGER",
    "fork": "INTEGER",
    "chosen_json": "TEXT",
}

# The schema's version is the database's `PRAGMA user_version`; MIGRATIONS[n] takes a database from
# version n to n + 1, and the newest version is len(MIGRATIONS). The rule that lets an older studio
# keep reading and writing a database a newer one has migrated: a step only adds (tables, indexes,
# columns that are NULL or have a default), never renames, drops or changes a column; this code
# names every column it reads and writes.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_first_schema, _trees]


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
    branches: int = 0  # runs branched from it, at any depth


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
        """Store a run; a branch (`run.branch` names its parent's id) joins its parent's tree."""
        parent = run.branch.get("parent") if run.branch else None
        tree_id = None
        if parent is not None:
            row = self.db.execute(
                "SELECT COALESCE(tree_id, id) FROM runs WHERE id = ?", (parent,)
            ).fetchone()
            if row is None:
                raise ValueError(f"the run this one branches from ({parent}) is not in the history")
            tree_id = row[0]
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
            self.db.execute(
                "UPDATE runs SET tree_id = ?, parent_id = ?, fork = ?, chosen_json = ? WHERE id = ?",
                (
                    row_id if tree_id is None else tree_id,
                    parent,
                    run.branch.get("fork") if parent is not None else None,
                    json.dumps(run.branch.get("chosen"), ensure_ascii=False)
                    if parent is not None
                    else None,
                    row_id,
                ),
            )
        run.id = row_id
        return row_id

    def list(self, search: str = "", limit: int = 500) -> list[HistoryRow]:
        """The trees' roots, newest first; `search` matches the prompt, the text or the model of
        any run of a tree (case-insensitive)."""
        sql = (
            "SELECT id, created, model_name, model_title, substr(prompt || text, 1, 200),"
            " stop_reason, tokens, kind,"
            " (SELECT count(*) FROM runs b WHERE b.tree_id = runs.id AND b.parent_id IS NOT NULL)"
            " FROM runs WHERE parent_id IS NULL"
        )
        args: list = []
        if search:
            like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql += (
                " AND id IN (SELECT COALESCE(tree_id, id) FROM runs"
                " WHERE prompt LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\'"
                " OR model_name LIKE ? ESCAPE '\\' OR model_title LIKE ? ESCAPE '\\')"
            )
            args = [like] * 4
        sql += " ORDER BY created DESC, id DESC LIMIT ?"
        args.append(limit)
        rows = []
        for rid, created, name, title, head, reason, tokens, kind, n in self.db.execute(sql, args):
            words = " ".join(head.split()[:10])
            if len(words) > 80:
                words = words[:79] + "…"
            rows.append(HistoryRow(rid, created, name, title, words, reason, tokens, kind, n))
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

    def get_tree(self, run_id: int) -> RunTree | None:
        """The tree the run with this id belongs to (its root first, parents before children)."""
        row = self.db.execute(
            "SELECT COALESCE(tree_id, id) FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None:
            return None
        root_id = row[0]
        links = self.db.execute(
            "SELECT id, parent_id, fork, chosen_json FROM runs"
            " WHERE id = ? OR (tree_id = ? AND parent_id IS NOT NULL) ORDER BY id",
            (root_id, root_id),
        ).fetchall()
        root = self.get(root_id)
        if root is None:
            return None
        tree = RunTree(root)
        keys = {root_id: 0}
        for rid, parent, fork, chosen in links:
            if rid == root_id or parent not in keys:  # a branch of a deleted branch: gone too
                continue
            run = self.get(rid)
            if run is None:
                continue
            run.branch = {}
            keys[rid] = tree.add(run, keys[parent], int(fork), json.loads(chosen or "null"))
        return tree

    def delete(self, run_id: int) -> None:
        """Delete a run and every branch made from it (a root: its whole tree)."""
        with self.db:
            doomed = [run_id]
            i = 0
            while i < len(doomed):
                doomed += [
                    r[0]
                    for r in self.db.execute(
                        "SELECT id FROM runs WHERE parent_id = ?", (doomed[i],)
                    )
                ]
                i += 1
            self.db.executemany("DELETE FROM runs WHERE id = ?", [(r,) for r in doomed])

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM runs").fetchone()[0])
