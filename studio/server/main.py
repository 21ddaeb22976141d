"""The engine process's loop: a reader thread for requests, the main thread for the work.

Requests arrive on stdin as `studio.core.wire` messages. The reader thread answers `stop` and
`pace` at once (a run checks its cancel event every step, so Stop takes effect within one step)
and queues everything else for the main thread, which runs one request at a time: list models,
load a model, generate text, draw images, read a PNG's settings, a token's sampling stages, its
attention and logit lens, and what one pixel of a picture looked at.
Replies and run events go back on stdout, which nothing else may write to (print goes to stderr).
When stdin ends, the window's process is gone: the engine exits at once, leaving no orphan.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from typing import BinaryIO

from studio.core.wire import read_message, write_message


class Pace:
    """Seconds to wait after each pixel step; the reader thread changes it during a run (a plain
    float attribute, which needs no lock)."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds


class EngineServer:
    """Owns the loaded model; answers the window's requests (see the module's docstring)."""

    def __init__(self, inp: BinaryIO, out: BinaryIO) -> None:
        self._inp = inp
        self._out = out
        self._write_lock = threading.Lock()
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.cancel = threading.Event()  # the latest run's; `stop` sets it
        self.pace = Pace()
        self.loaded = None  # engine LoadedModel
        self.info: dict | None = None  # its description, as sent to the window

    # ---- the pipes ----------------------------------------------------------------------------

    def send(self, *message: object) -> None:
        try:
            with self._write_lock:
                write_message(self._out, message)
        except (BrokenPipeError, OSError, ValueError):
            os._exit(0)  # the window's process is gone

    def read_requests(self) -> None:
        """The reader thread: stop and pace at once, the rest to the main thread, in order."""
        while True:
            try:
                message = read_message(self._inp)
            except (OSError, ValueError) as e:
                print(f"aigc-studio engine: bad request ({e})", file=sys.stderr, flush=True)
                message = None
            if message is None:
                # end of stdin: the window's process has ended (or was killed); so does the engine
                self.cancel.set()
                os._exit(0)
            op = message[0]
            if op == "stop":
                self.cancel.set()
            elif op == "pace":
                self.pace.seconds = float(message[1])
            else:
                if op in ("generate", "branch", "image", "resume", "compare"):
                    # made here, in request order, so a stop sent right after reaches this run
                    self.cancel = threading.Event()
                    message = (*message, self.cancel)
                    if op == "image":
                        self.pace.seconds = float(message[2].pace_s)
                elif op == "shutdown":
                    self.cancel.set()
                self.jobs.put(message)

    def serve(self) -> int:
        self.send("ready", os.getpid())
        threading.Thread(target=self.read_requests, name="requests", daemon=True).start()
        # torch and the engine load while the window lists nothing yet: the first request waits
        # for them anyway
        t0 = time.perf_counter()
        from studio.server import handlers, step_handlers

        self.send("warm", time.perf_counter() - t0)
        while True:
            message = self.jobs.get()
            op, args = message[0], message[1:]
            if op == "shutdown":
                return 0
            handler = handlers.HANDLERS.get(op) or step_handlers.HANDLERS.get(op)
            if handler is None:
                self.send("error", f"unknown request {op!r}")
                continue
            try:
                handler(self, *args)
            except Exception as e:  # noqa: BLE001 - said in the window; the engine carries on
                self.send("error", handlers.message_of(e))


def main() -> int:  # never returns: the process ends here
    """Run the engine on this process's stdin and stdout."""
    # Ctrl+C in the terminal reaches the whole process group: the window decides, not the engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # anything printed from here on (warnings, a library's chatter) goes to stderr, not the pipe
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    code = EngineServer(inp, out).serve()
    # skip the interpreter's teardown: the reader thread is blocked on stdin (finalizing under it
    # is a fatal error), and with torch loaded teardown takes a second for nothing
    sys.stderr.flush()
    os._exit(code)
