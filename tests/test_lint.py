"""The house stays clean: ruff's lint rules and its formatting, checked on every test run (ruff is
one of the test dependencies, so a missing ruff is a broken install, not a reason to skip)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> str:
    exe = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    assert Path(exe).exists(), "ruff is not installed: pip install -e '.[test]'"
    return exe


def test_ruff_is_clean():
    r = subprocess.run([_ruff(), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]


def test_ruff_format_is_kept():
    r = subprocess.run(
        [_ruff(), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout[-3000:] + "\nrun: ruff format ."
