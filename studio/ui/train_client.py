"""The window's side of the training process (studio.server.train): requests out, replies in as
Qt signals. Like EngineClient it never blocks the GUI thread and never imports torch or the engine:
the process is started with the same helper (io.engine_process), so a frozen app runs itself with
`--train-server`."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from studio.core.train_events import TrainSpec
from studio.io.engine_process import EngineProcess, engine_command

CLOSE_S = 10.0  # a run stopped by closing saves its checkpoint; killed only after this long


class TrainClient(QObject):
    sig_events = Signal(object)
    """A batch of core.train_events.TrainEvent, in order."""
    sig_failed = Signal(str)
    """A run could not start or ended in an error: one line."""
    sig_explained = Signal(object)
    """The distributions asked for: a list of core.train_events.SnapshotTopK."""
    sig_explain_failed = Signal(str)
    sig_process_died = Signal(str)
    """The training process ended unasked: one line on why (the next request starts another)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: EngineProcess | None = None
        self.stop_sent_at: float | None = None  # perf_counter of the last Stop

    def start(self, spec: TrainSpec) -> None:
        self._ensure().send("train", spec)

    def stop(self) -> None:
        """Ask the run to stop: it saves its checkpoint and ends within a step."""
        if self._process is not None and self._process.alive():
            self.stop_sent_at = time.perf_counter()
            self._process.send("stop")

    def explain(self, paths: list[str], prompt: str, position: int, k: int) -> None:
        self._ensure().send("explain", list(paths), prompt, position, k)

    def shutdown(self) -> None:
        """End the process: a run in progress stops as Stop stops it, saving its checkpoint."""
        p, self._process = self._process, None
        if p is not None:
            p.close(timeout=CLOSE_S)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _ensure(self) -> EngineProcess:
        if self._process is None or not self._process.alive():
            process: EngineProcess | None = None

            def died(reason: str) -> None:
                if self._process is process:
                    self._process = None
                    self.sig_process_died.emit(reason)

            process = EngineProcess(self._on_message, died, command=engine_command("train"))
            process.start()
            self._process = process
        return self._process

    def _on_message(self, m: tuple) -> None:  # the reader thread: signals reach the GUI queued
        op = m[0]
        if op == "events":
            self.sig_events.emit(m[1])
        elif op == "failed":
            self.sig_failed.emit(m[1])
        elif op == "explained":
            self.sig_explained.emit(m[1])
        elif op == "explain_failed":
            self.sig_explain_failed.emit(m[1])
