"""The dependency rule of DESIGN.md, checked by import-linter's contracts in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 broken" in r.stdout and "8 kept" in r.stdout


def test_engine_and_io_import_without_qt():
    code = (
        "import sys, studio.engine.text.generation, studio.engine.formats.model_finder, studio.engine.train.text_task\n"
        "import studio.io\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_io_does_not_import_torch():
    # the window imports io before it is shown, and must appear before torch is imported
    code = (
        "import sys, studio.core.atomic, studio.io.export, studio.io.history, studio.io.preferences\n"
        "import studio.io.init_image, studio.io.image_export\n"
        "assert 'torch' not in sys.modules, 'torch imported by studio.io'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
