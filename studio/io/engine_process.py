"""The engine's child process, seen from the window's process: start it, send requests, read
replies. Qt-free and torch-free.

Why a child process started by `subprocess` (not multiprocessing): the command is explicit and lives
in one function (`engine_command`), which a frozen app changes to run its own executable; the child
re-imports nothing of the window (multiprocessing's spawn re-imports the parent's main module); and
the pipes are plain stdin/stdout, so the child sees the end of stdin the moment the window's process
dies, whatever killed it, and exits: no orphans.

Requests (window -> engine), tuples `(name, *fields)`:
    ("list",)  ("load", path, device, dtype)  ("generate", run_id, prompt, settings)
    ("branch", run_id, prompt, settings, {"prefix": ids, "token": id or "text": typed})
    ("image", run_id, ImageRequest)  ("png", path)  ("stages", model_path, prompt, ids, settings)
    ("chat", messages)  ("pace", seconds)  ("stop",)  ("shutdown",)
Replies (engine -> window):
    ("ready", pid)  ("warm", import_seconds)  ("models", list_of_dicts, problems)
    ("loading", path)  ("loaded", info)  ("load_failed", path, reason)
    ("events", run_id, sent_at, batch)  ("frame", run_id, sent_at, ImageFrame)  ("ended", run_id)
    ("png", path, model_name, settings)  ("png_failed", path, reason)
    ("stages", step, token_id, stages)  ("stages_failed", step, reason)  ("error", message)
    ("chat_prompt", text)  ("chat_failed", reason)
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from studio.core.wire import WireError, dumps, read_message

FROZEN_FLAG = "--engine-server"  # how a frozen app's executable is told to be the engine
TRAIN_FLAG = "--train-server"  # ... and the training process (studio.server.train)


def engine_command(role: str = "engine") -> list[str]:
    """The command line that starts the engine process (role "engine") or the training process
    (role "train")."""
    if getattr(sys, "frozen", False):
        return [sys.executable, TRAIN_FLAG if role == "train" else FROZEN_FLAG]
    return [sys.executable, "-m", "studio.server.train" if role == "train" else "studio.server"]


def _child_env() -> dict[str, str]:
    """The window's environment, with this `studio` package findable by the child even when the
    window was started from a checkout without installing it."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    paths = env.get("PYTHONPATH", "").split(os.pathsep) if env.get("PYTHONPATH") else []
    if root not in paths:
        env["PYTHONPATH"] = os.pathsep.join([root, *paths])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def exit_reason(returncode: int | None, last_error: str = "") -> str:
    """One line on why the engine process ended."""
    if returncode is None:
        return "its pipe closed" + (f" ({last_error})" if last_error else "")
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        why = f"it was killed ({name})"
        if -returncode == getattr(signal, "SIGKILL", 9):
            why += ", as the system does when memory runs out"
        return why
    return f"it exited with status {returncode}" + (f": {last_error}" if last_error else "")


class EngineProcess:
    """One engine child process. `on_message(message)` is called in a reader thread for each
    reply, `on_exit(reason)` once, in the same thread, when the process has ended (not after
    `close()`). `send` never blocks: a writer thread feeds the pipe."""

    def __init__(
        self,
        on_message: Callable[[tuple], None],
        on_exit: Callable[[str], None],
        command: list[str] | None = None,
    ) -> None:
        self._on_message = on_message
        self._on_exit = on_exit
        self._command = command or engine_command()
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._stderr_tail: deque[str] = deque(maxlen=5)
        self._closing = False
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0  # perf_counter when the process was started
        self.ready_at: float | None = None  # when its first message arrived
        self.warm_s: float | None = None  # its own time to import torch and the engine

    def start(self) -> None:
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_child_env(),
            close_fds=True,
        )
        self._stderr_thread = threading.Thread(
            target=self._copy_stderr, name="engine-stderr", daemon=True
        )
        self._stderr_thread.start()
        threading.Thread(target=self._write, name="engine-writer", daemon=True).start()
        threading.Thread(target=self._read, name="engine-reader", daemon=True).start()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and not self._closing

    def send(self, *message: object) -> None:
        self._outbox.put(dumps(message))

    def close(self, timeout: float = 2.0) -> None:
        """End the process without waiting for it: ask it to shut down and close its stdin (it
        exits on that at once); a thread kills it if it has not gone after `timeout` seconds."""
        if self.proc is None or self._closing:
            return
        self._closing = True
        self._outbox.put(dumps(("shutdown",)))
        self._outbox.put(None)  # the writer closes stdin after the shutdown
        proc = self.proc

        def reap() -> None:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

        threading.Thread(target=reap, name="engine-reaper", daemon=True).start()

    def wait(self, timeout: float | None = None) -> int | None:
        """The process's exit status once it has ended (None if still running after `timeout`)."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    # ---- threads ------------------------------------------------------------------------------

    def _write(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        stdin = self.proc.stdin
        while True:
            data = self._outbox.get()
            try:
                if data is None:
                    stdin.close()
                    return
                stdin.write(data)
                stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                return  # the reader sees the end and reports it

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        stdout = self.proc.stdout
        problem = ""
        while True:
            try:
                message = read_message(stdout)
            except (OSError, WireError) as e:
                problem = str(e)
                message = None
            if message is None:
                break
            if self.ready_at is None:
                self.ready_at = time.perf_counter()
            if message[0] == "warm":
                self.warm_s = float(message[1])
            self._on_message(message)
        if problem and self.proc.poll() is None:
            self.proc.kill()  # it speaks something other than the protocol: end it
        returncode = self.proc.wait()
        self._stderr_thread.join(1.0)  # its last words, for the reason
        if not self._closing:
            self._outbox.put(None)
            tail = problem or (self._stderr_tail[-1] if self._stderr_tail else "")
            self._on_exit(exit_reason(returncode, tail))

    def _copy_stderr(self) -> None:
        """The engine's stderr, passed on to ours (warnings, tracebacks), its last lines kept for
        the reason it ended."""
        assert self.proc is not None and self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            if line.strip():
                self._stderr_tail.append(line.strip())
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(line)
