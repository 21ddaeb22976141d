"""The house stays typed: mypy over the packages below the window (core, settings, io, engine and
the engine process), with the strictness and the packages set in pyproject.toml's [tool.mypy]. mypy
is one of the test dependencies, so a missing mypy is a broken install, not a reason to skip.

Its cache lives in the system's temporary folder, one per checkout: the first run checks everything
(about 15 s of one core, most of it reading torch's stubs), later runs only what changed (about 2 s).
mypy's cache notes each file's size, time and hash, so a stale entry is never trusted."""

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(tempfile.gettempdir()) / (
    "aigc-studio-mypy-" + hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
)


def _mypy() -> list[str]:
    exe = shutil.which("mypy") or str(Path(sys.executable).with_name("mypy"))
    assert Path(exe).exists(), "mypy is not installed: pip install -e '.[test]'"
    return [exe]


def test_mypy_is_clean():
    # the files and every setting come from pyproject.toml, so `mypy` alone reproduces this
    r = subprocess.run(
        [*_mypy(), "--cache-dir", str(CACHE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "Success" in r.stdout, r.stdout[-4000:]
