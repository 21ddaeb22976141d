"""AIGC Studio: watch and steer generative models write and draw."""

import re
from pathlib import Path


def _version() -> str:
    """The version in pyproject.toml, the one place it is written: read from the checkout this
    package lives in (so a checkout run with PYTHONPATH tells its own version, whatever is
    installed), else from the installed package's metadata (a wheel; the standalone bundle, whose
    recipe writes that metadata from pyproject.toml)."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        text = ""
    project = re.search(r"^\[project\]$(.*?)(?=^\[)", text + "\n[", re.M | re.S)
    if project and re.search(r'^name\s*=\s*"aigc-studio"', project.group(1), re.M):
        found = re.search(r'^version\s*=\s*"([^"]+)"', project.group(1), re.M)
        if found:
            return found.group(1)
    from importlib.metadata import PackageNotFoundError, version  # 50 ms: only when needed

    try:
        return version("aigc-studio")
    except PackageNotFoundError:  # neither: a copy of the package on its own
        return "0+unknown"


__version__ = _version()
