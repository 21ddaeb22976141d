"""Waiting for a Qt signal in a benchmark, with the event loop running meanwhile."""

from __future__ import annotations


def wait_for(signal, timeout_ms: int) -> tuple:
    """Run a local event loop until `signal` fires; its arguments. RuntimeError on timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    got: list = []
    signal.connect(lambda *a: (got.append(a), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    if not got:
        raise RuntimeError(f"timed out waiting for {signal}")
    return got[0]
