"""Qt widgets, the main window and its client of the engine process."""

from __future__ import annotations

import sys


def _guard_singleton_refcounts() -> None:
    """Work around PySide6 builds that return None, True or False without taking a reference.

    That is harmless on Python >= 3.12, where these singletons are immortal, but on 3.11 (seen with
    PySide6 6.12.0) every void call such as `label.setText(...)` drops one reference to None and
    every `signal.emit(...)` one to True, and after a few thousand calls Python aborts with
    "none_dealloc" or "bool_dealloc". When the bug is present, give the three singletons reference
    counts that cannot run out.
    """
    if sys.version_info >= (3, 12):
        return
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = [sys.getrefcount(s) for s in (None, True, False)]
    for _ in range(4):
        probe.setObjectName("probe")
        probe.ping.emit()
    after = [sys.getrefcount(s) for s in (None, True, False)]
    if all(a >= b for a, b in zip(after, before, strict=True)):
        return
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 48


_guard_singleton_refcounts()
