"""Exporting a run: `.txt` (the text), `.md` (text + settings table), `.json` (everything, re-openable);
and a tree of runs: its `.json` (io/run_tree.py), or one path of it as a run.

Every write is atomic (see `atomic.py`); whether to overwrite an existing file is the caller's
question to ask. `.txt` holds exactly what `aigc-studio generate` prints on stdout for the same run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.io.run import RunFormatError, RunRecord
from studio.io.run_tree import RunTree, write_tree

FORMATS = (".txt", ".md", ".json")


def format_txt(run: RunRecord) -> str:
    return run.prompt + run.text + "\n"


def settings_rows(run: RunRecord) -> list[tuple[str, str]]:
    """(setting, value) pairs describing how a run was made, in a reader's order."""
    s = run.settings
    sp = s.get("sampling", {})
    stop = s.get("stop") or []
    return [
        ("model", f"{run.model_title} ({run.model_name})"),
        ("seed", str(run.seed)),
        ("temperature", f"{sp.get('temperature', '')}"),
        ("top-k", f"{sp.get('top_k', '')}"),
        ("top-p", f"{sp.get('top_p', '')}"),
        ("min-p", f"{sp.get('min_p', '')}"),
        ("repetition penalty", f"{sp.get('repetition_penalty', '')}"),
        ("max new tokens", f"{s.get('max_new_tokens', '')}"),
        ("stop strings", ", ".join(json.dumps(x, ensure_ascii=False) for x in stop) or "none"),
        ("tokens generated", str(run.tokens)),
        ("stop reason", run.stop_reason),
        ("time to first token", f"{run.ttft_ms:.0f} ms"),
        ("tokens/s", f"{run.tokens_per_s:.1f}"),
    ]


def _md_cell(v: str) -> str:
    return v.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def format_md(run: RunRecord) -> str:
    body = run.prompt + run.text
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    lines = [f"# {run.model_title}", "", f"{fence}text", body, fence, "", "## Settings", ""]
    lines += ["| setting | value |", "| --- | --- |"]
    lines += [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in settings_rows(run)]
    return "\n".join(lines) + "\n"


def format_json(run: RunRecord) -> str:
    return json.dumps(run.to_json(), ensure_ascii=False, indent=1) + "\n"


def export_run(path: str | Path, run: RunRecord) -> None:
    """Write `run` to `path` in the format its suffix names; OSError if it cannot be written."""
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".txt": format_txt, ".md": format_md, ".json": format_json}
    if suffix not in writers:
        raise ValueError(
            f"{path.name}: export to .txt, .md or .json, not {suffix or 'no suffix'!r}"
        )
    atomic_write_text(path, writers[suffix](run))


def export_tree(path: str | Path, tree: RunTree, key: int) -> None:
    """Write a tree's `.json` (every branch; a tree of one run is written as that run's file),
    or node `key`'s path as one run to `.txt` or `.md`."""
    path = Path(path)
    if path.suffix.lower() == ".json" and len(tree) > 1:
        write_tree(path, tree)
    else:
        export_run(path, tree.path_record(key))


def read_run(path: str | Path) -> RunRecord:
    """A run exported as `.json`; RunFormatError (a ValueError) naming the file if it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RunFormatError(f"{path}: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunFormatError(f"{path}: not a JSON file ({e})") from None
    try:
        return RunRecord.from_json(data)
    except RunFormatError as e:
        raise RunFormatError(f"{path}: {e}") from None
