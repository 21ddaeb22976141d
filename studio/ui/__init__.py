"""Qt widgets, the main window and the worker thread."""

from __future__ import annotations

import sys


def _guard_none_refcount() -> None:
    """Work around PySide6 builds that return None from void methods without taking a reference.

    That is harmless on Python >= 3.12, where None is immortal, but on 3.11 (seen with PySide6
    6.12.0) every call such as `label.setText(...)` drops one reference to None, and after a few
    thousand calls Python aborts with "none_dealloc: deallocating None". When the bug is present,
    give None a reference count that cannot run out.
    """
    if sys.version_info >= (3, 12):
        return
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(4):
        probe.setObjectName("probe")
    if sys.getrefcount(None) >= before:
        return
    import ctypes

    # ob_refcnt is the first field of every CPython object
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48


_guard_none_refcount()
