"""The training process (python -m studio.server.train, or `<app> --train-server` when frozen):
the window's Train tab speaks to it over stdin/stdout in `studio.core.wire` messages, as to the
engine process, so the window keeps drawing while it trains.

Requests: ("train", TrainSpec)  ("explain", paths, prompt, position, k)  ("stop",)  ("shutdown",)
Replies:  ("ready", pid)  ("events", [TrainEvent, ...])  ("failed", one line)
          ("explained", [SnapshotTopK, ...])  ("explain_failed", one line)

A reader thread answers `stop` at once (it sets the run's stop event, which the loop looks at
between steps: it saves the checkpoint and ends with a "stopped" event). SIGTERM does the same.
Step events are sent in batches at most every 100 ms; every other event goes at once. When stdin
ends (the window is gone) the run stops the same way, then the process exits.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from typing import Any, BinaryIO

from studio.core.errors import StudioError
from studio.core.train_events import TrainEvent, TrainSpec
from studio.core.wire import read_message, write_message

BATCH_S = 0.1  # step events are sent at most this often


class TrainServer:
    def __init__(self, inp: BinaryIO, out: BinaryIO) -> None:
        self._inp, self._out = inp, out
        self._lock = threading.Lock()
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.stop = threading.Event()

    def send(self, *message: object) -> None:
        try:
            with self._lock:
                write_message(self._out, message)
        except (BrokenPipeError, OSError, ValueError):
            self.stop.set()  # the window is gone: stop (a checkpoint is saved) and end

    def read_requests(self) -> None:
        while True:
            try:
                message = read_message(self._inp)
            except (OSError, ValueError) as e:
                print(f"aigc-studio trainer: bad request ({e})", file=sys.stderr, flush=True)
                continue
            if message is None or message[0] == "shutdown":
                self.stop.set()
                self.jobs.put(("shutdown",))
                # a run saves its checkpoint within a step; never outlive the window for long
                threading.Timer(10.0, os._exit, (0,)).start()
                return
            if message[0] == "stop":
                self.stop.set()
            else:
                if message[0] == "train":
                    self.stop = threading.Event()  # made here, so a stop sent next reaches it
                    message = (*message, self.stop)
                self.jobs.put(message)

    def serve(self) -> int:
        self.send("ready", os.getpid())
        threading.Thread(target=self.read_requests, name="requests", daemon=True).start()
        while True:
            message = self.jobs.get()
            op = message[0]
            if op == "shutdown":
                return 0
            try:
                if op == "train":
                    self.train(message[1], message[2])
                elif op == "explain":
                    self.explain(*message[1:])
                else:
                    self.send("failed", f"unknown request {op!r}")
            except (StudioError, ValueError, OSError) as e:
                self.send("explain_failed" if op == "explain" else "failed", str(e))
            except Exception as e:  # noqa: BLE001 - one line in the window; the process carries on
                what = "explain_failed" if op == "explain" else "failed"
                self.send(what, f"{type(e).__name__}: {e}")

    def train(self, spec: TrainSpec, stop: threading.Event) -> None:
        from studio.engine.train.trainer import Watch

        watch = Watch(stop=stop, sample_every=spec.sample_every, snapshot_every=spec.snapshot_every)
        batch: list[TrainEvent] = []
        sent_at = time.perf_counter()
        for event in run_spec(spec, watch):
            batch.append(event)
            now = time.perf_counter()
            if event.kind != "step" or now - sent_at >= BATCH_S:
                self.send("events", batch)
                batch, sent_at = [], now
        if batch:
            self.send("events", batch)

    def explain(self, paths: list, prompt: str, position: int, k: int) -> None:
        from studio.engine.train.snapshots import compare

        self.send("explained", compare(list(paths), prompt, int(position), int(k)))


def run_spec(spec: TrainSpec, watch):  # noqa: ANN001, ANN201 - engine types, imported late
    """The events of the run `spec` asks for, through the same trainers as the command line."""
    from studio.engine.train.image_task import ImageTrainConfig, train_image
    from studio.engine.train.text_task import TrainConfig, train_text

    common: dict[str, Any] = dict(
        out=spec.out,
        max_steps=spec.max_steps,
        minutes=spec.minutes,
        seed=spec.seed,
        resume=spec.resume,
        eval_interval=spec.eval_interval,
        checkpoint_interval=spec.eval_interval,
        threads=spec.threads,
        device=spec.device,
        command=spec.command(),
        init_from=spec.init_from,
    )
    if spec.kind == "text":
        overrides = {"lr": spec.lr} if spec.lr else {}
        cfg = TrainConfig(corpus=spec.data, preset=spec.preset, overrides=overrides, **common)
        return train_text(cfg, watch)
    overrides = {"lr": spec.lr} if spec.lr else {}
    image_cfg = ImageTrainConfig(kind=spec.kind, data=spec.data, overrides=overrides, **common)
    return train_image(image_cfg, watch)


def main() -> int:  # never returns: the process ends here
    """Run the training process on this process's stdin and stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the window's to decide
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints go to stderr, not the pipe
    sys.stdout = sys.stderr
    server = TrainServer(inp, out)

    def terminate(*_: object) -> None:
        # SIGTERM stops the run as Stop does (the checkpoint is saved), then the process ends
        server.stop.set()
        server.jobs.put(("shutdown",))

    signal.signal(signal.SIGTERM, terminate)
    code = server.serve()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
