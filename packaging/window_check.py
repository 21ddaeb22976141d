"""A check of the whole app, run inside the frozen bundle with no Python on the machine: the real
window, offscreen, opens a model, generates through its engine process (which a frozen app starts
as `<the app> --engine-server`) and exits. packaging/launcher.py runs it when the app is started
with AIGC_STUDIO_WINDOW_CHECK=<tokens>; packaging/smoke_bundle.sh compares what it prints with the
command line's text for the same model and seed.

Prints the prompt and the generated text to standard output exactly as `aigc-studio generate`
does, and to standard error one line on how it got there and one with the title of Help > About. Exit status 0 when the run ended as a
run of <tokens> tokens ends, 1 otherwise.
"""

from __future__ import annotations

import os
import re
import sys

ENV = "AIGC_STUDIO_WINDOW_CHECK"
MODEL_ENV = "AIGC_STUDIO_WINDOW_CHECK_MODEL"
SEED_ENV = "AIGC_STUDIO_WINDOW_CHECK_SEED"
TIMEOUT_MS = 120_000


def main() -> int:
    # taken out of the environment first: the engine process inherits it and must be the engine
    tokens = int(os.environ.pop(ENV))
    model = os.environ.pop(MODEL_ENV, "shakespeare")
    seed = int(os.environ.pop(SEED_ENV, "1"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from studio.benchmarks.qt_wait import wait_for
    from studio.io.engine_process import engine_command
    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(initial_model=model)
    window.show()
    (info,) = wait_for(window.sig_model_ready, TIMEOUT_MS)
    window.prompt_edit.setPlainText("")
    window.sampling.set_generation_settings(
        {**window.sampling.generation_settings(), "seed": seed, "max_new_tokens": tokens}
    )
    window.generate()
    (record,) = wait_for(window.sig_run_shown, TIMEOUT_MS)
    process = window.engine.process
    pid = process.pid if process is not None else None
    sys.stdout.write(record.prompt + record.text + "\n")
    sys.stdout.flush()
    print(
        f"window: {record.tokens} tokens of {info.get('name', model)} (seed {record.seed}, "
        f"{record.stop_reason}) through the engine process {' '.join(engine_command())} "
        f"(pid {pid})",
        file=sys.stderr,
        flush=True,
    )
    about = window.show_about()  # Help > About: the version the frozen app knows itself by
    title = re.search(r"<h3>(.*?)</h3>", about.text())
    print(f"about: {title.group(1) if title else about.text()}", file=sys.stderr, flush=True)
    about.close()
    window.close()
    app.processEvents()
    return 0 if record.tokens == tokens and record.stop_reason == "length" else 1
