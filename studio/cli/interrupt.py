"""Ctrl+C during a run ends it as the window's Stop does, so the work so far is kept.

    cancel = threading.Event()
    with ctrl_c_cancels(cancel):
        for event in generate_text(loaded, prompt, settings, cancel=cancel): ...
    if cancel.is_set(): ...  # the run ended with stop reason "cancelled"; exit 130

The first Ctrl+C sets the cancel event the engine checks at every step: the run ends there, its
last events still come (the DoneEvent says "cancelled"), and the command writes its output and
summary as usual. A second Ctrl+C interrupts at once (KeyboardInterrupt), for a run that hangs.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command ended by Ctrl+C


def stop_phrase(reason: str, limit: int | None = None) -> str:
    """A DoneEvent's stop reason as the command's summary line says it."""
    phrases = {
        "length": f"reached the limit of {limit} tokens" if limit is not None else "complete",
        "eos": "the model ended the text",
        "stop": "stopped at a stop string",
        "cancelled": "cancelled by Ctrl+C",
    }
    return phrases.get(reason, reason)


@contextlib.contextmanager
def ctrl_c_cancels(cancel: threading.Event) -> Iterator[None]:
    """While inside, SIGINT sets `cancel` (once; the second raises KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield  # started with Ctrl+C ignored (e.g. `cmd &` in a script): leave it so
        return

    def on_sigint(signum: int, frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
