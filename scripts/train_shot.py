"""Screenshots of the Train tab for the README: a small model training on a text, its curve,
rate, time left and samples on screen; with --explain, the Explain tab after it stopped.

    python scripts/train_shot.py DATA.txt docs/screenshot-train.png [--seconds 90]
        [--size 1280x720] [--language zh_CN] [--explain docs/screenshot-train-explain.png]

Runs the real window on Qt's offscreen platform with a fresh studio home (so the run's files go
to a temporary folder) and one training thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", help="a UTF-8 text file to train on")
    p.add_argument("out")
    p.add_argument("--seconds", type=float, default=90.0, help="how long it trains before the shot")
    p.add_argument("--size", default="1280x720")
    p.add_argument("--language", default="en", choices=["en", "zh_CN"])
    p.add_argument("--explain", help="also save the Explain tab, after Stop, to this picture")
    p.add_argument("--prompt", default="ROMEO:\nWhat light through yonder window")
    a = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["AIGC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="aigc-train-shot-")
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from studio.benchmarks import qt_wait
    from studio.ui.i18n import install_language
    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    install_language(a.language)
    width, height = (int(v) for v in a.size.split("x"))
    w = MainWindow(initial_model="shakespeare")
    w.resize(width, height)
    w.show()
    qt_wait.wait_for(w.sig_model_ready, 120_000)
    tab = w.train
    w.tabs.setCurrentWidget(tab)
    form = tab.form
    form.data.setText(a.data)
    form.start_from.setCurrentIndex(form.start_from.findData("small"))
    form.name.setText("shakespeare-small")
    form.budget.setValue(3000)
    form.eval_every, form.sample_every, form.snapshot_every = 25, 50, 50
    form.threads = 1
    tab.start_button.click()
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        QTest.qWait(200)
    w.grab().save(a.out)
    print(a.out, tab.stats.text())
    if a.explain:
        tab.stop_button.click()
        while tab.running:
            QTest.qWait(100)
        tab.side.setCurrentWidget(tab.explain)
        tab.explain.prompt.setText(a.prompt)
        tab.explain.position.setValue(len(a.prompt) - 4)
        tab.explain.button.click()
        qt_wait.wait_for(tab.client.sig_explained, 120_000)
        QTest.qWait(200)
        w.grab().save(a.explain)
        print(a.explain)
    w.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
