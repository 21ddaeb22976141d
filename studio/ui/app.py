"""Starting the studio window. The window is shown before torch is imported (the worker imports it)."""

from __future__ import annotations

import sys


def run_app(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("AIGC Studio")
    window = QMainWindow()
    window.setWindowTitle("AIGC Studio")
    window.setCentralWidget(QLabel("AIGC Studio"))
    window.resize(1200, 800)
    window.show()
    return app.exec()
